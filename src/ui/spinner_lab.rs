//! The spinner lab: "A Concurrent Hello World" and "The Real Impact of the
//! GIL", re-enacted. Its buttons and `spinlab.runSpinner` run the same code.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Document, Element, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, HtmlSelectElement,
};

use super::code::{self, CodePanel};
use super::context::Panel;
use super::dom::{
    Options, Output, describe, element, find, key_option, number_option, on_click, publish,
};
use crate::link::{Link, SlowKind};
use crate::models::{NapPlan, Outcome, Slow, coroutine, process, thread};
use crate::primes::{BOOK_PRIME, parse_number, slow_check_note};
use crate::report::{Lines, SpinnerReport};
use crate::runtime::canvas::Style;
use crate::runtime::js_error_message;
use crate::runtime::monitor;
use crate::runtime::steps::next_paint;
use crate::spinner::{
    BOOK_NAP_EVERY, Model, NAP_SLICE_SECS, NapVia, Offload, answer_line, frames_expected,
    spinner_object, spinner_object_note,
};

/// The lab panel with the page's context.
pub type SpinnerLab = Panel<LabView>;

/// What to run: `spinlab.runSpinner`'s options, checked.
pub struct SpinnerRequest {
    pub model: Model,
    /// `None` for sleep; the number to check otherwise (`None` inside = the calibrated prime).
    pub prime: Option<Option<String>>,
    pub nap_every: Option<NapEvery>,
    pub nap_via: NapVia,
    /// Where `coroutine-offload` runs the work.
    pub offload: Offload,
}

#[derive(Clone, Copy)]
pub enum NapEvery {
    Book,
    Divisions(u64),
}

/// The lab's controls and output, built into `[data-experiment=spinner]`.
pub struct LabView {
    models: Vec<(Model, HtmlButtonElement)>,
    slow_prime: HtmlInputElement,
    slow_sleep: HtmlInputElement,
    number: HtmlInputElement,
    presets: Vec<HtmlButtonElement>,
    nap_every: HtmlSelectElement,
    nap_via: HtmlSelectElement,
    offload: HtmlSelectElement,
    stage: Element,
    stats: Element,
    calibration_note: Element,
    output: Output,
    code: CodePanel,
    /// `Thread-N`, `Process-N`, `Task-N`, counted per kind like Python does
    /// in one process (this page).
    counters: [Cell<u32>; 3],
    /// The page's stand-in for a pid, in `<Process … parent=NNN initial>`.
    parent: u32,
    /// A nested 0 ms timer's measured delay (the clamp), once known.
    nested_timer_ms: Cell<Option<f64>>,
}

fn input(doc: &Document, kind: &str, role: &str) -> Result<HtmlInputElement, JsValue> {
    let input: HtmlInputElement = doc.create_element("input")?.unchecked_into();
    input.set_type(kind);
    input.set_attribute("data-role", role)?;
    Ok(input)
}

fn select(
    doc: &Document,
    role: &str,
    options: &[(&str, &str)],
) -> Result<HtmlSelectElement, JsValue> {
    let select: HtmlSelectElement = doc.create_element("select")?.unchecked_into();
    select.set_attribute("data-role", role)?;
    for (value, text) in options {
        let option = element(doc, "option", "", text)?;
        option.set_attribute("value", value)?;
        select.append_child(&option)?;
    }
    Ok(select)
}

fn labelled(doc: &Document, text: &str, control: &web_sys::Node) -> Result<Element, JsValue> {
    let label = element(doc, "label", "", text)?;
    label.append_child(control)?;
    Ok(label)
}

/// A canvas sized for crisp drawing on this screen.
fn hidpi_canvas(
    doc: &Document,
    parent: &Element,
    css_height: f64,
    class: &str,
) -> Result<(HtmlCanvasElement, f64), JsValue> {
    let canvas: HtmlCanvasElement = doc.create_element("canvas")?.unchecked_into();
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

impl LabView {
    pub fn render(doc: &Document, has_pool: bool) -> Result<LabView, JsValue> {
        let section = find(doc, "[data-experiment=spinner]")?;

        let models = element(doc, "div", "controls models", "")?;
        models.set_attribute("role", "group")?;
        models.set_attribute("aria-label", "Run supervisor() with")?;
        let mut model_buttons = Vec::new();
        for (model, text, key) in [
            (Model::Thread, "Thread", "T"),
            (Model::Process, "Process", "P"),
            (Model::Coroutine, "Coroutine", "C"),
            (Model::CoroutineNap, "Coroutine + nap", "N"),
            (Model::CoroutineOffload, "Coroutine + worker", "W"),
        ] {
            let button: HtmlButtonElement = element(doc, "button", "model", text)?.unchecked_into();
            button.set_attribute("data-model", model.key())?;
            button.set_attribute("aria-keyshortcuts", key)?;
            button.set_attribute("aria-pressed", "false")?;
            let hint = element(doc, "kbd", "", key)?;
            button.append_child(&hint)?;
            if model.needs_threads(Offload::Thread) && !has_pool {
                button.set_title("Needs wasm threads, which this browser does not give this page.");
            }
            models.append_child(&button)?;
            model_buttons.push((model, button));
        }

        let options = element(doc, "div", "controls options", "")?;
        let slow_sleep = input(doc, "radio", "slow")?;
        slow_sleep.set_name("slow");
        slow_sleep.set_value("sleep");
        slow_sleep.set_checked(true);
        let slow_prime = input(doc, "radio", "slow")?;
        slow_prime.set_name("slow");
        slow_prime.set_value("prime");
        let slow = element(doc, "fieldset", "slow", "")?;
        slow.append_child(&element(doc, "legend", "", "slow() is")?.into())?;
        for (radio, text) in [(&slow_sleep, "sleep 3 s"), (&slow_prime, "is_prime(n)")] {
            let label = element(doc, "label", "radio", "")?;
            label.append_child(radio)?;
            label.append_child(&doc.create_text_node(text))?;
            slow.append_child(&label)?;
        }
        options.append_child(&slow)?;

        let number = input(doc, "text", "spinner-number")?;
        number.set_attribute("inputmode", "numeric")?;
        number.set_attribute("spellcheck", "false")?;
        number.set_placeholder("the calibrated prime");
        let n = element(doc, "div", "number", "")?;
        n.append_child(&labelled(doc, "n = ", &number)?.into())?;
        let mut presets = Vec::new();
        for (text, which) in [("calibrated ≈3 s", "calibrated"), ("the book's", "book")] {
            let preset: HtmlButtonElement =
                element(doc, "button", "preset", text)?.unchecked_into();
            preset.set_attribute("data-preset", which)?;
            n.append_child(&preset)?;
            presets.push(preset);
        }
        options.append_child(&n)?;

        let nap_every = select(
            doc,
            "nap-every",
            &[
                ("default", "as often as the book in time (≈5 ms)"),
                ("book", "the book's count: every 50,000"),
            ],
        )?;
        let nap_via = select(
            doc,
            "nap-via",
            &[("yield", "scheduler.yield()"), ("timeout", "setTimeout(0)")],
        )?;
        let nap = element(doc, "div", "nap", "")?;
        nap.append_child(&labelled(doc, "nap ", &nap_every)?.into())?;
        nap.append_child(&labelled(doc, " via ", &nap_via)?.into())?;
        options.append_child(&nap)?;

        let offload = select(
            doc,
            "offload",
            &[
                ("thread", "a thread: asyncio.to_thread"),
                (
                    "process",
                    "a process: run_in_executor(ProcessPoolExecutor())",
                ),
            ],
        )?;
        if !has_pool {
            // Without shared memory only a process can take the work.
            offload.set_value("process");
        }
        options.append_child(
            &labelled(doc, "Coroutine + worker: slow() runs on ", &offload)?.into(),
        )?;

        let calibration_note = element(doc, "p", "calibration", "Calibrating…")?;
        calibration_note.set_attribute("data-role", "calibration")?;

        section.append_child(&models)?;
        section.append_child(&options)?;
        section.append_child(&calibration_note)?;

        let stage = element(doc, "div", "stage", "")?;
        stage.set_attribute("data-role", "spinner")?;
        // The spinner's text alternative; the frame counts are in the stats.
        stage.set_attribute("role", "img")?;
        stage.set_attribute(
            "aria-label",
            "the spinner: a character turning through \\ | / - ten times a second while it runs",
        )?;
        section.append_child(&stage)?;
        let stats = element(doc, "dl", "stats", "")?;
        stats.set_attribute("data-role", "stats")?;
        section.append_child(&stats)?;
        let output = Output::render(doc, &section)?;
        let code = CodePanel::render(doc, &section)?;
        code.show(&code::spinner_listing(
            Model::Thread,
            false,
            Offload::Thread,
        ));

        let monitor_box = element(doc, "figure", "monitor", "")?;
        let caption = element(
            doc,
            "figcaption",
            "",
            "Event-loop monitor: the main thread's heartbeat over the last 10 s, drawn by a worker \
             from a timestamp the main thread writes into shared memory on every frame. It keeps \
             drawing while the main thread is frozen.",
        )?;
        section.append_child(&monitor_box)?;
        monitor_box.set_attribute("data-role", "monitor")?;

        let view = LabView {
            code,
            models: model_buttons,
            slow_prime,
            slow_sleep,
            number,
            presets,
            nap_every,
            nap_via,
            offload,
            stage,
            stats,
            calibration_note,
            output,
            counters: Default::default(),
            // Drawn once per page load, in the range Linux gives pids.
            parent: 1000 + (js_sys::Math::random() * 98_000.0) as u32,
            nested_timer_ms: Cell::new(None),
        };
        if has_pool {
            let (canvas, scale) = hidpi_canvas(doc, &monitor_box, 96.0, "strip")?;
            canvas.set_attribute("role", "img")?;
            canvas.set_attribute(
                "aria-label",
                "Event-loop monitor: the main thread's gaps over the last 10 s; each run's longest gap is in its statistics and transcript",
            )?;
            monitor::start_strip(&canvas, &Style::from_page(scale))?;
        } else {
            monitor_box.append_child(
                &element(
                    doc,
                    "p",
                    "message",
                    "The monitor needs wasm threads, which this page does not have.",
                )?
                .into(),
            )?;
        }
        monitor_box.append_child(&caption)?;
        Ok(view)
    }

    /// Sets the controls a link carries; returns the model button it asks
    /// for, to be focused (a link never starts a run).
    pub fn apply_link(&self, link: &Link) -> Option<HtmlButtonElement> {
        if let Some(slow) = link.slow {
            self.slow_sleep.set_checked(slow == SlowKind::Sleep);
            self.slow_prime.set_checked(slow == SlowKind::Prime);
        }
        if let Some(n) = link.n {
            self.number.set_value(&n.to_string());
        }
        let model = link.model?;
        self.models
            .iter()
            .find(|(m, _)| *m == model)
            .map(|(_, button)| button.clone())
    }

    /// What the controls say now, for the page's address: only what differs
    /// from the page's defaults (sleep; `default_n`, the calibrated prime).
    pub fn read_link(&self, link: &mut Link, default_n: Option<u64>) {
        link.slow = self.slow_prime.checked().then_some(SlowKind::Prime);
        link.n = parse_number(&self.number.value())
            .ok()
            .filter(|n| Some(*n) != default_n);
    }

    /// Shows a refused request's reason.
    pub fn output_error(&self, message: &str) {
        self.output.say(message, "error");
    }

    /// Measures the nested-timer clamp in the background (about 0.1 s of timers).
    pub fn measure_timer_clamp(app: &Rc<SpinnerLab>) {
        let app = Rc::clone(app);
        spawn_local(async move {
            let ms = coroutine::nested_timer_ms().await;
            app.view.nested_timer_ms.set(Some(ms));
            app.view.show_calibration(&app);
        });
    }

    pub fn show_calibration(&self, app: &SpinnerLab) {
        let text = match &app.calibration {
            Ok(c) => {
                if self.number.value().is_empty() {
                    self.number.set_value(&c.prime.to_string());
                }
                format!(
                    "Calibrated here: is_prime({}) should take ≈{:.1} s ({:.0} million divisions a second){}.",
                    c.prime,
                    c.expected_secs,
                    c.divisions_per_sec / 1e6,
                    if c.capped {
                        "; capped at the largest u64 prime"
                    } else {
                        ""
                    }
                )
            }
            Err(reason) => format!("No calibration ({reason}): the book's number is the default."),
        };
        let text = match self.nested_timer_ms.get() {
            Some(ms) => format!(
                "{text} A nested setTimeout(0) here waits {ms:.1} ms (the clamp after 5 nested timers)."
            ),
            None => text,
        };
        self.calibration_note.set_text_content(Some(&text));
    }

    pub fn wire(&self, app: &Rc<SpinnerLab>) {
        for (model, button) in &self.models {
            let (app, model) = (Rc::clone(app), *model);
            on_click(button, move || {
                let request = app.view.request_from_controls(model);
                let app = Rc::clone(&app);
                spawn_local(async move {
                    // The outcome, error included, is already on the page.
                    let _ = run_spinner(&app, request).await;
                });
            });
        }
        for preset in &self.presets {
            let app = Rc::clone(app);
            let which = preset.get_attribute("data-preset").unwrap_or_default();
            on_click(preset, move || {
                let value = match (&*which, &app.calibration) {
                    ("calibrated", Ok(c)) => c.prime,
                    _ => BOOK_PRIME,
                };
                app.view.number.set_value(&value.to_string());
                app.view.slow_prime.set_checked(true);
            });
        }
    }

    pub fn set_running(&self, running: bool, has_pool: bool) {
        for (model, button) in &self.models {
            // The offload button stays: its process offload needs no threads.
            button.set_disabled(running || (*model == Model::Thread && !has_pool));
        }
        for control in [&self.number, &self.slow_prime, &self.slow_sleep] {
            control.set_disabled(running);
        }
        for preset in &self.presets {
            preset.set_disabled(running);
        }
        self.nap_every.set_disabled(running);
        self.nap_via.set_disabled(running);
        self.offload.set_disabled(running);
    }

    fn request_from_controls(&self, model: Model) -> SpinnerRequest {
        let prime = self.slow_prime.checked().then(|| Some(self.number.value()));
        SpinnerRequest {
            model,
            prime,
            nap_every: match self.nap_every.value().as_str() {
                "book" => Some(NapEvery::Book),
                _ => None,
            },
            nap_via: NapVia::parse(&self.nap_via.value()).unwrap_or(NapVia::Yield),
            offload: Offload::parse(&self.offload.value()).unwrap_or_default(),
        }
    }

    fn next_id(&self, model: Model) -> u32 {
        // `asyncio.run(supervisor())` makes supervisor a task too: each
        // coroutine run takes two numbers, and `spin` has the second.
        let (index, step) = match model {
            Model::Thread => (0, 1),
            Model::Process => (1, 1),
            _ => (2, 2),
        };
        let counter = &self.counters[index];
        counter.set(counter.get() + step);
        counter.get()
    }

    /// A fresh canvas for this run's spinner: a canvas handed to a worker
    /// cannot be taken back.
    fn fresh_canvas(&self) -> Result<(HtmlCanvasElement, f64), JsValue> {
        self.stage.set_text_content(None);
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        hidpi_canvas(&doc, &self.stage, 52.0, "spinner")
    }

    fn show_stats(&self, rows: &[(&str, &str, String)]) {
        self.stats.set_text_content(None);
        let Some(doc) = self.stats.owner_document() else {
            return;
        };
        for (key, label, value) in rows {
            if let (Ok(row), Ok(term), Ok(definition)) = (
                element(&doc, "div", "stat", ""),
                element(&doc, "dt", "", label),
                element(&doc, "dd", "", value),
            ) {
                let _ = row.set_attribute("data-stat", key);
                let _ = row.append_child(&term);
                let _ = row.append_child(&definition);
                let _ = self.stats.append_child(&row);
            }
        }
    }
}

/// Reads `{ model, slow, n, nap: { every, via }, offload }`.
pub fn spinner_options(options: &JsValue) -> Result<SpinnerRequest, String> {
    let options = Options::read(
        options,
        "runSpinner",
        &["model", "slow", "n", "nap", "offload"],
    )?;
    if options.is_empty() {
        return Err("runSpinner needs options: { model, slow?, n?, nap?, offload? }".into());
    }
    let get = |key: &str| options.get(key);
    let keys: Vec<&str> = Model::ALL.iter().map(|m| m.key()).collect();
    let model = key_option(
        &get("model"),
        "model",
        &format!("one of {}", keys.join(", ")),
        Model::parse,
    )?;
    let slow = get("slow");
    let prime = match slow.as_string().as_deref() {
        None if slow.is_undefined() => None,
        Some("sleep") => None,
        Some("prime") => Some(number_option(&get("n"), "n")?),
        _ => {
            return Err(format!(
                "slow must be \"sleep\" or \"prime\", not {}",
                describe(&slow)
            ));
        }
    };
    if prime.is_none() && !get("n").is_undefined() {
        return Err("n is only used with slow: \"prime\"".into());
    }
    let nap = Options::read(&get("nap"), "runSpinner's nap", &["every", "via"])?;
    let (mut nap_every, mut nap_via) = (None, NapVia::Yield);
    if !nap.is_empty() {
        let every = nap.get("every");
        nap_every = if every.is_undefined() {
            None
        } else if every.as_string().as_deref() == Some("book") {
            Some(NapEvery::Book)
        } else {
            match every.as_f64() {
                Some(k) if k >= 1.0 && k.fract() == 0.0 && k <= 9_007_199_254_740_991.0 => {
                    Some(NapEvery::Divisions(k as u64))
                }
                _ => {
                    return Err(format!(
                        "nap.every must be a whole number of divisions ≥ 1 or \"book\", not {}",
                        describe(&every)
                    ));
                }
            }
        };
        let via = nap.get("via");
        if !via.is_undefined() {
            nap_via = via
                .as_string()
                .and_then(|s| NapVia::parse(&s))
                .ok_or_else(|| {
                    format!(
                        "nap.via must be \"yield\" or \"timeout\", not {}",
                        describe(&via)
                    )
                })?;
        }
    }
    let offload = get("offload");
    let offload = if offload.is_undefined() {
        Offload::default()
    } else if model != Model::CoroutineOffload {
        return Err("offload is only used with model: \"coroutine-offload\"".into());
    } else {
        offload
            .as_string()
            .and_then(|s| Offload::parse(&s))
            .ok_or_else(|| {
                format!(
                    "offload must be \"thread\" or \"process\", not {}",
                    describe(&offload)
                )
            })?
    };
    Ok(SpinnerRequest {
        model,
        prime,
        nap_every,
        nap_via,
        offload,
    })
}

/// One run of the spinner lab. Errors are shown on the page and returned.
pub async fn run_spinner(app: &SpinnerLab, request: SpinnerRequest) -> Result<JsValue, String> {
    let outcome = spinner(app, request).await;
    if let Err(message) = &outcome {
        app.view.output.say(message, "error");
    }
    outcome
}

async fn spinner(app: &SpinnerLab, request: SpinnerRequest) -> Result<JsValue, String> {
    let lab = &app.view;
    let model = request.model;
    let offload = request.offload;
    let needs_threads = model.needs_threads(offload);
    if needs_threads && let Some(message) = crate::runtime::panics::broken() {
        return Err(crate::runtime::panics::explain(&message));
    }
    if needs_threads && app.pool.is_none() {
        let what = if model == Model::CoroutineOffload {
            "A thread offload needs wasm threads, which this browser does not give this page \
             (see the capabilities above); offload: \"process\" works here."
                .to_string()
        } else {
            format!(
                "The {} model needs wasm threads, which this browser does not give this page: see the capabilities above.",
                model.key()
            )
        };
        return Err(what);
    }
    let calibration = app.calibration.as_ref().ok();
    let slow = match &request.prime {
        None => Slow::Sleep,
        Some(text) => {
            let n = match text.as_deref().map(str::trim) {
                None | Some("") => calibration.map_or(BOOK_PRIME, |c| c.prime),
                Some(text) => parse_number(text).map_err(|e| format!("Cannot check: {e}."))?,
            };
            let rate = calibration.map_or(435e6, |c| c.divisions_per_sec);
            let every = match request.nap_every {
                Some(NapEvery::Book) => BOOK_NAP_EVERY,
                Some(NapEvery::Divisions(k)) => k,
                None => ((rate * NAP_SLICE_SECS) as u64).max(1),
            };
            Slow::Prime {
                n,
                nap: NapPlan {
                    every,
                    via: request.nap_via,
                },
            }
        }
    };
    let _running = app.begin()?;
    for (m, button) in &lab.models {
        let _ = button.set_attribute("aria-pressed", if *m == model { "true" } else { "false" });
    }

    let id = lab.next_id(model);
    let (canvas, scale) = lab.fresh_canvas().map_err(|e| js_error_message(&e))?;
    let style = Style::from_page(scale);
    let (n, what) = match slow {
        Slow::Sleep => (None, "slow() sleeps 3 s".to_string()),
        Slow::Prime { n, nap } => (
            Some(n),
            match model {
                Model::CoroutineNap => format!(
                    "slow() is is_prime({n}), napping every {} divisions via {}",
                    nap.every,
                    via_name(nap.via)
                ),
                Model::CoroutineOffload => {
                    format!("slow() is is_prime({n}) on {}", offload_name(offload))
                }
                _ => format!("slow() is is_prime({n})"),
            },
        ),
    };
    let what = match (model, n) {
        (Model::CoroutineOffload, None) => format!("{what} on {}", offload_name(offload)),
        _ => what,
    };
    let listing = code::spinner_listing(model, n.is_some(), offload);
    let runnable = listing.python.runnable();
    let spin_at = format!(
        "{}:{}",
        listing.python.file,
        crate::python::line_of(&runnable, "async def spin").unwrap_or(0)
    );
    let mut transcript = vec![
        format!("# {}: {what}", model.key()),
        format!(
            "spinner object: {}",
            spinner_object(model, id, lab.parent, &spin_at)
        ),
        format!("# note: {}", spinner_object_note(model)),
    ];
    if model == Model::CoroutineOffload {
        transcript.push(format!("# note: {}", offload_note(offload)));
    }
    if let Some(note) = n.and_then(|n| slow_check_note(n, app.divisions_per_sec())) {
        transcript.push(format!("# note: {note}"));
    }
    lab.output.append_transcript(&transcript);
    lab.code.show(&listing);
    crate::runtime::steps::step("start");
    lab.output.say(&watch_for(model, &slow), "running");
    lab.show_stats(&[]);
    next_paint().await;

    monitor::begin_gap();
    let ticks_before = monitor::monitor_ticks();
    let outcome = match model {
        Model::Thread => thread::supervisor(id, &canvas, &style, slow).await,
        Model::Process => process::supervisor(id, &canvas, &style, slow).await,
        _ => {
            let offload = (model == Model::CoroutineOffload).then_some(offload);
            coroutine::supervisor(model, &canvas, &style, slow, offload, app.pool.as_ref()).await
        }
    };
    let gap_ms = monitor::end_gap();
    let monitor_ticks = monitor::monitor_ticks() - ticks_before;
    let outcome: Outcome = outcome?;
    crate::runtime::steps::step("done");

    let expected = frames_expected(outcome.elapsed_ms);
    let answer = answer_line(n.zip(outcome.prime));
    let mut lines = vec![answer.clone()];
    lines.push(format!(
        "# slow() took {:.2} s; the spinner drew {} of {:.0} frames; the main thread's longest gap was {:.0} ms",
        outcome.elapsed_ms / 1000.0,
        outcome.frames,
        expected,
        gap_ms
    ));
    if let Some(ms) = outcome.startup_ms {
        let unit = if model == Model::Process {
            "process (a fresh wasm instance and memory)"
        } else {
            "thread"
        };
        lines.push(format!("# the spinner's {unit} took {ms:.0} ms to start"));
    }
    if let (Some(compute), Slow::Prime { nap, .. }) = (outcome.compute_ms, slow) {
        let napping = outcome.elapsed_ms - compute;
        lines.push(format!(
            "# {} naps via {}: {compute:.0} ms dividing + {napping:.0} ms napping ({:.0}% overhead, {:.3} ms a nap)",
            outcome.naps,
            via_name(nap.via),
            100.0 * napping / compute.max(1e-9),
            napping / f64::from(outcome.naps.max(1)),
        ));
        if nap.via == NapVia::Timeout
            && let Some(clamp) = lab.nested_timer_ms.get()
        {
            lines.push(format!(
                "# these 0 ms timers do not nest (each await resumes through Atomics.waitAsync, a fresh task), \
                 so the clamp a nested 0 ms timer pays here ({clamp:.1} ms) does not apply"
            ));
        }
    }
    lab.output.append_transcript(&lines);
    transcript.extend(lines);

    let mut stats = vec![
        (
            "elapsed",
            "slow() took",
            format!("{:.2} s", outcome.elapsed_ms / 1000.0),
        ),
        (
            "frames",
            "spinner frames",
            format!("{} of {:.0} expected", outcome.frames, expected),
        ),
        (
            "gap",
            "main thread's longest gap",
            format!("{gap_ms:.0} ms"),
        ),
    ];
    if let Some(ms) = outcome.startup_ms {
        stats.push(("startup", "spinner start-up", format!("{ms:.0} ms")));
    }
    if let Some(compute) = outcome.compute_ms {
        stats.push((
            "naps",
            "naps",
            format!(
                "{} ({:.0} ms of {:.0} ms dividing)",
                outcome.naps,
                outcome.elapsed_ms - compute,
                compute
            ),
        ));
    }
    lab.show_stats(&stats);
    let frozen = gap_ms >= 0.8 * outcome.elapsed_ms && outcome.elapsed_ms >= 200.0;
    let kind = if frozen { "frozen" } else { "done" };
    lab.output
        .say(&verdict(model, &outcome, expected, gap_ms, frozen), kind);

    Ok(publish(SpinnerReport {
        model: model.key(),
        n,
        prime: outcome.prime,
        elapsed_ms: outcome.elapsed_ms,
        spinner_frames: outcome.frames,
        spinner_frames_expected: expected,
        main_thread_max_gap_ms: gap_ms,
        naps: outcome.naps,
        compute_ms: outcome.compute_ms,
        startup_ms: outcome.startup_ms,
        nap: match slow {
            Slow::Prime { nap, .. } if model == Model::CoroutineNap => {
                Some((nap.every, nap.via.key()))
            }
            _ => None,
        },
        offload: (model == Model::CoroutineOffload).then_some(offload.key()),
        monitor_ticks,
        lines: Lines::of(&transcript),
    }))
}

/// What the offload is here, and what it would be in CPython.
fn offload_note(offload: Offload) -> &'static str {
    match offload {
        Offload::Thread => {
            "in CPython the thread asyncio.to_thread starts must hold the GIL to divide, so the \
             spinner coroutine still gets its turns (the GIL changes hands every 5 ms) but the two \
             share one core's worth of Python; here the pool thread divides on a core of its own"
        }
        Offload::Process => {
            "the process is started for this call, a fresh wasm instance and memory: its start-up \
             is part of slow()'s time, as a new ProcessPoolExecutor's worker's is in Python; n \
             travels to it as a message (pickled, in Python), the answer comes back the same way"
        }
    }
}

fn offload_name(offload: Offload) -> &'static str {
    match offload {
        Offload::Thread => "a pool thread (asyncio.to_thread)",
        Offload::Process => "a fresh process (run_in_executor with a ProcessPoolExecutor)",
    }
}

fn via_name(via: NapVia) -> &'static str {
    match via {
        NapVia::Yield if coroutine::has_scheduler_yield() => "scheduler.yield()",
        NapVia::Yield => "a MessageChannel macrotask (no scheduler.yield() here)",
        NapVia::Timeout => "setTimeout(0)",
    }
}

/// What to watch while it runs.
fn watch_for(model: Model, slow: &Slow) -> String {
    let prime = matches!(slow, Slow::Prime { .. });
    match (model, prime) {
        (Model::Thread, true) => "The main thread is computing is_prime and is blocked: buttons and painting wait. The spinner thread draws on its own canvas and keeps turning.",
        (Model::Process, true) => "The main thread is computing is_prime and is blocked. The spinner lives in another process (its own wasm instance and memory) and keeps turning.",
        (Model::Coroutine, true) => "The coroutine calls is_prime without awaiting anything: the event loop is frozen. The spinner cannot turn; the page cannot respond. Watch the monitor.",
        (Model::CoroutineNap, true) => "is_prime naps every few milliseconds, giving the event loop a turn: the spinner turns, and the check takes longer.",
        (Model::CoroutineOffload, true) => "slow() awaits is_prime on another thread or process: the event loop is free, the spinner turns, the check runs at full speed.",
        (Model::Thread | Model::Process, false) => "slow() sleeps; the spinner turns in its own worker.",
        _ => "slow() awaits a 3 s sleep; the spinner coroutine runs during the waits.",
    }
    .to_string()
}

/// The run's lesson, from its measurements.
fn verdict(model: Model, outcome: &Outcome, expected: f64, gap_ms: f64, frozen: bool) -> String {
    let share = f64::from(outcome.frames) / expected.max(1.0);
    match (model, frozen) {
        (Model::Coroutine, true) => format!(
            "Frozen: the spinner drew {} frames and the main thread went {:.1} s without a frame. A blocking call in a coroutine blocks the whole event loop.",
            outcome.frames,
            gap_ms / 1000.0
        ),
        (Model::Thread | Model::Process, true) => format!(
            "The spinner drew {:.0}% of its frames while the main thread was blocked for {:.1} s.",
            100.0 * share,
            gap_ms / 1000.0
        ),
        _ => format!(
            "The spinner drew {:.0}% of its frames; the main thread's longest gap was {gap_ms:.0} ms.",
            100.0 * share
        ),
    }
}
