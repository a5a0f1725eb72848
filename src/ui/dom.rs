//! Small DOM helpers shared by the page's sections.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, DocumentFragment, Element};

use crate::core::report::Value;

/// A copy of the structure `index.html` writes in `<template id=…>` (its
/// one element), to fill with [`slot`] and put in place.
pub fn template(doc: &Document, id: &str) -> Result<Element, JsValue> {
    template_parts(doc, id)?
        .first_element_child()
        .ok_or_else(|| JsValue::from_str(&format!("<template id={id}> is empty")))
}

/// A copy of everything `<template id=…>` holds, for a structure of
/// several siblings (a lab's message, transcript and notes): fill it with
/// [`slot`], then put its slots in place (they move out of the copy; the
/// markup's whitespace between them stays behind).
pub fn template_parts(doc: &Document, id: &str) -> Result<DocumentFragment, JsValue> {
    let template: web_sys::HtmlTemplateElement = doc
        .get_element_by_id(id)
        .ok_or_else(|| JsValue::from_str(&format!("the page lacks <template id={id}>")))?
        .dyn_into()?;
    template
        .content()
        .clone_node_with_deep(true)?
        .dyn_into()
        .map_err(JsValue::from)
}

/// What [`slot`] looks in: a template's copy, one element ([`template`])
/// or several ([`template_parts`]).
pub trait Copied {
    fn query(&self, selector: &str) -> Result<Option<Element>, JsValue>;
}

impl Copied for Element {
    fn query(&self, selector: &str) -> Result<Option<Element>, JsValue> {
        self.query_selector(selector)
    }
}

impl Copied for DocumentFragment {
    fn query(&self, selector: &str) -> Result<Option<Element>, JsValue> {
        self.query_selector(selector)
    }
}

/// The part of a template's copy marked `data-slot=name`.
pub fn slot(copy: &impl Copied, name: &str) -> Result<Element, JsValue> {
    copy.query(&format!("[data-slot={name}]"))?
        .ok_or_else(|| JsValue::from_str(&format!("a template lacks its {name} slot")))
}

/// `<tag class=…>text</tag>`
pub fn element(doc: &Document, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let el = doc.create_element(tag)?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    Ok(el)
}

/// A table row of `cells` (`<td>`s) appended to `body` (a `<tbody>`).
pub fn append_cells(body: &Element, cells: &[&str]) -> Result<Element, JsValue> {
    let doc = body.owner_document().ok_or("no document")?;
    let row = doc.create_element("tr")?;
    for text in cells {
        let cell = element(&doc, "td", "", text)?;
        row.append_child(&cell)?;
    }
    body.append_child(&row)?;
    Ok(row)
}

/// A bar's width, in % of its track, through the CSSOM: a `style`
/// attribute would be refused by the page's content security policy (no
/// `'unsafe-inline'` styles).
pub fn set_width_percent(bar: &Element, percent: f64) {
    if let Some(bar) = bar.dyn_ref::<web_sys::HtmlElement>() {
        let _ = bar.style().set_property("width", &format!("{percent:.1}%"));
    }
}

pub fn find(doc: &Document, selector: &str) -> Result<Element, JsValue> {
    doc.query_selector(selector)?
        .ok_or_else(|| JsValue::from_str(&format!("the page lacks {selector}")))
}

/// The control `index.html` writes in `section` at `selector`, as the
/// element it must be (a button, a select, …).
pub fn control<T: JsCast>(section: &Element, selector: &str) -> Result<T, JsValue> {
    let lab = section.get_attribute("data-experiment").unwrap_or_default();
    section
        .query_selector(selector)?
        .ok_or_else(|| format!("the page's {lab} lab lacks {selector}"))?
        .dyn_into()
        .map_err(|_| format!("the page's {lab} lab has the wrong element at {selector}").into())
}

/// The button `index.html` writes in `section` for each of `keys`, found by
/// `button[{attr}="{key}"]`: a lab's models, modes, stops or presets.
pub fn buttons_for<K: Copy>(
    section: &Element,
    attr: &str,
    keys: impl IntoIterator<Item = K>,
    key: impl Fn(K) -> &'static str,
) -> Result<Vec<(K, web_sys::HtmlButtonElement)>, JsValue> {
    keys.into_iter()
        .map(|k| {
            Ok((
                k,
                control(section, &format!("button[{attr}=\"{}\"]", key(k)))?,
            ))
        })
        .collect()
}

/// A canvas in `parent`, as wide as it and `css_height` tall, sized for
/// crisp drawing on this screen; with the device pixel ratio it used.
pub fn hidpi_canvas(
    doc: &Document,
    parent: &Element,
    css_height: f64,
    class: &str,
) -> Result<(web_sys::HtmlCanvasElement, f64), JsValue> {
    let canvas: web_sys::HtmlCanvasElement = doc.create_element("canvas")?.unchecked_into();
    canvas.set_class_name(class);
    parent.append_child(&canvas)?;
    let scale = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let width = f64::from(parent.client_width().max(300));
    canvas.set_width((width * scale) as u32);
    canvas.set_height((css_height * scale) as u32);
    canvas
        .style()
        .set_property("height", &format!("{css_height}px"))?;
    Ok((canvas, scale))
}

/// The page's one way to wire a click: `f` runs on every click of
/// `button` (the handler lives as long as the page, as the button does).
pub fn on_click(button: &web_sys::HtmlElement, f: impl FnMut() + 'static) {
    let handler = Closure::<dyn FnMut()>::new(f);
    button.set_onclick(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
}

/// A report as the JS object `window.spinlab` resolves with: the one
/// conversion of the page's reports (see [`crate::core::report`]).
pub fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => (*b).into(),
        Value::Num(x) => (*x).into(),
        Value::Str(s) => s.as_str().into(),
        Value::List(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
        Value::Obj(fields) => {
            let object = js_sys::Object::new();
            for (key, value) in fields {
                // Setting a property on a fresh plain object cannot fail.
                let _ = js_sys::Reflect::set(&object, &(*key).into(), &to_js(value));
            }
            object.into()
        }
    }
}

/// Sends a run's report as the `spinlab:report` event and returns it as the
/// JS object its promise resolves with.
pub fn publish(report: impl Into<Value>) -> JsValue {
    let report = to_js(&report.into());
    dispatch_report(&report);
    report
}

pub fn dispatch_report(report: &JsValue) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(report);
    if let (Ok(event), Some(doc)) = (
        web_sys::CustomEvent::new_with_event_init_dict("spinlab:report", &init),
        web_sys::window().and_then(|w| w.document()),
    ) {
        let _ = doc.dispatch_event(&event);
    }
}

/// A JS value as the error messages show it.
pub fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Reads a decimal-string-or-BigInt number option: a JS `Number` is refused,
/// because it cannot hold every `u64`. `None` when absent.
pub fn number_option(value: &JsValue, name: &str) -> Result<Option<String>, String> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else if let Some(s) = value.as_string() {
        Ok(Some(s))
    } else if value.is_bigint() {
        let digits = js_sys::BigInt::unchecked_from_js(value.clone())
            .to_string(10)
            .map_err(|e| crate::runtime::js_error_message(&e))?;
        Ok(Some(String::from(digits)))
    } else {
        Err(format!(
            "{name} must be a decimal string (or a BigInt), not {}: a JS Number loses digits above 2^53",
            describe(value)
        ))
    }
}

/// A section's status line, its transcript and its notes
/// (`[data-role=message]`, `[data-role=transcript]`, `[data-role=notes]`):
/// the transcript holds exactly what the Python program prints (copy it and
/// you have Python's output); the page's own measurements and explanations
/// are notes, set apart.
#[derive(Clone)]
pub struct Output {
    message: Element,
    transcript: Element,
    notes: Element,
}

/// A note's text, if `line` is one of the page's (`# …`).
fn note_text(line: &str) -> Option<&str> {
    line.strip_prefix("# ")
}

impl Output {
    /// Moves the run's message right after `element` (the spinner lab's
    /// picture: spinner and verdict in view together).
    pub fn message_after(&self, element: &Element) -> Result<(), JsValue> {
        element.after_with_node_1(&self.message)
    }

    /// Puts a copy of `<template id="output">` at the end of `section`.
    pub fn render(doc: &Document, section: &Element) -> Result<Output, JsValue> {
        let output = Output::copy(doc)?;
        section.append_with_node_3(&output.message, &output.transcript, &output.notes)?;
        Ok(output)
    }

    /// Puts a copy of `<template id="output">` right before `next`, what
    /// `index.html` writes under the output (the pool's results table, the
    /// bench's figures).
    pub fn render_before(doc: &Document, next: &Element) -> Result<Output, JsValue> {
        let output = Output::copy(doc)?;
        next.before_with_node_3(&output.message, &output.transcript, &output.notes)?;
        Ok(output)
    }

    fn copy(doc: &Document) -> Result<Output, JsValue> {
        let parts = template_parts(doc, "output")?;
        Ok(Output {
            message: slot(&parts, "message")?,
            transcript: slot(&parts, "transcript")?,
            notes: slot(&parts, "notes")?,
        })
    }

    /// Shows `text` in the status line; `kind` is `running`, `done` or `error`.
    pub fn say(&self, text: &str, kind: &str) {
        self.message.set_text_content(Some(text));
        self.message.set_class_name(&format!("message {kind}"));
    }

    /// Appends lines: Python's to the transcript (as a text node: a screen
    /// reader announces only what was added to the log), the page's notes
    /// (`# …`) to the notes beside it.
    pub fn append_transcript(&self, lines: &[String]) {
        let mut text = String::new();
        for line in lines {
            match note_text(line) {
                Some(note) => {
                    if let Some(doc) = self.notes.owner_document()
                        && let Ok(item) = element(&doc, "p", "", note)
                    {
                        let _ = self.notes.append_child(&item);
                    }
                }
                None => {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        if !text.is_empty() {
            let _ = self.transcript.append_with_str_1(&text);
            self.transcript
                .set_scroll_top(self.transcript.scroll_height());
        }
    }
}

/// Reads a `true` / `false` option; `None` when absent.
pub fn bool_option(value: &JsValue, name: &str) -> Result<Option<bool>, String> {
    if value.is_undefined() {
        return Ok(None);
    }
    value
        .as_bool()
        .map(Some)
        .ok_or_else(|| format!("{name} must be true or false, not {}", describe(value)))
}

/// Reads a whole-number option in `lo..=hi`; `None` when absent.
pub fn whole_number_option(
    value: &JsValue,
    name: &str,
    lo: usize,
    hi: usize,
) -> Result<Option<usize>, String> {
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(x) if x.fract() == 0.0 && x >= lo as f64 && x <= hi as f64 => Ok(Some(x as usize)),
        _ => Err(format!(
            "{name} must be a whole number from {lo} to {hi}, not {}",
            describe(value)
        )),
    }
}

/// The interval a lab's `sys.setswitchinterval` select
/// (`[data-role=switch-interval]`, in ms) shows.
pub fn read_switch_interval(select: &web_sys::HtmlSelectElement) -> std::time::Duration {
    let ms = select.value().parse::<f64>().unwrap_or(5.0);
    std::time::Duration::from_secs_f64(ms / 1000.0)
}

/// Reads `switchIntervalMs` (`sys.setswitchinterval`, in ms: 0.5 to 200);
/// `None` when absent.
pub fn switch_interval_option(value: &JsValue) -> Result<Option<std::time::Duration>, String> {
    if value.is_undefined() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(ms) if crate::core::protocol::SWITCH_INTERVAL_MS.contains(&ms) => {
            Ok(Some(std::time::Duration::from_secs_f64(ms / 1000.0)))
        }
        _ => Err(format!(
            "switchIntervalMs must be a number of milliseconds from {} to {}, not {}",
            crate::core::protocol::SWITCH_INTERVAL_MS.start(),
            crate::core::protocol::SWITCH_INTERVAL_MS.end(),
            describe(value)
        )),
    }
}

/// Reads a keyword option with `parse`; the error says what was `expected`
/// (`"main" or "pool"`, `one of thread, process, …`) and what came instead.
pub fn key_option<T>(
    value: &JsValue,
    name: &str,
    expected: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, String> {
    if value.is_undefined() {
        return Err(format!("{name} is missing: it must be {expected}"));
    }
    value
        .as_string()
        .and_then(|s| parse(&s))
        .ok_or_else(|| format!("{name} must be {expected}, not {}", describe(value)))
}

/// The options object of a `window.spinlab` function, checked against the
/// names it takes: a misspelt option (`{ mdoe: "threads" }`) is refused with
/// the names it could have been, never silently ignored.
pub struct Options {
    value: JsValue,
}

impl Options {
    /// Reads `value` as the options of `function`, which takes `known`.
    /// `undefined` and `null` read as no options.
    pub fn read(value: &JsValue, function: &str, known: &[&str]) -> Result<Options, String> {
        if value.is_undefined() || value.is_null() {
            return Ok(Options {
                value: JsValue::UNDEFINED,
            });
        }
        if !value.is_object() || js_sys::Array::is_array(value) {
            return Err(format!(
                "{function} takes an options object {{ {} }}, not {}",
                known.join(", "),
                describe(value)
            ));
        }
        let object: &js_sys::Object = value.unchecked_ref();
        for key in js_sys::Object::keys(object).iter() {
            let key = key.as_string().unwrap_or_default();
            if !known.contains(&key.as_str()) {
                return Err(format!(
                    "{function}: unknown option {key:?}; it takes {}",
                    known.join(", ")
                ));
            }
        }
        Ok(Options {
            value: value.clone(),
        })
    }

    /// Whether no options were given.
    pub fn is_empty(&self) -> bool {
        self.value.is_undefined()
    }

    /// The option `key`, `undefined` when absent.
    pub fn get(&self, key: &str) -> JsValue {
        if self.value.is_undefined() {
            return JsValue::UNDEFINED;
        }
        js_sys::Reflect::get(&self.value, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }
}

/// The capabilities panel's status line.
pub fn set_status(text: &str) {
    if let Some(status) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|doc| {
            doc.query_selector("#capabilities [data-role=status]")
                .ok()
                .flatten()
        })
    {
        status.set_text_content(Some(text));
    }
}
