//! The page: the capabilities panel, the smoke experiment, and
//! `window.spinlab`, the automation contract (see docs/api.md).
//!
//! Every button and its promise on `window.spinlab` run the same code path
//! and update the same DOM.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local};
use web_sys::{Document, Element, HtmlButtonElement, HtmlInputElement};

use super::bench::{BenchLab, BenchView, bench_options, run_bench};
use super::context::Context;
use super::dom::{
    Options, Output, element, find, key_option, number_option, on_click, publish, set_status,
};
use super::pool_lab::options::{pool_options, split_options, stop_option, sweep_options};
use super::pool_lab::run::{cancel_pool, run_pool};
use super::pool_lab::sweep::{run_split, run_sweep};
use super::pool_lab::{PoolLab, PoolView};
use super::spinner_lab::{LabView, SpinnerLab, run_spinner, spinner_options};
use crate::clock;
use crate::models::calibrate;
use crate::primes::{BOOK_PRIME, check, parse_number, report_line, slow_check_note};
use crate::report::{Lines, SmokeReport};
use crate::runtime::monitor;
use crate::runtime::object;
use crate::runtime::pool::Pool;
use crate::runtime::steps::next_paint;

/// What this browser gives spinlab, as `window.spinlab.capabilities` shows it.
struct Capabilities {
    cross_origin_isolated: bool,
    hardware_concurrency: u32,
    /// Threads in the pool; 0 when there is none.
    pool_size: usize,
    wasm_load_ms: f64,
    pool_start_ms: Option<f64>,
    /// Why threads are unavailable, in words for the learner.
    problem: Option<String>,
}

impl Capabilities {
    fn threads(&self) -> bool {
        self.pool_size > 0
    }

    fn to_js(&self) -> JsValue {
        object(&[
            ("crossOriginIsolated", self.cross_origin_isolated.into()),
            ("threads", self.threads().into()),
            ("hardwareConcurrency", self.hardware_concurrency.into()),
            ("poolSize", (self.pool_size as u32).into()),
        ])
        .into()
    }
}

thread_local! {
    /// When the page became ready, in ms since navigation began.
    static READY_MS: Cell<f64> = const { Cell::new(f64::NAN) };
    /// The threads an idle page keeps (the pool's coordinator, the monitor):
    /// `spinlab.stats().idleThreads`, what `liveThreads` returns to.
    static IDLE_THREADS: Cell<usize> = const { Cell::new(0) };
}

/// Where the smoke experiment runs `check(n)`.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Main,
    Pool,
}

impl Place {
    fn parse(s: &str) -> Option<Place> {
        match s {
            "main" => Some(Place::Main),
            "pool" => Some(Place::Pool),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Place::Main => "main",
            Place::Pool => "pool",
        }
    }
}

/// The page: the shared context and its panels, for `window.spinlab`.
pub struct App {
    ctx: Rc<Context>,
    smoke: SmokeView,
    spinner: Rc<SpinnerLab>,
    pool_lab: Rc<PoolLab>,
    bench: Rc<BenchLab>,
}

impl std::ops::Deref for App {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

/// Starts the page once the module is instantiated; `wasm_load_ms` is how
/// long the bootstrap took to fetch and compile it.
pub async fn start(wasm_load_ms: f64) -> Result<(), JsValue> {
    crate::runtime::panics::install();
    let window = web_sys::window().ok_or("spinlab must run in a page")?;
    let doc = window.document().ok_or("the page has no document")?;
    let cross_origin_isolated = crate::runtime::isolated();
    let hardware_concurrency = window.navigator().hardware_concurrency() as u32;

    set_status("Starting the thread pool and calibrating…");
    let mut caps = Capabilities {
        cross_origin_isolated,
        hardware_concurrency,
        pool_size: 0,
        wasm_load_ms,
        pool_start_ms: None,
        problem: None,
    };
    let pool = async {
        if !cross_origin_isolated {
            return Err("this page is not cross-origin isolated \
                 (crossOriginIsolated is false), so the browser withholds SharedArrayBuffer. \
                 The server must send `Cross-Origin-Opener-Policy: same-origin` and \
                 `Cross-Origin-Embedder-Policy: require-corp` with every response \
                 (`./x serve` does)"
                .to_string());
        }
        let t0 = clock::now_seconds();
        let pool = Pool::start(hardware_concurrency.max(2) as usize).await?;
        Ok((pool, (clock::now_seconds() - t0) * 1000.0))
    };
    let pool = pool.await;
    // After the pool, not beside it: on a 2-core machine, timing the
    // division rate while the pool's workers start measured it ~40% low.
    let calibration = calibrate::calibration().await;
    let pool = match pool {
        Ok((pool, ms)) => {
            caps.pool_size = pool.size();
            caps.pool_start_ms = Some(ms);
            Some(pool)
        }
        Err(reason) => {
            caps.problem = Some(format!(
                "Threads are unavailable: {reason}. What needs no shared memory still runs: \
                 the smoke check on the main thread, the spinner lab's coroutine and process \
                 models, and the pool lab's sequential and processes modes (each process fed \
                 its numbers by messages)."
            ));
            None
        }
    };
    monitor::start_heartbeat()?;

    render_capabilities(&doc, &caps)?;
    if !cross_origin_isolated {
        offer_isolation_shim(&doc)?;
    }
    let has_pool = pool.is_some();
    let ctx = Rc::new(Context::new(pool, calibration));
    let app = Rc::new(App {
        smoke: SmokeView::render(&doc)?,
        spinner: Rc::new(SpinnerLab {
            ctx: Rc::clone(&ctx),
            view: LabView::render(&doc, has_pool)?,
        }),
        pool_lab: Rc::new(PoolLab {
            ctx: Rc::clone(&ctx),
            view: PoolView::render(&doc, (hardware_concurrency as usize).max(2))?,
        }),
        bench: Rc::new(BenchLab {
            ctx: Rc::clone(&ctx),
            view: BenchView::render(&doc)?,
        }),
        ctx,
    });
    // Every panel disables its run buttons while any run runs.
    {
        let page = Rc::clone(&app);
        app.ctx.on_running(move |running, pool| {
            page.smoke.set_running(running, pool);
            page.spinner.view.set_running(running, pool);
            page.pool_lab.view.set_running(running, pool);
            page.bench.view.set_running(running, pool);
        });
    }
    app.smoke.wire(&app)?;
    app.spinner.view.wire(&app.spinner);
    app.pool_lab.view.wire(&app.pool_lab);
    app.bench.view.wire(&app.bench);
    install_shortcuts(&doc);
    app.spinner.view.show_calibration(&app.spinner);
    LabView::measure_timer_clamp(&app.spinner);
    app.ctx.set_running(false);
    install_api(&window, &app, &caps)?;
    super::link::apply(&app.spinner, &app.pool_lab, &doc)?;
    super::link::listen(&app.spinner, &app.pool_lab, &doc)?;
    if app.pool.is_some() {
        let app = Rc::clone(&app);
        spawn_local(async move {
            if let Some(pool) = &app.pool {
                crate::models::pool::warm_up(pool).await;
            }
        });
    }

    let body = doc.body().ok_or("the page has no body")?;
    match &caps.problem {
        Some(problem) => {
            body.dataset().set("error", problem)?;
            set_status(problem);
        }
        None => set_status("Ready."),
    }
    READY_MS.set(window.performance().map_or(f64::NAN, |p| p.now()));
    IDLE_THREADS.set(crate::runtime::census::live_counts().0);
    body.dataset().set("ready", "true")?;
    Ok(())
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The page's keyboard shortcuts, as shown on the buttons: T, P, C, N, W
/// for the spinner's models, 1-5 for the pool's modes; any button with
/// `aria-keyshortcuts`. Not while typing in a field.
fn install_shortcuts(doc: &Document) {
    // 1-5 for the pool's modes; any button with `aria-keyshortcuts`.
    let on_key =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
            let typing = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
            if typing || event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            let key = event.key().to_uppercase();
            if key.len() != 1 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
                return;
            }
            let button = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| {
                    d.query_selector(&format!("button[aria-keyshortcuts=\"{key}\"]"))
                        .ok()
                        .flatten()
                })
                .and_then(|b| b.dyn_into::<HtmlButtonElement>().ok());
            if let Some(button) = button {
                button.click();
            }
        });
    let _ = doc.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    on_key.forget(); // lives as long as the page
}

/// Static hosts that cannot send COOP/COEP (GitHub Pages) can still have
/// threads: `isolation-shim.js`, a service worker, adds the headers to the
/// page's own responses, and after one reload the page is isolated. Opt-in:
/// a button here, or automatic with `<meta name="spinlab-isolation-shim"
/// content="auto">` in `index.html` (tried once a session, so a browser
/// where it cannot work does not reload forever).
fn offer_isolation_shim(doc: &Document) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    if !Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false) {
        return Ok(()); // not a secure context, or no service workers here
    }
    let auto = doc
        .query_selector("meta[name=spinlab-isolation-shim][content=auto]")?
        .is_some();
    let storage = window.session_storage().ok().flatten();
    const TRIED: &str = "spinlab.isolationShimTried";
    let tried = storage
        .as_ref()
        .is_some_and(|s| s.get_item(TRIED).ok().flatten().is_some());
    if auto && !tried {
        if let Some(storage) = &storage {
            let _ = storage.set_item(TRIED, "1");
        }
        spawn_local(async {
            let _ = install_isolation_shim().await;
        });
        return Ok(());
    }
    let section = find(doc, "#capabilities")?;
    let offer = element(
        doc,
        "p",
        "explain",
        "On a host that cannot send these headers, spinlab can add them itself: a small \
         service worker (isolation-shim.js) puts them on this page's own responses, and the \
         page reloads isolated. ",
    )?;
    let button: HtmlButtonElement = element(
        doc,
        "button",
        "",
        "Turn on threads here (service worker, then reload)",
    )?
    .unchecked_into();
    button.set_attribute("data-role", "isolation-shim")?;
    on_click(&button, move || {
        spawn_local(async {
            if let Err(e) = install_isolation_shim().await {
                set_status(&format!(
                    "The isolation shim could not be installed: {}",
                    crate::runtime::js_error_message(&e)
                ));
            }
        });
    });
    offer.append_child(&button)?;
    section.append_child(&offer)?;
    Ok(())
}

/// Registers the shim, waits until it controls this origin, reloads.
async fn install_isolation_shim() -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let workers = window.navigator().service_worker();
    wasm_bindgen_futures::JsFuture::from(workers.register("isolation-shim.js")).await?;
    wasm_bindgen_futures::JsFuture::from(workers.ready()?).await?;
    window.location().reload()
}

fn render_capabilities(doc: &Document, caps: &Capabilities) -> Result<(), JsValue> {
    let list = find(doc, "#capabilities [data-role=capabilities]")?;
    list.set_text_content(None);
    let rows = [
        (
            "crossOriginIsolated",
            "Cross-origin isolated",
            yes_no(caps.cross_origin_isolated).to_string(),
            caps.cross_origin_isolated,
        ),
        (
            "threads",
            "Wasm threads (shared memory)",
            yes_no(caps.threads()).to_string(),
            caps.threads(),
        ),
        (
            "hardwareConcurrency",
            "Hardware concurrency",
            caps.hardware_concurrency.to_string(),
            true,
        ),
        (
            "poolSize",
            "Thread pool",
            match caps.pool_start_ms {
                Some(ms) => format!("{} threads, up in {ms:.0} ms", caps.pool_size),
                None => "none".into(),
            },
            caps.threads(),
        ),
        (
            "wasmLoadMs",
            "Wasm load + compile",
            format!("{:.0} ms", caps.wasm_load_ms),
            true,
        ),
    ];
    for (key, label, value, good) in rows {
        let row = element(doc, "div", if good { "cap good" } else { "cap bad" }, "")?;
        row.set_attribute("data-cap", key)?;
        let (term, definition) = (
            element(doc, "dt", "", label)?,
            element(doc, "dd", "", &value)?,
        );
        row.append_child(&term)?;
        row.append_child(&definition)?;
        list.append_child(&row)?;
    }
    Ok(())
}

/// The smoke experiment's controls and output, built into
/// `[data-experiment=smoke]`.
struct SmokeView {
    input: HtmlInputElement,
    buttons: Vec<(Place, HtmlButtonElement)>,
    output: Output,
}

impl SmokeView {
    fn render(doc: &Document) -> Result<SmokeView, JsValue> {
        let section = find(doc, "[data-experiment=smoke]")?;
        let controls = element(doc, "div", "controls", "")?;

        let label = element(doc, "label", "number", "n = ")?;
        let input: HtmlInputElement = doc.create_element("input")?.unchecked_into();
        input.set_type("text");
        input.set_attribute("inputmode", "numeric")?;
        input.set_attribute("spellcheck", "false")?;
        input.set_attribute("data-role", "number")?;
        input.set_value(&BOOK_PRIME.to_string());
        label.append_child(&input)?;
        controls.append_child(&label)?;

        let mut buttons = Vec::new();
        for (place, text) in [
            (Place::Main, "Check on the main thread"),
            (Place::Pool, "Check on a pool thread"),
        ] {
            let button: HtmlButtonElement = element(doc, "button", "", text)?.unchecked_into();
            button.set_attribute("data-where", place.key())?;
            controls.append_child(&button)?;
            buttons.push((place, button));
        }
        section.append_child(&controls)?;
        let output = Output::render(doc, &section)?;
        Ok(SmokeView {
            input,
            buttons,
            output,
        })
    }

    fn wire(&self, app: &Rc<App>) -> Result<(), JsValue> {
        for (place, button) in &self.buttons {
            let app = Rc::clone(app);
            let place = *place;
            on_click(button, move || {
                let app = Rc::clone(&app);
                let text = app.smoke.input.value();
                // The outcome, error included, is already on the page.
                spawn_local(async move {
                    let _ = run_smoke(&app, place, &text).await;
                });
            });
        }
        if app.pool.is_none() {
            for (place, button) in &self.buttons {
                if *place == Place::Pool {
                    button.set_title("No thread pool in this browser: see the capabilities above.");
                }
            }
        }
        Ok(())
    }

    fn set_running(&self, running: bool, pool_available: bool) {
        for (place, button) in &self.buttons {
            button.set_disabled(running || (*place == Place::Pool && !pool_available));
        }
        self.input.set_disabled(running);
    }
}

/// The smoke experiment: `check(n)` on the main thread or on a pool thread.
/// Errors are shown on the page and returned.
async fn run_smoke(app: &App, place: Place, text: &str) -> Result<JsValue, String> {
    let outcome = smoke(app, place, text).await;
    match &outcome {
        Ok(_) => {}
        Err(message) => app.smoke.output.say(message, "error"),
    }
    outcome
}

async fn smoke(app: &App, place: Place, text: &str) -> Result<JsValue, String> {
    let n = parse_number(text).map_err(|e| format!("Cannot check: {e}."))?;
    if place == Place::Pool && app.pool.is_none() {
        return Err("There is no thread pool in this browser: see the capabilities above.".into());
    }
    let _running = app.begin()?;
    let warning = slow_check_note(n, app.divisions_per_sec())
        .map_or(String::new(), |note| format!(" {note}"));
    app.smoke.output.say(
        &match place {
            Place::Main => format!(
                "Checking {n} on the main thread: the page is frozen until it finishes. \
                 That is the experiment.{warning}"
            ),
            Place::Pool => {
                format!("Checking {n} on a pool thread: the page stays responsive.{warning}")
            }
        },
        "running",
    );
    next_paint().await;

    let t0 = clock::now_seconds();
    let (result, thread) = match (place, &app.pool) {
        (Place::Pool, Some(pool)) => {
            let (result, index) = pool
                .run(move || (check(n), rayon::current_thread_index()))
                .await?;
            let name = index.map_or("a pool thread".into(), |i| format!("pool thread #{i}"));
            (result, name)
        }
        _ => (check(n), "the main thread".to_string()),
    };
    let round_trip_ms = (clock::now_seconds() - t0) * 1000.0;
    let answer = crate::spinner::answer_line(Some((result.n, result.prime)));
    let elapsed_ms = result.elapsed * 1000.0;
    let transcript = vec![
        format!("# is_prime({n}) on {thread}"),
        report_line(&result),
        answer.clone(),
    ];
    app.smoke.output.append_transcript(&transcript);
    app.smoke.output.say(
        &match place {
            Place::Main => format!(
                "{answer}: {elapsed_ms:.1} ms on the main thread, which could do nothing else \
                 meanwhile (no clicks, no painting)."
            ),
            Place::Pool => format!(
                "{answer}: {elapsed_ms:.1} ms on {thread}; {round_trip_ms:.1} ms round trip \
                 from the main thread, which stayed free."
            ),
        },
        "done",
    );

    Ok(publish(SmokeReport {
        place: place.key(),
        n,
        prime: result.prime,
        elapsed_ms,
        round_trip_ms,
        thread,
        lines: Lines::of(&transcript),
    }))
}

/// `window.spinlab`: `capabilities`, `stats()`, and the runs' promises.
fn install_api(
    window: &web_sys::Window,
    app: &Rc<App>,
    caps: &Capabilities,
) -> Result<(), JsValue> {
    let run_smoke_fn = promise_fn(app, |app, options| async move {
        let (place, text) =
            smoke_options(&options).inspect_err(|m| app.smoke.output.say(m, "error"))?;
        run_smoke(&app, place, &text).await
    });
    let run_spinner_fn = promise_fn(app, |app, options| async move {
        let request =
            spinner_options(&options).inspect_err(|m| app.spinner.view.output_error(m))?;
        run_spinner(&app.spinner, request).await
    });
    let run_pool_fn = promise_fn(app, |app, options| async move {
        let request = pool_options(&options, app.pool_lab.view.max_workers(), &app.calibration)
            .inspect_err(|m| app.pool_lab.view.output_error(m))?;
        run_pool(&app.pool_lab, request).await
    });
    let cancel_pool_fn = promise_fn(app, |app, policy| async move {
        let policy = stop_option(&policy).inspect_err(|m| app.pool_lab.view.output_error(m))?;
        cancel_pool(&app.pool_lab, policy).await
    });
    let run_sweep_fn = promise_fn(app, |app, options| async move {
        let (mode, to, rounds) = sweep_options(&options, app.pool_lab.view.max_workers())
            .inspect_err(|m| app.pool_lab.view.output_error(m))?;
        run_sweep(&app.pool_lab, mode, to, rounds).await
    });
    let run_split_fn = promise_fn(app, |app, options| async move {
        let (n, parts) =
            split_options(&options).inspect_err(|m| app.pool_lab.view.output_error(m))?;
        run_split(&app.pool_lab, n, parts).await
    });
    let run_bench_fn = promise_fn(app, |app, options| async move {
        let quick = bench_options(&options).inspect_err(|m| app.bench.view.output_error(m))?;
        run_bench(&app.bench, quick).await
    });
    // Test-only: forces a panic in a worker, to prove it is reported, not hung on.
    let debug_panic_fn = promise_fn(app, |app, place| async move {
        debug_panic(&app, place.as_string().as_deref().unwrap_or("")).await
    });
    let stats_app = Rc::clone(app);
    let stats = Closure::<dyn Fn() -> JsValue>::new(move || {
        let (threads, processes) = crate::runtime::census::live_counts();
        let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
        let bytes =
            js_sys::Reflect::get(&memory.buffer(), &"byteLength".into()).unwrap_or_default();
        object(&[
            ("wasmMemoryBytes", bytes),
            ("liveThreads", (threads as u32).into()),
            ("liveProcesses", (processes as u32).into()),
            ("readyMs", READY_MS.get().into()),
            ("idleThreads", (IDLE_THREADS.get() as u32).into()),
            ("pool", stats_app.pool_lab.view.snapshot()),
            ("runsStarted", stats_app.runs_started().into()),
        ])
        .into()
    })
    .into_js_value();
    let api = object(&[
        ("capabilities", caps.to_js()),
        ("stats", stats),
        ("runSplit", run_split_fn),
        ("runSweep", run_sweep_fn),
        ("runSmoke", run_smoke_fn),
        ("runSpinner", run_spinner_fn),
        ("runPool", run_pool_fn),
        ("cancelPool", cancel_pool_fn),
        ("runBench", run_bench_fn),
        ("debugPanic", debug_panic_fn),
    ]);
    Reflect::set(window, &"spinlab".into(), &api)?;
    Ok(())
}

/// A `window.spinlab` method: `run(app, options)` as a promise, rejected with
/// an `Error` whose message says what was wrong. The function lives as long
/// as the page (`into_js_value` hands the closure to JS for good).
fn promise_fn<F, Fut>(app: &Rc<App>, run: F) -> JsValue
where
    F: Fn(Rc<App>, JsValue) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<JsValue, String>> + 'static,
{
    let app = Rc::clone(app);
    Closure::<dyn FnMut(JsValue) -> Promise>::new(move |options: JsValue| {
        let outcome = run(Rc::clone(&app), options);
        future_to_promise(async move {
            outcome
                .await
                .map_err(|message| js_sys::Error::new(&message).into())
        })
    })
    .into_js_value()
}

/// `spinlab.debugPanic("pool" | "process" | "next-worker")` (test-only): a
/// panic on a pool thread (the pool is out of use afterwards) or in a fresh
/// process, rejecting with what the page then says; or, resolving with
/// `"armed"`, the next worker a run starts dies mid-run (a pool worker after
/// its first result, a spinner process 150 ms into its spin).
async fn debug_panic(app: &App, place: &str) -> Result<JsValue, String> {
    let outcome = match place {
        "next-worker" => {
            crate::runtime::panics::arm_next_worker();
            return Ok("armed".into());
        }
        "pool" => {
            let pool = app
                .pool
                .as_ref()
                .ok_or("there is no thread pool to panic in")?;
            let _running = app.begin()?;
            pool.run(|| -> () { panic!("debugPanic: a forced panic on a pool thread") })
                .await
        }
        "process" => {
            let mut process = crate::runtime::threads::Process::spawn(
                "spinlab debug panic",
                crate::models::entry::Entry::Panic.key(),
                &JsValue::UNDEFINED,
                &js_sys::Array::new(),
            )?;
            process.recv().await.map(drop)
        }
        other => {
            return Err(format!(
                "debugPanic takes \"pool\", \"process\" or \"next-worker\", not {other:?}"
            ));
        }
    };
    match outcome {
        Ok(()) => Err("the forced panic did not happen".into()),
        Err(reason) => {
            app.smoke.output.say(&reason, "error");
            Err(reason)
        }
    }
}

/// Reads `{ where: "main" | "pool", n?: string | bigint }`.
fn smoke_options(options: &JsValue) -> Result<(Place, String), String> {
    let options = Options::read(options, "runSmoke", &["where", "n"])?;
    let get = |key: &str| options.get(key);
    if options.is_empty() {
        return Err(
            "runSmoke needs options: { where: \"main\" | \"pool\", n?: \"<decimal string>\" }"
                .into(),
        );
    }
    let place = key_option(&get("where"), "where", r#""main" or "pool""#, Place::parse)?;
    let text = number_option(&get("n"), "n")?.unwrap_or_else(|| BOOK_PRIME.to_string());
    Ok((place, text))
}
