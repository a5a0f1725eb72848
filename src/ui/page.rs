//! The page: its start-up, the panels put together, and `window.spinlab`,
//! the automation contract (see docs/api.md). The capabilities panel is in
//! `capabilities`, the smoke experiment in `smoke`.
//!
//! Every button and its promise on `window.spinlab` run the same code path
//! and update the same DOM.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local};
use web_sys::{Document, Element, HtmlButtonElement};

use super::bench::{BenchLab, BenchView, bench_options, run_bench};
use super::big_picture::{
    BigPictureLab, BigPictureView, crossing_options, run_crossing, run_start_cost,
    start_cost_options,
};
use super::capabilities::{Capabilities, offer_isolation_shim, render_capabilities};
use super::context::{Context, Panel};
use super::dom::{find, set_status};
use super::errors_lab::{ErrorsLab, ErrorsView, errors_options, run_errors};
use super::intro::{IntroLab, IntroView};
use super::lock_lab::{LockLab, LockView, lock_options, run_lock};
use super::pool_lab::options::{pool_options, split_options, stop_option, sweep_options};
use super::pool_lab::run::{cancel_pool, run_pool};
use super::pool_lab::sweep::{run_split, run_sweep};
use super::pool_lab::{PoolLab, PoolView};
use super::smoke::{SmokeLab, SmokeView, run_smoke, smoke_options};
use super::spinner_lab::options::spinner_options;
use super::spinner_lab::run::run_spinner;
use super::spinner_lab::{LabView, SpinnerLab};
use crate::core::clock;
use crate::core::pool_size::PoolSize;
use crate::models::calibrate;
use crate::runtime::object;
use crate::runtime::pool::Pool;
use crate::runtime::{census, heap, monitor};

thread_local! {
    /// When the page became ready, in ms since navigation began.
    static READY_MS: Cell<f64> = const { Cell::new(f64::NAN) };
    /// That time cut into `core::bench::READY_STAGES` (ms each).
    static READY_STAGES: Cell<[f64; 4]> = const { Cell::new([f64::NAN; 4]) };
    /// The threads an idle page keeps (the pool's coordinator, the monitor):
    /// `spinlab.stats().idleThreads`, what `liveThreads` returns to.
    static IDLE_THREADS: Cell<usize> = const { Cell::new(0) };
}

/// The page: the shared context and its panels, for `window.spinlab`.
/// Why a browser without `Atomics.waitAsync` (Firefox) cannot run spinlab
/// on a page that is not cross-origin isolated.
const NO_WAIT: &str = "spinlab cannot run on this page in this browser: it is not cross-origin \
     isolated, and this browser has no Atomics.waitAsync, so the module's async runtime would \
     have to hand its shared memory to a helper worker, which the browser allows only on an \
     isolated page. The server must send `Cross-Origin-Opener-Policy: same-origin` and \
     `Cross-Origin-Embedder-Policy: require-corp` (./x serve does), or turn on the isolation \
     shim below (a service worker, then one reload).";

pub struct App {
    ctx: Rc<Context>,
    smoke: Rc<SmokeLab>,
    spinner: Rc<SpinnerLab>,
    intro: Rc<IntroLab>,
    pool_lab: Rc<PoolLab>,
    lock: Rc<LockLab>,
    errors: Rc<ErrorsLab>,
    big_picture: Rc<BigPictureLab>,
    bench: Rc<BenchLab>,
}

impl std::ops::Deref for App {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

/// The address's `?threads=N`, if any: the learner's choice of pool size.
fn threads_asked(window: &web_sys::Window) -> Option<String> {
    let search = window.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get("threads")
}

/// The thread pool of `size` threads and how long it took, or why there is
/// none; a start that needed more than one attempt is said in `caps`.
async fn start_pool(caps: &mut Capabilities, size: usize) -> Result<(Pool, f64), String> {
    if !caps.cross_origin_isolated {
        return Err("this page is not cross-origin isolated \
             (crossOriginIsolated is false), so the browser withholds SharedArrayBuffer. \
             The server must send `Cross-Origin-Opener-Policy: same-origin` and \
             `Cross-Origin-Embedder-Policy: require-corp` with every response \
             (`./x serve` does)"
            .to_string());
    }
    if !crate::runtime::shared_memory() {
        return Err(
            "this browser gives this page no SharedArrayBuffer although it is \
             cross-origin isolated, so wasm threads cannot share memory (WebKitGTK needs \
             JavaScriptCore's useSharedArrayBuffer option; Safari turns it on for an \
             isolated page)"
                .to_string(),
        );
    }
    let t0 = clock::now_seconds();
    let (pool, retried) = Pool::start(size).await?;
    if let Some(first) = retried.first() {
        // Said in the capabilities panel: the pool is up, on a later try.
        caps.pool_source = format!(
            "{}; attempt {} started it ({first})",
            caps.pool_source,
            retried.len() + 1
        );
    }
    Ok((pool, (clock::now_seconds() - t0) * 1000.0))
}

/// Starts the page once the module is instantiated; `wasm_load_ms` is how
/// long the bootstrap took to load the glue and to fetch and compile the
/// module (the two fetches overlap).
pub async fn start(wasm_load_ms: f64) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("spinlab must run in a page")?;
    let entered = window.performance().map_or(f64::NAN, |p| p.now());
    let doc = window.document().ok_or("the page has no document")?;
    let cross_origin_isolated = crate::runtime::isolated();
    let hardware_concurrency = window.navigator().hardware_concurrency() as u32;
    let pool_size = PoolSize::choose(threads_asked(&window).as_deref(), hardware_concurrency);

    set_status("Starting the thread pool…");
    let mut caps = Capabilities {
        cross_origin_isolated,
        hardware_concurrency,
        pool_size: 0,
        wasm_load_ms,
        pool_start_ms: None,
        problem: None,
        pool_source: pool_size.source(hardware_concurrency),
    };
    if !super::capabilities::main_thread_can_wait(cross_origin_isolated) {
        // Nothing may await here: say why, offer the shim, and stop.
        return refuse_everything(&window, &doc, caps);
    }
    // Its listener is a future that pends until a thread panics.
    crate::runtime::panics::install();
    // The code panels' texts, fetched while the pool starts.
    let listings = super::code::fetch_texts();
    let pool = match start_pool(&mut caps, pool_size.size()).await {
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
    monitor::start_heartbeat();
    super::code::load_texts(listings).await;

    render_capabilities(&doc, &caps)?;
    if !cross_origin_isolated {
        offer_isolation_shim(&doc)?;
    }
    let app = assemble(&window, &doc, Context::new(pool), pool_size.size())?;
    // Queued now, run after the page is ready (it waits for a paint): every
    // run waits for it, so nothing below may keep it from starting.
    spawn_local(calibrate_then_warm_up(Rc::clone(&app)));
    wire(&app, &doc)?;
    install_api(&window, &app, &caps)?;
    super::link::apply(&app.spinner, &app.pool_lab, &doc)?;
    super::link::listen(&app.spinner, &app.pool_lab, &doc)?;
    super::link::wire_run_buttons(&app.spinner, &app.pool_lab, &doc)?;
    super::contents::mark_in_view(&doc)?;
    announce_ready(&window, &doc, &caps)?;
    // Navigation → ready, cut: until main.js ran (the document), the glue
    // and module, the pool, and the rest (the listings, the panels, wiring).
    let pool_ms = caps.pool_start_ms.unwrap_or(0.0);
    READY_STAGES.set([
        entered - wasm_load_ms,
        wasm_load_ms,
        pool_ms,
        READY_MS.get() - entered - pool_ms,
    ]);
    Ok(())
}

/// A page where nothing may await (see `NO_WAIT`): says why, offers the
/// shim, and refuses every run the contract offers, with the reason.
fn refuse_everything(
    window: &web_sys::Window,
    doc: &Document,
    mut caps: Capabilities,
) -> Result<(), JsValue> {
    caps.problem = Some(NO_WAIT.into());
    render_capabilities(doc, &caps)?;
    find(doc, "[data-role=capabilities-detail]")?.set_attribute("open", "")?;
    offer_isolation_shim(doc)?;
    let refuse = Closure::<dyn Fn() -> Promise>::new(|| {
        Promise::reject(&js_sys::Error::new(NO_WAIT).into())
    })
    .into_js_value();
    let mut api = vec![("capabilities", caps.to_js())];
    for name in [
        "runSmoke",
        "runSpinner",
        "runPool",
        "cancelPool",
        "runSweep",
        "runSplit",
        "runLock",
        "runStartCost",
        "runCrossing",
        "runBench",
    ] {
        api.push((name, refuse.clone()));
    }
    Reflect::set(window, &"spinlab".into(), &object(&api))?;
    let body = doc.body().ok_or("the page has no body")?;
    body.dataset().set("error", NO_WAIT)?;
    set_status(NO_WAIT);
    body.dataset().set("ready", "true")?;
    Ok(())
}

/// The panels, each bound to its markup in `index.html`, with the page's
/// context; the monitor's strips started beside the spinners.
fn assemble(
    window: &web_sys::Window,
    doc: &Document,
    ctx: Context,
    pool_size: usize,
) -> Result<Rc<App>, JsValue> {
    let ctx = Rc::new(ctx);
    let has_pool = ctx.pool.is_some();
    let spinner = Rc::new(Panel {
        ctx: Rc::clone(&ctx),
        view: LabView::render(doc, has_pool)?,
    });
    let intro = Rc::new(IntroLab {
        view: IntroView::render(doc, has_pool)?,
        lab: Rc::clone(&spinner),
    });
    let strips: Vec<_> = [&intro.view.monitor, &spinner.view.monitor]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if !strips.is_empty() {
        let scale = window.device_pixel_ratio().max(1.0);
        monitor::start_strips(&strips, &crate::runtime::canvas::Style::from_page(scale))?;
    }
    Ok(Rc::new(App {
        smoke: Rc::new(Panel {
            ctx: Rc::clone(&ctx),
            view: SmokeView::render(doc)?,
        }),
        spinner,
        intro,
        pool_lab: Rc::new(Panel {
            ctx: Rc::clone(&ctx),
            view: PoolView::render(doc, pool_size)?,
        }),
        lock: Rc::new(Panel {
            ctx: Rc::clone(&ctx),
            view: LockView::render(doc)?,
        }),
        big_picture: Rc::new(Panel {
            ctx: Rc::clone(&ctx),
            view: BigPictureView::render(doc)?,
        }),
        errors: Rc::new(Panel {
            ctx: Rc::clone(&ctx),
            view: ErrorsView::render(doc)?,
        }),
        bench: Rc::new(Panel {
            ctx: Rc::clone(&ctx),
            view: BenchView::render(doc)?,
        }),
        ctx,
    }))
}

/// Every panel's buttons bound; every panel disables its run buttons while
/// any run runs; the calibrated prime's users say they wait for it.
fn wire(app: &Rc<App>, doc: &Document) -> Result<(), JsValue> {
    {
        let page = Rc::clone(app);
        app.ctx.on_running(move |running, pool| {
            page.smoke.view.set_running(running, pool);
            page.spinner.view.set_running(running, pool);
            page.intro.view.set_running(running, pool);
            page.pool_lab.view.set_running(running, pool);
            page.lock.view.set_running(running, pool);
            page.big_picture.view.set_running(running, pool);
            page.errors.view.set_running(running, pool);
            page.bench.view.set_running(running, pool);
        });
    }
    app.smoke.view.wire(&app.smoke)?;
    app.spinner.view.wire(&app.spinner);
    app.intro.view.wire(&app.intro);
    app.pool_lab.view.wire(&app.pool_lab);
    app.lock.view.wire(&app.lock);
    app.big_picture.view.wire(&app.big_picture);
    app.big_picture
        .view
        .wire_per_job(&app.big_picture, &app.pool_lab);
    app.bench.view.wire(&app.bench);
    app.errors.view.wire(&app.errors);
    install_shortcuts(doc);
    app.intro.view.calibrating(true);
    app.spinner.view.calibrating(true);
    LabView::measure_timer_clamp(&app.spinner);
    app.ctx.set_running(false);
    Ok(())
}

/// The contract's readiness: the status line, `data-ready` (and
/// `data-error` when something is missing), the time it took.
fn announce_ready(
    window: &web_sys::Window,
    doc: &Document,
    caps: &Capabilities,
) -> Result<(), JsValue> {
    let body = doc.body().ok_or("the page has no body")?;
    match &caps.problem {
        Some(problem) => {
            body.dataset().set("error", problem)?;
            set_status(problem);
            // Something is missing: the detail says what.
            find(doc, "[data-role=capabilities-detail]")?.set_attribute("open", "")?;
        }
        None => set_status(&format!(
            "ready: {} threads on {} cores, cross-origin isolated.",
            caps.pool_size, caps.hardware_concurrency
        )),
    }
    READY_MS.set(window.performance().map_or(f64::NAN, |p| p.now()));
    IDLE_THREADS.set(crate::runtime::census::live_counts().0);
    body.dataset().set("ready", "true")?;
    Ok(())
}

/// After the page is ready: the calibrated prime (after the pool, not beside
/// its start: on a 2-core machine, timing the division rate while the pool's
/// workers started measured it ~40% low), shown where it is used; then the
/// pool's threads warmed up.
async fn calibrate_then_warm_up(app: Rc<App>) {
    // The ready page painted first: its layout and raster, beside the
    // measuring thread on a 2-core machine, slowed the rate measured.
    crate::runtime::steps::next_paint().await;
    let calibration = calibrate::calibration(app.pool.as_ref()).await;
    app.ctx.settle_calibration(calibration);
    app.intro.view.calibrating(false);
    app.intro
        .view
        .show_expected(app.calibration().ok().map(|c| c.expected_secs));
    app.spinner.view.calibrating(false);
    app.spinner.view.show_calibration(&app.spinner);
    if let Some(pool) = &app.pool {
        crate::models::pool::warm_up(pool).await;
    }
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
/// `window.spinlab`: `capabilities`, `stats()`, and the runs' promises.
fn install_api(
    window: &web_sys::Window,
    app: &Rc<App>,
    caps: &Capabilities,
) -> Result<(), JsValue> {
    let run_smoke_fn = promise_fn(app, |app, options| async move {
        let (place, text) =
            smoke_options(&options).inspect_err(|m| app.smoke.view.output_error(m))?;
        run_smoke(&app.smoke, place, &text).await
    });
    let run_spinner_fn = promise_fn(app, |app, options| async move {
        let request =
            spinner_options(&options).inspect_err(|m| app.spinner.view.output_error(m))?;
        run_spinner(&app.spinner, request).await
    });
    let run_pool_fn = promise_fn(app, |app, options| async move {
        let request = pool_options(
            &options,
            app.pool_lab.view.max_workers(),
            &app.calibration(),
        )
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
    let run_lock_fn = promise_fn(app, |app, options| async move {
        let plan = lock_options(&options).map_err(|m| app.lock.view.output_error(&m))?;
        run_lock(&app.lock, plan).await
    });
    let run_start_cost_fn = promise_fn(app, |app, options| async move {
        let (units, count) =
            start_cost_options(&options).map_err(|m| app.big_picture.view.output_error(&m))?;
        run_start_cost(&app.big_picture, units, count).await
    });
    let run_crossing_fn = promise_fn(app, |app, options| async move {
        let (via, bytes) =
            crossing_options(&options).map_err(|m| app.big_picture.view.output_error(&m))?;
        run_crossing(&app.big_picture, via, bytes).await
    });
    let run_errors_fn = promise_fn(app, |app, options| async move {
        let model = errors_options(&options).map_err(|m| app.errors.view.output_error(&m))?;
        run_errors(&app.errors, model).await
    });
    let run_bench_fn = promise_fn(app, |app, options| async move {
        let quick = bench_options(&options).inspect_err(|m| app.bench.view.output_error(m))?;
        run_bench(&app.bench, quick).await
    });
    // Test-only: forces a panic in a worker, to prove it is reported, not hung on.
    let debug_panic_fn = promise_fn(app, |app, place| async move {
        debug_panic(&app, place.as_string().as_deref().unwrap_or("")).await
    });
    let schedule_fn = promise_fn(app, |app, options| async move {
        super::scheduler::schedule(&app.lock.view.scheduler, &app.ctx, &options)
    });
    // The last run's trace, for Perfetto (`null` before any run left one).
    let trace_app = Rc::clone(app);
    let last_trace_fn = Closure::<dyn Fn() -> JsValue>::new(move || {
        trace_app
            .ctx
            .last_trace()
            .map_or(JsValue::NULL, |trace| super::dom::to_js(&trace))
    })
    .into_js_value();
    let stats = stats_fn(app);
    let api = object(&[
        ("capabilities", caps.to_js()),
        ("stats", stats),
        ("runSplit", run_split_fn),
        ("runSweep", run_sweep_fn),
        ("runSmoke", run_smoke_fn),
        ("runSpinner", run_spinner_fn),
        ("runPool", run_pool_fn),
        ("runLock", run_lock_fn),
        ("schedule", schedule_fn),
        ("lastTrace", last_trace_fn),
        ("runStartCost", run_start_cost_fn),
        ("runCrossing", run_crossing_fn),
        ("runErrors", run_errors_fn),
        ("cancelPool", cancel_pool_fn),
        ("runBench", run_bench_fn),
        ("debugPanic", debug_panic_fn),
    ]);
    Reflect::set(window, &"spinlab".into(), &api)?;
    Ok(())
}

/// `spinlab.stats()`: the page's threads, processes and memory now, when it
/// became ready, and how many runs it started.
fn stats_fn(app: &Rc<App>) -> JsValue {
    let stats_app = Rc::clone(app);
    Closure::<dyn Fn() -> JsValue>::new(move || {
        let (threads, processes) = census::live_counts();
        let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
        let bytes =
            js_sys::Reflect::get(&memory.buffer(), &"byteLength".into()).unwrap_or_default();
        object(&[
            ("wasmMemoryBytes", bytes),
            ("heapLiveBytes", (heap::live_bytes() as f64).into()),
            ("threadsStarted", (census::threads_started() as f64).into()),
            ("liveThreads", (threads as u32).into()),
            ("liveProcesses", (processes as u32).into()),
            ("readyMs", READY_MS.get().into()),
            (
                "readyStagesMs",
                READY_STAGES
                    .get()
                    .iter()
                    .map(|&ms| JsValue::from(ms))
                    .collect::<js_sys::Array>()
                    .into(),
            ),
            ("idleThreads", (IDLE_THREADS.get() as u32).into()),
            ("pool", stats_app.pool_lab.view.snapshot()),
            ("runsStarted", stats_app.runs_started().into()),
        ])
        .into()
    })
    .into_js_value()
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
    let run = Rc::new(run);
    Closure::<dyn FnMut(JsValue) -> Promise>::new(move |options: JsValue| {
        let (app, run) = (Rc::clone(&app), Rc::clone(&run));
        let ctx = Rc::clone(&app.ctx);
        as_promise(ctx, Box::pin(async move { run(app, options).await }))
    })
    .into_js_value()
}

/// A run as boxed by `promise_fn`: one `future_to_promise` serves them all
/// (one per run type cost the module 11 KB: 671 → 660 KB after wasm-opt).
type BoxedRun = std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, String>>>>;

/// `run` as a promise, begun once the calibration is in (what a run reads
/// of its options may need it); rejected with an `Error` saying why.
fn as_promise(ctx: Rc<Context>, run: BoxedRun) -> Promise {
    future_to_promise(async move {
        let _ = ctx.calibrated().await;
        run.await
            .map_err(|message| js_sys::Error::new(&message).into())
    })
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
            let _running = app.begin().await?;
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
            app.smoke.view.output_error(&reason);
            Err(reason)
        }
    }
}
