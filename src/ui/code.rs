//! The code panel: the Python of an experiment (written for this page, after
//! the book's logic) beside the Rust that runs it here (regions of the real
//! sources, extracted by `build.rs`), with the lines of the current step
//! highlighted while a run lasts.
//!
//! Both texts mark steps with a line of their own, `# step: NAME` or
//! `// step: NAME`: the lines after it, up to the next marker, belong to
//! that step. The markers are not shown.

use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement};

use super::dom::element;
use crate::lock::Units;
use crate::protocol::{Design, JobKind, Mode};
use crate::python::{
    Program, STEP_MARKER, io_program, lock_program, pool_program, primes_py, spinner_program,
};
use crate::spinner::{Model, Offload};

macro_rules! region {
    ($name:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/code/", $name, ".rs"))
    };
}

/// The Python and Rust an experiment shows, and where the Rust lives.
pub struct Listing {
    pub python: Program,
    pub rust: Vec<&'static str>,
    pub origin: &'static str,
}

/// The spinner lab's listing for `model`.
pub fn spinner_listing(model: Model, prime: bool, offload: Offload) -> Listing {
    let (rust, origin) = match model {
        Model::Thread => (region!("thread-supervisor"), "src/models/thread.rs"),
        Model::Process => (region!("process-supervisor"), "src/models/process.rs"),
        _ => (region!("coroutine-supervisor"), "src/models/coroutine.rs"),
    };
    Listing {
        python: spinner_program(model, prime, offload),
        rust: vec![rust],
        origin,
    }
}

/// The pool lab's listing for `mode` in `design`; `kind`: jobs that
/// divide, or wait (`io_threads.py`).
pub fn pool_listing(mode: Mode, design: Design, kind: JobKind) -> Listing {
    if kind != JobKind::Cpu {
        return Listing {
            python: io_program(),
            rust: vec![
                region!("pool-start-threads"),
                region!("protocol-worker"),
                region!("protocol-io"),
                region!("protocol-report"),
            ],
            origin: "src/models/pool/start.rs, src/protocol.rs",
        };
    }
    let python = pool_program(mode, design);
    let protocol: &[&'static str] = if design == Design::PerJob {
        &[
            region!("protocol-one-job"),
            region!("protocol-worker"),
            region!("protocol-report"),
        ]
    } else {
        &[region!("protocol-worker"), region!("protocol-report")]
    };
    let (rust, origin) = match mode {
        Mode::Sequential => (protocol.to_vec(), "src/protocol.rs (one worker)"),
        Mode::Processes => (
            [&[region!("pool-start-processes")][..], protocol].concat(),
            "src/models/pool/processes.rs, src/protocol.rs",
        ),
        Mode::Threads | Mode::ThreadsGil => (
            [&[region!("pool-start-threads")][..], protocol].concat(),
            "src/models/pool/start.rs, src/protocol.rs",
        ),
        Mode::Rayon => (vec![region!("pool-rayon")], "src/models/pool/rayon.rs"),
    };
    Listing {
        python,
        rust,
        origin,
    }
}

/// The lock lab's listing for `units`.
pub fn lock_listing(units: Units) -> Listing {
    let (rust, origin) = match units {
        Units::Threads => (
            vec![region!("lock-count"), region!("lock-threads")],
            "src/lock.rs, src/models/lock.rs",
        ),
        Units::ThreadsGil => (
            vec![region!("lock-gil"), region!("lock-threads")],
            "src/lock.rs, src/models/lock.rs",
        ),
        Units::Coroutines => (vec![region!("lock-coroutines")], "src/lock.rs"),
        Units::Processes => (vec![region!("lock-processes")], "src/models/lock.rs"),
    };
    Listing {
        python: lock_program(units),
        rust,
        origin,
    }
}

/// The big picture lab's listing: `start_cost.py` beside the Rust that
/// starts `units`.
pub fn start_cost_listing(units: crate::big_picture::Units) -> Listing {
    use crate::big_picture::Units;
    let rust = match units {
        Units::Coroutines => region!("start-cost-coroutines"),
        Units::Threads => region!("start-cost-threads"),
        Units::Processes => region!("start-cost-processes"),
    };
    Listing {
        python: crate::python::start_cost_program(),
        rust: vec![rust],
        origin: "src/models/start_cost.rs",
    }
}

/// The big picture lab's crossing listing: `crossing.py` beside the Rust
/// that sends the bytes `via`.
pub fn crossing_listing(via: crate::crossing::Via) -> Listing {
    use crate::crossing::Via;
    let rust = match via {
        Via::Copy | Via::Transfer => region!("crossing-process"),
        Via::Share => region!("crossing-thread"),
    };
    Listing {
        python: crate::python::crossing_program(),
        rust: vec![rust],
        origin: "src/models/crossing.rs",
    }
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

/// A download link for a Python file.
fn download_link(doc: &Document, file: &str, text: &str) -> Result<Element, JsValue> {
    let link = element(doc, "a", "download", "")?;
    link.set_attribute("download", file)?;
    link.set_attribute("href", &python_url(text))?;
    Ok(link)
}

impl CodePanel {
    pub fn render(doc: &Document, parent: &Element) -> Result<CodePanel, JsValue> {
        crate::runtime::steps::listen(highlight);
        let figure = element(doc, "figure", "code-pair", "")?;
        figure.set_attribute("data-role", "code")?;
        let caption = element(
            doc,
            "figcaption",
            "",
            "The code: Python written for this page after the book's scripts (its names, \
             logic and output), and the Rust that runs here. The step in progress is \
             highlighted during a run.",
        )?;
        figure.append_child(&caption)?;
        let pair = element(doc, "div", "pair", "")?;
        let (file, python) = column(doc, &pair, "python", "Python")?;
        // Run it at home: the program on show, and the module it imports.
        let downloads = element(doc, "p", "downloads", "")?;
        let download = download_link(doc, "program.py", "")?;
        downloads.append_child(&download)?;
        downloads.append_child(&doc.create_text_node(" and "))?;
        let primes = download_link(doc, "primes.py", &primes_py())?;
        primes.set_text_content(Some("primes.py"));
        downloads.append_child(&primes)?;
        downloads.append_child(&doc.create_text_node(
            " beside it: Python 3.11+ runs it as it is and prints the transcript's lines.",
        ))?;
        file.after_with_node_1(&downloads)?;
        let (origin, rust) = column(doc, &pair, "rust", "Rust")?;
        figure.append_child(&pair)?;
        parent.append_child(&figure)?;
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
        let program = &listing.python;
        fill(&self.python, &lines(&program.text, STEP_MARKER));
        self.file
            .set_text_content(Some(&format!("Python · {}", program.file)));
        let _ = self.download.set_attribute("download", program.file);
        let _ = self
            .download
            .set_attribute("href", &python_url(&program.runnable()));
        self.download
            .set_text_content(Some(&format!("Download {}", program.file)));
        let rust: Vec<_> = listing
            .rust
            .iter()
            .enumerate()
            .flat_map(|(i, region)| {
                let mut lines = lines(region, "// step:");
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

/// One listing of the pair: its heading and its `<pre>`, in `pair`.
fn column(
    doc: &Document,
    pair: &Element,
    lang: &str,
    name: &str,
) -> Result<(Element, Element), JsValue> {
    let column = element(doc, "div", "", "")?;
    let heading = element(doc, "h3", "", name)?;
    column.append_child(&heading)?;
    let pre = element(doc, "pre", "listing", "")?;
    pre.set_attribute("data-lang", lang)?;
    pre.set_attribute("tabindex", "0")?;
    pre.set_attribute("aria-label", &format!("{name} code"))?;
    column.append_child(&pre)?;
    pair.append_child(&column)?;
    Ok((heading, pre))
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
