//! The Benchmarks panel: the in-browser half of `./x bench`, on the
//! learner's own machine. It measures with the labs' own code (the same
//! workers, queues and supervisor), only without drawing, and builds its
//! table with `crate::core::bench`. `window.spinlab.runBench` runs the same code.
//!
//! This file holds the panel and the run; `table` draws the figures and
//! reads the page's sizes.

mod table;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlButtonElement, HtmlInputElement};

use self::table::{TableRow, render_table, resource_sizes, show_reference};
use super::context::Panel;
use super::dom::{Options, Output, find, on_click, publish};
use crate::core::bench::{
    Kernel, Measurements, Pitfall, PoolSeries, QueueSeries, Split, figures_value,
};
use crate::core::clock::now_seconds;
use crate::core::primes::{
    BOOK_PRIME, NUMBERS, calibrate, check_with, is_prime, is_prime_unrolled,
};
use crate::core::protocol::Mode;
use crate::core::report::Value;
use crate::core::spinner::{Model, NapVia};
use crate::models::pool::{QuietRun, message_queue, run_quietly, split_check};
use crate::models::{NapPlan, Slow, coroutine};
use crate::runtime::canvas::Style;
use crate::runtime::js_error_message;
use crate::runtime::pool::Pool;
use crate::runtime::steps::next_paint;

/// The bench panel with the page's context.
pub type BenchLab = Panel<BenchView>;

/// Tiny jobs for the queue figure: numbers below 1000, so that the queue,
/// not the checking, is what is timed.
const QUEUE_JOBS: usize = 10_000;

/// Samples a figure gets (after one warm-up run that is not kept).
const RUNS: usize = 5;
const QUICK_RUNS: usize = 3;
/// A quick run checks a ≈1 s prime where the full one checks the ≈3 s one.
const QUICK_PRIME_SECS: f64 = 1.0;

pub struct BenchView {
    run_button: HtmlButtonElement,
    stop_button: HtmlButtonElement,
    quick: HtmlInputElement,
    progress: Element,
    table: Element,
    reference: Element,
    output: Output,
    stop: Rc<Cell<bool>>,
}

impl BenchView {
    /// Binds the controls `index.html` writes (run, stop, quick, the
    /// progress bar) and the tables it writes under them (this run's, the
    /// reference's), and renders the output between.
    pub fn render(doc: &Document) -> Result<BenchView, JsValue> {
        // The controls `index.html` writes beside the prose.
        let bound = |selector: &str| find(doc, &format!("[data-experiment=bench] {selector}"));
        let run_button: HtmlButtonElement = bound("[data-role=run-bench]")?.unchecked_into();
        let stop_button: HtmlButtonElement = bound("[data-role=stop-bench]")?.unchecked_into();
        let quick: HtmlInputElement = bound("[data-role=quick]")?.unchecked_into();
        let progress = bound("[data-role=progress]")?;
        // The tables `index.html` writes under the controls, the output above them.
        let table = bound("[data-role=bench-table]")?;
        let reference = bound("[data-role=bench-reference]")?;
        let output = Output::render_before(doc, &bound(".bench-scroll")?)?;
        Ok(BenchView {
            run_button,
            stop_button,
            quick,
            progress,
            table,
            reference,
            output,
            stop: Rc::new(Cell::new(false)),
        })
    }

    pub fn wire(&self, app: &Rc<BenchLab>) {
        let app = Rc::clone(app);
        on_click(&self.run_button, move || {
            let app = Rc::clone(&app);
            let quick = app.view.quick.checked();
            spawn_local(async move {
                let _ = run_bench(&app, quick).await;
            });
        });
        let stop = Rc::clone(&self.stop);
        let output = self.output.clone();
        on_click(&self.stop_button, move || {
            stop.set(true);
            output.say("Stopping after the run in progress…", "running");
        });
        spawn_local(show_reference(self.reference.clone()));
    }

    pub fn set_running(&self, running: bool, has_pool: bool) {
        self.run_button.set_disabled(running || !has_pool);
        self.quick.set_disabled(running);
        if !has_pool {
            self.run_button
                .set_title("The benchmarks need wasm threads: see the capabilities above.");
        }
    }

    pub fn output_error(&self, message: &str) {
        self.output.say(message, "error");
    }

    fn set_progress(&self, done: usize, total: usize, what: &str) {
        let _ = self.progress.set_attribute("max", &total.to_string());
        let _ = self.progress.set_attribute("value", &done.to_string());
        self.output.say(
            &format!("{what} · step {} of {total}", (done + 1).min(total)),
            "running",
        );
    }
}

/// The plan of a run: how many measurements it takes, for the progress bar.
struct Plan {
    runs: usize,
    cores: usize,
    prime: u64,
    done: usize,
    total: usize,
}

impl Plan {
    fn new(quick: bool, cores: usize, prime: u64) -> Plan {
        let runs = if quick { QUICK_RUNS } else { RUNS };
        let series = |k: usize| k * (runs + 1);
        let scaling = if quick { 3 } else { 2 * cores + 1 };
        let total = series(3) // kernels
            + series(1) // sequential
            + series(scaling)
            + series(1) // bare workers
            + series(1) // workers that import the glue
            + series(1) // GIL
            + series(2) // split: 1 part, N parts
            + series(4) // queues
            + series(1); // pitfall
        Plan {
            runs,
            cores,
            prime,
            done: 0,
            total,
        }
    }
}

/// Measures `sample` once to warm up, then `plan.runs` times, unless the
/// learner stops the run. `what` names it on the progress line.
async fn samples<F, Fut, T>(
    app: &BenchLab,
    plan: &mut Plan,
    what: &str,
    mut sample: F,
) -> Result<Vec<T>, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut kept = Vec::with_capacity(plan.runs);
    for run in 0..=plan.runs {
        if app.view.stop.get() {
            return Err(STOPPED.into());
        }
        let label = if run == 0 {
            format!("{what}: warm-up")
        } else {
            format!("{what}: run {run} of {}", plan.runs)
        };
        app.view.set_progress(plan.done, plan.total, &label);
        let value = sample().await?;
        if run > 0 {
            kept.push(value);
        }
        plan.done += 1;
    }
    Ok(kept)
}

const STOPPED: &str = "stopped by the learner";

/// Each run's checks of the book's fixture, in the fixture's order (ms).
fn fixture_costs(runs: &[QuietRun]) -> Vec<Vec<f64>> {
    runs.iter()
        .map(|r| {
            NUMBERS
                .iter()
                .map(|n| {
                    r.results
                        .iter()
                        .find(|x| x.n == *n)
                        .map_or(f64::NAN, |x| x.elapsed * 1000.0)
                })
                .collect()
        })
        .collect()
}

/// Runs the benchmarks; errors are shown on the page and returned.
pub async fn run_bench(app: &Rc<BenchLab>, quick: bool) -> Result<JsValue, String> {
    let outcome = match app.begin().await {
        Ok(_running) => bench(app, quick).await,
        Err(busy) => Err(busy),
    };
    if let Err(message) = &outcome {
        app.view.output.say(message, "error");
    }
    outcome
}

async fn bench(app: &Rc<BenchLab>, quick: bool) -> Result<JsValue, String> {
    let view = &app.view;
    let pool = app
        .pool
        .as_ref()
        .ok_or("The benchmarks need wasm threads, which this browser does not give this page.")?;
    let cores = pool.size();
    let calibration = app.calibration().ok();
    let prime = match (calibration, quick) {
        (Some(c), true) => calibrate(c.divisions_per_sec, QUICK_PRIME_SECS).prime,
        (Some(c), false) => c.prime,
        (None, _) => BOOK_PRIME,
    };
    view.stop.set(false);
    view.stop_button.set_disabled(false);
    render_table(&view.table, &[]); // the last run's rows go
    let mut plan = Plan::new(quick, cores, prime);
    let mut m = Measurements {
        runs: plan.runs,
        cores,
        ..Measurements::default()
    };
    let t0 = now_seconds();
    view.output.append_transcript(&[format!(
        "# benchmarks ({}): {} runs a figure after a warm-up, {cores} pool threads",
        if quick { "quick" } else { "full" },
        plan.runs
    )]);
    next_paint().await;
    let outcome = measure(app, &mut plan, &mut m).await;
    view.stop_button.set_disabled(true);
    let stopped = match outcome {
        Ok(()) => false,
        Err(message) if message == STOPPED => true,
        Err(message) => return Err(format!("The benchmark failed: {message}.")),
    };
    m.sizes = resource_sizes();

    let figures = m.figures();
    let rows: Vec<TableRow> = figures.iter().map(TableRow::from).collect();
    render_table(&view.table, &rows);
    let _ = view.progress.set_attribute("value", &plan.done.to_string());
    let secs = now_seconds() - t0;
    let summary = if stopped {
        format!(
            "Stopped after {secs:.0} s: {} figures from the runs that finished.",
            figures.len()
        )
    } else {
        format!("{} figures in {secs:.0} s.", figures.len())
    };
    view.output
        .say(&summary, if stopped { "error" } else { "done" });
    view.output.append_transcript(&[format!("# {summary}")]);

    Ok(publish(Value::Obj(vec![
        ("experiment", "bench".into()),
        ("quick", quick.into()),
        ("stopped", stopped.into()),
        ("seconds", secs.into()),
        ("measurements", Value::from(&m)),
        ("figures", figures_value(&figures)),
    ])))
}

/// Takes every in-browser measurement into `m`, in the table's order.
async fn measure(app: &BenchLab, plan: &mut Plan, m: &mut Measurements) -> Result<(), String> {
    let pool = app.pool.as_ref().expect("checked by the caller");
    measure_kernels(app, pool, plan, m).await?;
    measure_pools(app, pool, plan, m).await?;
    measure_split(app, pool, plan, m).await?;
    measure_queues(app, pool, plan, m).await?;
    measure_pitfall(app, pool, plan, m).await
}

/// The book's prime and this machine's, checked on a pool thread by
/// `is_prime`, and this machine's by `is_prime_unrolled`.
async fn measure_kernels(
    app: &BenchLab,
    pool: &Pool,
    plan: &mut Plan,
    m: &mut Measurements,
) -> Result<(), String> {
    let prime = plan.prime;
    type PrimalityTest = fn(u64) -> bool;
    let kernels: [(u64, &str, PrimalityTest); 3] = [
        (BOOK_PRIME, "is_prime", is_prime),
        (prime, "is_prime", is_prime),
        (prime, "is_prime_unrolled", is_prime_unrolled),
    ];
    for (n, variant, test) in kernels {
        let wasm_ms = samples(
            app,
            plan,
            &format!("{variant}({n}) on a pool thread"),
            || pool.run(move || check_with(n, test).elapsed * 1000.0),
        )
        .await?;
        m.kernels.push(Kernel {
            n,
            variant: variant.into(),
            wasm_ms,
            ..Kernel::default()
        });
    }
    Ok(())
}

/// The labs' pool run without drawing, on `pool`.
async fn quiet(
    pool: &Pool,
    mode: Mode,
    workers: usize,
    numbers: Arc<[u64]>,
) -> Result<QuietRun, String> {
    run_quietly(mode, workers, numbers, Some(pool)).await
}

/// The book's fixture: sequentially, then each pool mode and worker count
/// (a quick run: only the pool's size), then the bare workers under them.
async fn measure_pools(
    app: &BenchLab,
    pool: &Pool,
    plan: &mut Plan,
    m: &mut Measurements,
) -> Result<(), String> {
    let (cores, quick) = (plan.cores, plan.runs == QUICK_RUNS);
    let fixture: Arc<[u64]> = NUMBERS.into();
    let runs = samples(app, plan, "the fixture, sequentially", || {
        quiet(pool, Mode::Sequential, 1, Arc::clone(&fixture))
    })
    .await?;
    m.sequential_ms = runs.iter().map(|r| r.total_ms).collect();
    m.sequential_costs_ms = fixture_costs(&runs);

    let mut series: Vec<(Mode, usize)> = Vec::new();
    for mode in [Mode::Processes, Mode::Threads] {
        let from = if quick { cores } else { 1 };
        series.extend((from..=cores).map(|w| (mode, w)));
    }
    // Rayon always runs on the whole pool.
    series.push((Mode::Rayon, cores));
    series.push((Mode::ThreadsGil, cores));
    for (mode, workers) in series {
        let runs = samples(
            app,
            plan,
            &format!("the fixture, {} × {workers}", mode.key()),
            || quiet(pool, mode, workers, Arc::clone(&fixture)),
        )
        .await?;
        m.pools.push(PoolSeries {
            mode: mode.key().into(),
            workers,
            total_ms: runs.iter().map(|r| r.total_ms).collect(),
            gap_ms: runs.iter().map(|r| r.gap_ms).collect(),
            startup_ms: runs.iter().map(|r| r.startup_ms).collect(),
            boot_ms: runs.iter().map(|r| r.boot_ms.clone()).collect(),
            costs_ms: fixture_costs(&runs),
            tail_ms: runs.iter().map(|r| r.total_ms - r.last_end_ms).collect(),
        });
    }
    // The floor under the start-ups just measured: workers that only answer.
    m.bare_workers_ms = samples(app, plan, &format!("{cores} bare module workers"), || {
        crate::runtime::threads::bare_workers(cores, false)
    })
    .await?;
    let label = format!("{cores} module workers that import the glue");
    m.glue_workers_ms = samples(app, plan, &label, || {
        crate::runtime::threads::bare_workers(cores, true)
    })
    .await?;
    Ok(())
}

/// This machine's prime checked in one part, then split in one part per
/// pool thread.
async fn measure_split(
    app: &BenchLab,
    pool: &Pool,
    plan: &mut Plan,
    m: &mut Measurements,
) -> Result<(), String> {
    let (cores, prime) = (plan.cores, plan.prime);
    let mut split = Split {
        n: prime,
        parts: cores,
        ..Split::default()
    };
    for parts in [1, cores] {
        let ms = samples(
            app,
            plan,
            &format!("is_prime({prime}) split in {parts}"),
            || pool.run(move || split_check(prime, parts).elapsed * 1000.0),
        )
        .await?;
        if parts == 1 {
            split.one_ms = ms;
        } else {
            split.parts_ms = ms;
        }
    }
    m.split = Some(split);
    Ok(())
}

/// Tiny jobs through each kind of queue: shared memory, rayon's deques,
/// a shared head with messages, and a message for every job.
async fn measure_queues(
    app: &BenchLab,
    pool: &Pool,
    plan: &mut Plan,
    m: &mut Measurements,
) -> Result<(), String> {
    let cores = plan.cores;
    let tiny: Arc<[u64]> = (0..QUEUE_JOBS as u64).map(|i| 2 + i % 998).collect();
    for (mode, via, shared) in [
        (
            Mode::Threads,
            "a Mutex + Condvar queue in shared memory",
            true,
        ),
        (Mode::Rayon, "rayon's work-stealing deques", true),
        (
            Mode::Processes,
            "a shared head; each result a message",
            false,
        ),
    ] {
        let runs = samples(
            app,
            plan,
            &format!("{QUEUE_JOBS} tiny jobs, {} × {cores}", mode.key()),
            || quiet(pool, mode, cores, Arc::clone(&tiny)),
        )
        .await?;
        m.queues.push(QueueSeries {
            via: format!("{} × {cores}: {via}", mode.key()),
            shared,
            jobs: QUEUE_JOBS,
            us_per_job: runs
                .iter()
                .map(|r| (r.total_ms - r.startup_ms) * 1000.0 / QUEUE_JOBS as f64)
                .collect(),
        });
    }
    let us_per_job = samples(
        app,
        plan,
        &format!("{QUEUE_JOBS} tiny jobs as postMessage to a process"),
        || message_queue(&tiny),
    )
    .await?;
    m.queues.push(QueueSeries {
        via: "postMessage × 1 process: each job and each result a message".into(),
        shared: false,
        jobs: QUEUE_JOBS,
        us_per_job,
    });
    Ok(())
}

/// The pitfall: this machine's prime checked in a coroutine that never
/// yields, and how long the page froze meanwhile.
async fn measure_pitfall(
    app: &BenchLab,
    pool: &Pool,
    plan: &mut Plan,
    m: &mut Measurements,
) -> Result<(), String> {
    let prime = plan.prime;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement = doc
        .create_element("canvas")
        .map_err(|e| js_error_message(&e))?
        .unchecked_into();
    let style = Style::from_page(1.0);
    let runs = samples(
        app,
        plan,
        &format!("coroutine + is_prime({prime}): the page freezes, on purpose"),
        || async {
            next_paint().await;
            crate::runtime::monitor::begin_gap("bench");
            let slow = Slow::Prime {
                n: prime,
                nap: NapPlan {
                    every: u64::MAX,
                    via: NapVia::Yield,
                },
            };
            // The benchmark's run shows no code: its steps go unheard.
            let outcome = crate::runtime::steps::unwatched(coroutine::supervisor(
                Model::Coroutine,
                &canvas,
                &style,
                slow,
                None,
                Some(pool),
            ))
            .await?;
            Ok((outcome.elapsed_ms, crate::runtime::monitor::end_gap()))
        },
    )
    .await?;
    m.pitfall = Some(Pitfall {
        n: prime,
        compute_ms: runs.iter().map(|r| r.0).collect(),
        gap_ms: runs.iter().map(|r| r.1).collect(),
    });
    Ok(())
}

/// Reads `{ quick?: boolean }`.
pub fn bench_options(options: &JsValue) -> Result<bool, String> {
    let quick = Options::read(options, "runBench", &["quick"])?.get("quick");
    Ok(super::dom::bool_option(&quick, "quick")?.unwrap_or(false))
}
