//! The code panel: the Python of an experiment (written for this page, after
//! the book's logic) beside the Rust that runs it here (regions of the real
//! sources, extracted by `build.rs`), with the lines of the current step
//! highlighted while a run lasts.
//!
//! Both texts mark steps with a line of their own, `# step: NAME` or
//! `// step: NAME`: the lines after it, up to the next marker, belong to
//! that step. The markers are not shown.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Object, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element, HtmlElement};

use super::dom::{element, slot, template};
use crate::core::python::{STEP_MARKER, runnable};
use crate::listings::{Listing, PRIMES_FILE};

/// The listings' texts, fetched from `pkg/listings.json` while the page
/// starts (`crate::listings`): Python programs by file name, Rust regions
/// by name.
struct Texts {
    programs: HashMap<String, String>,
    regions: HashMap<String, String>,
}

thread_local! {
    /// The texts, or why they could not be loaded; `None` before.
    static TEXTS: RefCell<Option<Result<Texts, String>>> = const { RefCell::new(None) };
}

/// Starts fetching the listings' texts (the page goes on starting while it
/// runs); [`load_texts`] waits for them.
pub fn fetch_texts() -> Option<Promise> {
    let url = crate::runtime::threads::beside_glue("listings.json");
    Some(web_sys::window()?.fetch_with_str(&url))
}

/// How long the page waits for its listings before it goes on without them.
const TEXTS_TIMEOUT_MS: u32 = 10_000;

/// Waits for the fetch [`fetch_texts`] started (at most
/// [`TEXTS_TIMEOUT_MS`]) and keeps the texts for the panels; on failure,
/// the panels say why.
pub async fn load_texts(fetch: Option<Promise>) {
    use futures_util::future::{Either, select};
    let loaded = match fetch {
        Some(fetch) => {
            let timeout = gloo_timers::future::TimeoutFuture::new(TEXTS_TIMEOUT_MS);
            match select(std::pin::pin!(read_texts(fetch)), timeout).await {
                Either::Left((loaded, _)) => loaded,
                Either::Right(_) => Err(format!(
                    "listings.json did not arrive within {} s",
                    TEXTS_TIMEOUT_MS / 1000
                )),
            }
        }
        None => Err("there is no window to fetch them from".into()),
    };
    TEXTS.set(Some(loaded));
}

async fn read_texts(fetch: Promise) -> Result<Texts, String> {
    let why = |e: JsValue| crate::runtime::js_error_message(&e);
    let response: web_sys::Response = JsFuture::from(fetch).await.map_err(why)?.unchecked_into();
    if !response.ok() {
        return Err(format!("{} answered {}", response.url(), response.status()));
    }
    let json = JsFuture::from(response.json().map_err(why)?)
        .await
        .map_err(why)?;
    let table = |key: &str| -> Result<HashMap<String, String>, String> {
        let object = js_sys::Reflect::get(&json, &key.into()).map_err(why)?;
        if !object.is_object() {
            return Err(format!("listings.json has no \"{key}\" object"));
        }
        let mut out = HashMap::new();
        for entry in Object::entries(object.unchecked_ref()).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            let (Some(name), Some(text)) = (entry.get(0).as_string(), entry.get(1).as_string())
            else {
                return Err(format!(
                    "listings.json: \"{key}\" holds a text that is not a string"
                ));
            };
            out.insert(name, text);
        }
        Ok(out)
    };
    Ok(Texts {
        programs: table("programs")?,
        regions: table("regions")?,
    })
}

/// The text of the Python program `file` (step markers included), or why
/// it cannot be had.
pub fn program_text(file: &str) -> Result<String, String> {
    text_of(|t| t.programs.get(file), file)
}

fn region_text(name: &str) -> Result<String, String> {
    text_of(|t| t.regions.get(name), name)
}

fn text_of(pick: impl Fn(&Texts) -> Option<&String>, name: &str) -> Result<String, String> {
    TEXTS.with_borrow(|texts| match texts {
        Some(Ok(texts)) => pick(texts)
            .cloned()
            .ok_or_else(|| format!("listings.json has no {name}")),
        Some(Err(why)) => Err(format!("the code could not be loaded: {why}")),
        None => Err("the code is still loading".into()),
    })
}

/// One line of a listing: its text, and the step it belongs to.
pub fn lines(text: &str, marker: &str) -> Vec<(String, Option<String>)> {
    let mut step = None;
    let mut out = Vec::new();
    for line in text.lines() {
        match line.trim().strip_prefix(marker) {
            // `# step:` alone ends a step.
            Some(name) if name.trim().is_empty() => step = None,
            Some(name) => step = Some(name.trim().to_string()),
            // A blank line belongs to no step: it is not highlighted.
            None if line.trim().is_empty() => out.push((String::new(), None)),
            None => out.push((line.to_string(), step.clone())),
        }
    }
    out
}

/// A panel of two listings, side by side.
pub struct CodePanel {
    python: Element,
    rust: Element,
    origin: Element,
    /// The heading of the Python column: the file's name.
    file: Element,
    /// `a[download]` of the program on show.
    download: Element,
}

/// A `data:` URL holding a Python file (what a download link saves).
fn python_url(text: &str) -> String {
    format!(
        "data:text/x-python;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

/// Points `link` at the Python file `file` (`text`: its runnable text,
/// shown as `label`), or, without it, makes it a link to nothing that says so.
fn set_download(link: &Element, file: &str, label: &str, text: Result<String, String>) {
    let _ = link.set_attribute("download", file);
    match text {
        Ok(text) => {
            let _ = link.set_attribute("href", &python_url(&text));
            let _ = link.remove_attribute("aria-disabled");
            link.set_text_content(Some(label));
        }
        Err(_) => {
            let _ = link.remove_attribute("href");
            let _ = link.set_attribute("aria-disabled", "true");
            link.set_text_content(Some(&format!("{file} (unavailable)")));
        }
    }
}

impl CodePanel {
    pub fn render(doc: &Document, parent: &Element) -> Result<CodePanel, JsValue> {
        crate::runtime::steps::listen(highlight);
        let fold = template(doc, "code-panel")?;
        let at = |name| slot(&fold, name);
        // Run it at home: the program on show, and the module it imports.
        set_download(
            &at("primes")?,
            PRIMES_FILE,
            PRIMES_FILE,
            program_text(PRIMES_FILE),
        );
        let (file, python, download) = (at("file")?, at("python")?, at("download")?);
        let (origin, rust) = (at("origin")?, at("rust")?);
        // Folded: the run comes first; the code is a click away, whole.
        parent.append_child(&fold)?;
        Ok(CodePanel {
            python,
            rust,
            origin,
            file,
            download,
        })
    }

    /// Shows a listing, nothing highlighted.
    pub fn show(&self, listing: &Listing) {
        let file = listing.program;
        let unavailable = |why: String| vec![(format!("({why})"), None)];
        let program = program_text(file);
        match &program {
            Ok(text) => fill(&self.python, &lines(text, STEP_MARKER)),
            Err(why) => fill(&self.python, &unavailable(why.clone())),
        }
        self.file
            .set_text_content(Some(&format!("Python · {file}")));
        set_download(
            &self.download,
            file,
            &format!("Download {file}"),
            program.map(|t| runnable(&t)),
        );
        let rust: Vec<_> = listing
            .rust
            .iter()
            .enumerate()
            .flat_map(|(i, name)| {
                let mut lines = match region_text(name) {
                    Ok(region) => lines(&region, "// step:"),
                    Err(why) => unavailable(why),
                };
                if i > 0 {
                    lines.insert(0, (String::new(), None));
                }
                lines
            })
            .collect();
        fill(&self.rust, &rust);
        self.origin
            .set_text_content(Some(&format!("Rust · {}", listing.origin)));
        ACTIVE.with_borrow_mut(|active| {
            *active = vec![self.python.clone(), self.rust.clone()];
        });
    }
}

fn fill(pre: &Element, lines: &[(String, Option<String>)]) {
    pre.set_text_content(None);
    let Some(doc) = pre.owner_document() else {
        return;
    };
    for (text, step) in lines {
        let Ok(span) = element(&doc, "span", "line", text) else {
            continue;
        };
        if let Some(step) = step {
            let _ = span.set_attribute("data-step", step);
        }
        let _ = pre.append_child(&span);
    }
}

thread_local! {
    /// The listings of the experiment that runs now.
    static ACTIVE: RefCell<Vec<Element>> = const { RefCell::new(Vec::new()) };
}

/// Highlights the lines of the steps named in `names` (space-separated) in
/// the listings on show; `""` clears the highlight. The runs' steps
/// ([`crate::runtime::steps`]) arrive here once [`CodePanel::render`] has
/// listened.
pub fn highlight(names: &str) {
    let names: Vec<&str> = names.split_whitespace().collect();
    ACTIVE.with_borrow(|listings| {
        for pre in listings {
            let Ok(lines) = pre.query_selector_all("span.line") else {
                continue;
            };
            let mut first = None;
            for i in 0..lines.length() {
                let Some(line) = lines.get(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) else {
                    continue;
                };
                let on = line
                    .get_attribute("data-step")
                    .is_some_and(|s| names.contains(&s.as_str()));
                if on {
                    let _ = line.set_attribute("data-active", "");
                    first.get_or_insert(line);
                } else {
                    let _ = line.remove_attribute("data-active");
                }
            }
            // Scroll the listing itself (not the page) to the step.
            if let (Some(line), Some(pre)) = (first, pre.dyn_ref::<HtmlElement>()) {
                pre.set_scroll_top((line.offset_top() - pre.offset_top() - 24).max(0));
            }
        }
    });
}
