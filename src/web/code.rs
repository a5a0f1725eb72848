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

use super::ui::{element, next_paint};
use crate::protocol::Mode;
use crate::spinner::Model;

macro_rules! region {
    ($name:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/code/", $name, ".rs"))
    };
}

/// The Python and Rust an experiment shows, and where the Rust lives.
pub struct Listing {
    pub python: String,
    pub rust: Vec<&'static str>,
    pub origin: &'static str,
}

const SPIN_DONE: &str = "\
# step: start
def supervisor() -> int:
    done = Event()
    spinner = {UNIT}(target=spin, args=('thinking!', done))
    print(f'spinner object: {spinner}')
    spinner.start()
# step: slow
    result = slow()
# step: stop
    done.set()
    spinner.join()
# step: done
    return result
";

const SPIN_ASYNC: &str = "\
# step: start
async def supervisor() -> int:
    spinner = asyncio.create_task(spin('thinking!'))
    print(f'spinner object: {spinner}')
# step: slow
    result = await slow()
# step: stop
    spinner.cancel()
# step: done
    return result
";

/// `slow()` for a model, written for this page after the book's scripts
/// (and its stop-gap and fix).
fn python_slow(model: Model, prime: bool) -> &'static str {
    match (model, prime) {
        (Model::Thread | Model::Process, false) => {
            "# step: slow\ndef slow() -> int:\n    time.sleep(3)\n    return 42\n"
        }
        (Model::Thread | Model::Process, true) => {
            "# step: slow\ndef slow() -> bool:\n    return is_prime(n)\n"
        }
        (_, false) => {
            "# step: slow\nasync def slow() -> int:\n    await asyncio.sleep(3)\n    return 42\n"
        }
        (Model::CoroutineNap, true) => {
            "# step: slow\nasync def slow() -> bool:\n    return await is_prime(n)  # the stop-gap: it naps\n\n\
             async def is_prime(n: int) -> bool:\n    ...\n    for i in range(3, root + 1, 2):\n        \
             if n % i == 0:\n            return False\n        if i % 100_000 == 1:\n            \
             await asyncio.sleep(0)  # give the loop a turn\n    return True\n"
        }
        (Model::CoroutineOffload, true) => {
            "# step: slow\nasync def slow() -> bool:\n    # the fix: the work runs elsewhere, the loop stays free\n    \
             return await asyncio.to_thread(is_prime, n)\n"
        }
        (_, true) => {
            "# step: slow\nasync def slow() -> bool:\n    return is_prime(n)  # never awaits: the loop is stuck\n"
        }
    }
}

/// The spinner lab's listing for `model`.
pub fn spinner_listing(model: Model, prime: bool) -> Listing {
    let (supervisor, unit) = match model {
        Model::Thread => (SPIN_DONE, "Thread"),
        Model::Process => (SPIN_DONE, "Process"),
        _ => (SPIN_ASYNC, ""),
    };
    let python = format!(
        "{}\n{}",
        supervisor.replace("{UNIT}", unit),
        python_slow(model, prime)
    );
    let (rust, origin) = match model {
        Model::Thread => (region!("thread-supervisor"), "src/models/thread.rs"),
        Model::Process => (region!("process-supervisor"), "src/models/process.rs"),
        _ => (region!("coroutine-supervisor"), "src/models/coroutine.rs"),
    };
    Listing {
        python,
        rust: vec![rust],
        origin,
    }
}

const POOL_PY: &str = "\
def worker(jobs: JobQueue, results: ResultQueue) -> None:
# step: work
    while n := jobs.get():
        results.put(check(n))
    results.put(PrimeResult(0, False, 0.0))

def start_jobs(workers: int, jobs: JobQueue, results: ResultQueue) -> None:
# step: start
    for n in NUMBERS:
        jobs.put(n)
    for _ in range(workers):
        proc = {UNIT}(target=worker, args=(jobs, results))
        proc.start()
        jobs.put(0)

def report(workers: int, results: ResultQueue) -> int:
# step: report
    checked = 0
    workers_done = 0
    while workers_done < workers:
        n, prime, elapsed = results.get()
        if n == 0:
            workers_done += 1
        else:
            checked += 1
            label = 'P' if prime else ' '
            print(f'{n:16}  {label} {elapsed:9.6f}s')
    return checked
";

const SEQUENTIAL_PY: &str = "\
def main() -> None:
# step: start
    print(f'Checking {len(NUMBERS)} numbers sequentially:')
    t0 = perf_counter()
# step: work
    for n in NUMBERS:
        prime, elapsed = check(n)
        label = 'P' if prime else ' '
        print(f'{n:16}  {label} {elapsed:9.6f}s')
# step: done
    elapsed = perf_counter() - t0
    print(f'Total time: {elapsed:.2f}s')
";

const RAYON_PY: &str = "\
# Not in chapter 19: chapter 20's executor is the nearest Python.
def main() -> None:
# step: start
    workers = cpu_count()
    print(f'Checking {len(NUMBERS)} numbers with {workers} workers:')
    t0 = perf_counter()
    with ProcessPoolExecutor(workers) as executor:
# step: work
        for n, (prime, elapsed) in zip(NUMBERS, executor.map(check, NUMBERS)):
            label = 'P' if prime else ' '
            print(f'{n:16}  {label} {elapsed:9.6f}s')
    elapsed = perf_counter() - t0
    print(f'{len(NUMBERS)} checks in {elapsed:.2f}s')
";

/// The early `procs.py`, written for this page after the version first
/// published (the book's repository fixed it in commit 2c12305): the same
/// workers and pills, no sentinel, and a report loop that stops when the
/// job queue is empty.
const EARLY_POOL_PY: &str = "\
# The early procs.py: empty is not done (fixed later by the sentinel).
def worker(jobs: JobQueue, results: ResultQueue) -> None:
# step: work
    while n := jobs.get():
        results.put(check(n))

def main() -> None:
# step: start
    for n in NUMBERS:
        jobs.put(n)
    for _ in range(workers):
        proc = {UNIT}(target=worker, args=(jobs, results))
        proc.start()
        jobs.put(0)
# step: report
    while True:
        n, prime, elapsed = results.get()
        label = 'P' if prime else ' '
        print(f'{n:16}  {label} {elapsed:9.6f}s')
        if jobs.empty():  # every job taken, not every result read
            break
    elapsed = perf_counter() - t0
    print(f'Total time: {elapsed:.2f}s')
";

/// The pool lab's listing for `mode`; `racy`: the early `procs.py`.
pub fn pool_listing(mode: Mode, racy: bool) -> Listing {
    if racy {
        let mut listing = pool_listing(mode, false);
        let unit = if mode == Mode::Processes {
            "Process"
        } else {
            "Thread"
        };
        listing.python = EARLY_POOL_PY.replace("{UNIT}", unit);
        return listing;
    }
    let protocol = [region!("protocol-worker"), region!("protocol-report")];
    match mode {
        Mode::Sequential => Listing {
            python: SEQUENTIAL_PY.into(),
            rust: protocol.to_vec(),
            origin: "src/protocol.rs (one worker)",
        },
        Mode::Processes => Listing {
            python: POOL_PY.replace("{UNIT}", "Process"),
            rust: [&[region!("pool-start-processes")][..], &protocol].concat(),
            origin: "src/models/pool.rs, src/protocol.rs",
        },
        Mode::Threads | Mode::ThreadsGil => Listing {
            python: POOL_PY.replace("{UNIT}", "Thread"),
            rust: [&[region!("pool-start-threads")][..], &protocol].concat(),
            origin: "src/models/pool.rs, src/protocol.rs",
        },
        Mode::Rayon => Listing {
            python: RAYON_PY.into(),
            rust: vec![region!("pool-rayon")],
            origin: "src/models/pool.rs",
        },
    }
}

/// One line of a listing: its text, and the step it belongs to.
pub fn lines(text: &str, marker: &str) -> Vec<(String, Option<String>)> {
    let mut step = None;
    let mut out = Vec::new();
    for line in text.lines() {
        match line.trim().strip_prefix(marker) {
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
}

impl CodePanel {
    pub fn render(doc: &Document, parent: &Element) -> Result<CodePanel, JsValue> {
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
        let (_, python) = column(doc, &pair, "python", "Python")?;
        let (origin, rust) = column(doc, &pair, "rust", "Rust")?;
        figure.append_child(&pair)?;
        parent.append_child(&figure)?;
        Ok(CodePanel {
            python,
            rust,
            origin,
        })
    }

    /// Shows a listing, nothing highlighted.
    pub fn show(&self, listing: &Listing) {
        fill(&self.python, &lines(&listing.python, "# step:"));
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
/// the listings on show (the runs call it as they move on); `""` clears the
/// highlight.
pub fn step(names: &str) {
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

/// [`step`], then waits until it is painted: for a step about to block the
/// main thread, which would otherwise show the previous one all along.
pub async fn step_and_paint(name: &str) {
    step(name);
    next_paint().await;
}
