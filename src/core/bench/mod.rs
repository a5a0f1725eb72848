//! The benchmark's arithmetic, pure: summaries of samples, the scheduling
//! bound, and the figures with their targets. The page's Benchmarks panel
//! and `./x bench` both build their tables here, from [`Measurements`]: the
//! page fills in what a browser can measure, the command adds the native
//! Rust and CPython references, the start-up and the sizes.
//!
//! Every figure is a median with its min and max; a comparison is the
//! median of the ratios of samples taken in the same run, paired by index.
//!
//! This file holds [`Measurements`] and the figures they allow; `summary`
//! the arithmetic of samples, `figures` a figure and the tables made of them.

mod figures;
pub mod reference;
mod summary;

pub use self::figures::{Figure, Goal, Unit, Verdict, figures_json, figures_value, markdown_table};
pub use self::summary::{Summary, fifo_schedule, median_costs, ratios, scheduling_bound};

use crate::core::report::Value;

/// `is_prime(n)` timed alone, in milliseconds a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kernel {
    pub n: u64,
    /// `is_prime`, the workload, or `is_prime_unrolled`, the labelled variant.
    pub variant: String,
    pub wasm_ms: Vec<f64>,
    pub native_ms: Vec<f64>,
    pub cpython_ms: Vec<f64>,
}

/// Runs of one pool mode with a number of workers on the book's fixture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoolSeries {
    /// A `Mode` key, or `native-threads` for the native reference.
    pub mode: String,
    pub workers: usize,
    pub total_ms: Vec<f64>,
    /// The main thread's longest gap during each run (none natively).
    pub gap_ms: Vec<f64>,
    /// From the run's start until its last worker was up, each run (the
    /// page's own series only).
    pub startup_ms: Vec<f64>,
    /// That start-up cut into `protocol::BOOT_STAGES`, each run (workers
    /// started for the run only: `threads`, `threads-gil`, `processes`).
    pub boot_ms: Vec<Vec<f64>>,
    /// Each number's check in each run, the fixture's order (the page's
    /// own series only).
    pub costs_ms: Vec<Vec<f64>>,
    /// Each run's time after its last check ended: the last result's way to
    /// the page, the pills, the report loop's end.
    pub tail_ms: Vec<f64>,
}

/// Tiny jobs through a queue: the cost of the queue itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueSeries {
    pub via: String,
    /// A queue in shared memory (else messages).
    pub shared: bool,
    pub jobs: usize,
    pub us_per_job: Vec<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    pub n: u64,
    pub parts: usize,
    pub one_ms: Vec<f64>,
    pub parts_ms: Vec<f64>,
    /// The same split natively (`./x bench` only): 1 part, then `parts`.
    pub native_one_ms: Vec<f64>,
    pub native_parts_ms: Vec<f64>,
}

/// The broken coroutine: `is_prime` right on the event loop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pitfall {
    pub n: u64,
    pub compute_ms: Vec<f64>,
    pub gap_ms: Vec<f64>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sizes {
    pub wasm_bytes: u64,
    pub wasm_gzip_bytes: Option<u64>,
    pub js_bytes: u64,
    pub js_gzip_bytes: Option<u64>,
    /// `pkg/listings.json`, the code panels' texts the page fetches as it
    /// starts (out of the module since 2026-11-30; older runs have none).
    pub listings_bytes: Option<u64>,
    pub listings_gzip_bytes: Option<u64>,
}

/// Everything one benchmark run measured: raw samples only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measurements {
    /// Samples per figure (after a warm-up run that is not kept).
    pub runs: usize,
    pub cores: usize,
    pub kernels: Vec<Kernel>,
    /// The book's fixture checked sequentially: totals, and each number's
    /// cost (`sequential_costs_ms[run][i]`, the fixture's order).
    pub sequential_ms: Vec<f64>,
    pub sequential_costs_ms: Vec<Vec<f64>>,
    pub cpython_fixture_ms: Vec<f64>,
    pub pools: Vec<PoolSeries>,
    pub queues: Vec<QueueSeries>,
    pub split: Option<Split>,
    pub pitfall: Option<Pitfall>,
    /// Navigation to `data-ready`: a fresh browser profile, and reloads.
    pub startup_cold_ms: Vec<f64>,
    pub startup_warm_ms: Vec<f64>,
    /// Each of those runs cut into [`READY_STAGES`].
    pub startup_cold_stages_ms: Vec<Vec<f64>>,
    pub startup_warm_stages_ms: Vec<Vec<f64>>,
    /// `cores` bare module workers (a script that only answers) started at
    /// once, until the last answered: the browser's own floor under a
    /// worker's start-up.
    pub bare_workers_ms: Vec<f64>,
    /// The same workers with one import more, the page's glue: the floor
    /// under any worker that runs this module (its instantiation needs the
    /// glue's imports).
    pub glue_workers_ms: Vec<f64>,
    pub sizes: Option<Sizes>,
}

/// Navigation → ready, cut (`spinlab.stats().readyStagesMs`): until the
/// page's script ran, the glue and module loaded and compiled, the pool up,
/// the rest (the listings, the panels, the wiring).
pub const READY_STAGES: [&str; 4] = ["document", "glue + module", "pool", "the rest"];

const KERNEL_LIMIT: f64 = 1.05;
/// Threads and rayon share one memory: at N = cores, within 5% of the best
/// FIFO schedule of the fixture's own costs.
const SHARED_SCALING_LIMIT: f64 = 1.05;
/// Processes start a module instance each and talk by messages: within 10%.
const PROCESS_SCALING_LIMIT: f64 = 1.10;
const GIL_FLOOR: f64 = 0.95;
const SPLIT_SHARE: f64 = 0.9;
/// The split's speed-up against the native split's, on the same machine.
const SPLIT_VS_NATIVE: f64 = 0.97;
const SHARED_QUEUE_US: f64 = 10.0;
const LONG_TASK_MS: f64 = crate::core::monitor::LONG_TASK_MS;
const FREEZE_SHARE: f64 = 90.0;
const WARM_START_MS: f64 = 250.0;
/// A worker up and running its loop, from the run's start: a thread shares
/// the compiled module and the memory; a process instantiates its own.
const THREAD_START_MS: f64 = 25.0;
const PROCESS_START_MS: f64 = 50.0;
const COLD_START_MS: f64 = 400.0;
const WASM_KB: f64 = 250.0;
const WASM_GZIP_KB: f64 = 100.0;

/// The pool modes whose scaling is judged against the best FIFO schedule.
pub const SCALING_MODES: [&str; 3] = ["processes", "threads", "rayon"];

impl Measurements {
    /// The table: every figure these measurements allow, group by group in
    /// the order the table shows them.
    pub fn figures(&self) -> Vec<Figure> {
        let costs = median_costs(&self.sequential_costs_ms);
        let mut out = Vec::new();
        out.extend(self.kernel_figures());
        out.extend(self.cpython_figures());
        out.extend(self.sequential_figure());
        out.extend(self.scaling_figures(&costs));
        out.extend(self.breakdown_figures(&costs));
        out.extend(self.gil_figure());
        out.extend(self.split_figures());
        out.extend(self.queue_figures());
        out.extend(self.main_thread_figures());
        out.extend(self.pitfall_figure());
        out.extend(self.worker_startup_figures());
        out.extend(self.page_startup_figures());
        out.extend(self.size_figures());
        out
    }

    /// The measurements as JSON (numbers to check as decimal strings).
    pub fn to_json(&self) -> String {
        Value::from(self).to_json()
    }

    /// The pool size the scaling, the gaps and the start-ups are judged at.
    fn judged_workers(&self) -> usize {
        self.cores.max(1)
    }

    /// `is_prime(n)` alone, each kernel: against native Rust where `./x
    /// bench` measured it, else the page worker's own time.
    fn kernel_figures(&self) -> Vec<Figure> {
        self.kernels.iter().filter_map(kernel_figure).collect()
    }

    /// CPython beside spinlab: the fixture, single numbers, and the book's
    /// `procs.py` and `threads.py` N for N. Reported: the ratios are set by
    /// CPython, not by spinlab.
    fn cpython_figures(&self) -> Vec<Figure> {
        let mut out: Vec<Figure> = self.cpython_fixture_figure().into_iter().collect();
        out.extend(
            self.kernels
                .iter()
                .filter(|k| !k.cpython_ms.is_empty())
                .filter_map(cpython_kernel_figure),
        );
        out.extend(self.cpython_pool_figures());
        out
    }

    /// The book's fixture checked sequentially, CPython against spinlab.
    fn cpython_fixture_figure(&self) -> Option<Figure> {
        if self.cpython_fixture_ms.is_empty() {
            return None;
        }
        figure(
            "vs CPython",
            "the fixture, sequentially: CPython / spinlab".into(),
            Unit::Ratio,
            &ratios(&self.cpython_fixture_ms, &self.sequential_ms),
            // The ratio is set by CPython, not by spinlab: reported.
            Goal::Report,
            format!(
                "CPython {}, spinlab {}",
                median_ms(&self.cpython_fixture_ms),
                median_ms(&self.sequential_ms)
            ),
        )
    }

    /// The book's procs.py and threads.py run by CPython with 1..N workers,
    /// beside the same mode and N here (a series without its counterpart is
    /// left out).
    fn cpython_pool_figures(&self) -> Vec<Figure> {
        let mut out = Vec::new();
        for cpython in self.pools.iter().filter(|p| p.mode.starts_with("cpython-")) {
            let mode = cpython.mode.trim_start_matches("cpython-");
            let Some(ours) = self
                .pools
                .iter()
                .find(|p| p.mode == mode && p.workers == cpython.workers)
            else {
                continue;
            };
            out.extend(figure(
                "vs CPython",
                format!("{mode} × {}: CPython / spinlab", cpython.workers),
                Unit::Ratio,
                &ratios(&cpython.total_ms, &ours.total_ms),
                Goal::Report,
                format!(
                    "CPython's {} {}, spinlab {}",
                    if mode == "processes" {
                        "procs.py"
                    } else {
                        "threads.py"
                    },
                    median_ms(&cpython.total_ms),
                    median_ms(&ours.total_ms)
                ),
            ));
        }
        out
    }

    /// The fixture on one worker, in milliseconds: shown when there is no
    /// CPython run to compare it with.
    fn sequential_figure(&self) -> Option<Figure> {
        if !self.cpython_fixture_ms.is_empty() {
            return None;
        }
        figure(
            "sequential",
            "the fixture, sequentially, on one worker".into(),
            Unit::Ms,
            &self.sequential_ms,
            Goal::Report,
            String::new(),
        )
    }

    /// Each pool against the best FIFO schedule of the sequential run's
    /// costs (`costs`), judged at N = cores for the page's own modes.
    fn scaling_figures(&self, costs: &[f64]) -> Vec<Figure> {
        if costs.is_empty() {
            return Vec::new();
        }
        let cores = self.judged_workers();
        let mut out = Vec::new();
        for series in self
            .pools
            .iter()
            .filter(|p| SCALING_MODES.contains(&p.mode.as_str()) || p.mode == "native-threads")
        {
            // The yardstick of a FIFO pool: the best it could do with
            // these costs in this order (no start-up, no queue cost).
            let best = fifo_schedule(costs, series.workers);
            let judged = series.workers == cores && series.mode != "native-threads";
            let limit = if series.mode == "processes" {
                PROCESS_SCALING_LIMIT
            } else {
                SHARED_SCALING_LIMIT
            };
            out.extend(figure(
                "pool scaling",
                format!(
                    "{} × {}: total / best FIFO schedule",
                    series.mode, series.workers
                ),
                Unit::Ratio,
                &ratios(&series.total_ms, &vec![best; series.total_ms.len()]),
                if judged {
                    Goal::AtMost(limit)
                } else {
                    Goal::Report
                },
                format!(
                    "total {}, best FIFO schedule {}, scheduling bound {}",
                    median_ms(&series.total_ms),
                    Unit::Ms.format(best),
                    Unit::Ms.format(scheduling_bound(costs, series.workers))
                ),
            ));
        }
        out
    }

    /// Where a run's time goes, for each scaling mode at N = cores whose
    /// every run has its checks' costs: reported.
    fn breakdown_figures(&self, costs: &[f64]) -> Vec<Figure> {
        let cores = self.judged_workers();
        self.pools
            .iter()
            .filter(|p| {
                p.workers == cores
                    && SCALING_MODES.contains(&p.mode.as_str())
                    && !p.costs_ms.is_empty()
                    && p.costs_ms.len() == p.total_ms.len()
            })
            .filter_map(|series| {
                figure(
                    "pool scaling",
                    format!("{} × {cores}: where a run's time goes", series.mode),
                    Unit::Ms,
                    &series.total_ms,
                    Goal::Report,
                    run_breakdown(series, costs),
                )
            })
            .collect()
    }

    /// Threads under a GIL at N = cores are no faster than one worker.
    fn gil_figure(&self) -> Option<Figure> {
        let cores = self.judged_workers();
        let gil = self
            .pools
            .iter()
            .find(|p| p.mode == "threads-gil" && p.workers == cores)?;
        figure(
            "GIL fidelity",
            format!("threads-gil × {cores} / sequential"),
            Unit::Ratio,
            &ratios(&gil.total_ms, &self.sequential_ms),
            Goal::AtLeast(GIL_FLOOR),
            format!(
                "threads-gil {}, sequential {}",
                median_ms(&gil.total_ms),
                median_ms(&self.sequential_ms)
            ),
        )
    }

    /// One number's check split in parts: its speed-up, judged against the
    /// parts' count, or against the native split's where there is one.
    fn split_figures(&self) -> Vec<Figure> {
        let Some(split) = &self.split else {
            return Vec::new();
        };
        let mut out: Vec<Figure> = figure(
            "split",
            format!("is_prime({}) split in {}: speed-up", split.n, split.parts),
            Unit::Ratio,
            &ratios(&split.one_ms, &split.parts_ms),
            // Judged against the native split where there is one.
            if split.native_one_ms.is_empty() {
                Goal::AtLeast(SPLIT_SHARE * split.parts as f64)
            } else {
                Goal::Report
            },
            format!(
                "1 part {}, {} parts {}",
                median_ms(&split.one_ms),
                split.parts,
                median_ms(&split.parts_ms)
            ),
        )
        .into_iter()
        .collect();
        if !split.native_one_ms.is_empty() {
            let ours = ratios(&split.one_ms, &split.parts_ms);
            let native = ratios(&split.native_one_ms, &split.native_parts_ms);
            out.extend(figure(
                "split",
                format!(
                    "split in {}: speed-up / the native split's speed-up",
                    split.parts
                ),
                Unit::Ratio,
                &ratios(&ours, &native),
                Goal::AtLeast(SPLIT_VS_NATIVE),
                format!(
                    "native: 1 part {}, {} parts {}",
                    median_ms(&split.native_one_ms),
                    split.parts,
                    median_ms(&split.native_parts_ms)
                ),
            ));
        }
        out
    }

    /// Tiny jobs through each queue: a queue in shared memory is judged.
    fn queue_figures(&self) -> Vec<Figure> {
        self.queues
            .iter()
            .filter_map(|queue| {
                figure(
                    "queue overhead",
                    format!("{} jobs via {}", queue.jobs, queue.via),
                    Unit::Us,
                    &queue.us_per_job,
                    if queue.shared {
                        Goal::AtMost(SHARED_QUEUE_US)
                    } else {
                        Goal::Report
                    },
                    String::new(),
                )
            })
            .collect()
    }

    /// The page's longest gap while each pool of N = cores computes,
    /// judged on the worst run: one long task is one too many.
    fn main_thread_figures(&self) -> Vec<Figure> {
        let cores = self.judged_workers();
        self.pools
            .iter()
            .filter(|p| p.workers == cores && !p.gap_ms.is_empty())
            .filter_map(|series| {
                figure(
                    "main thread",
                    format!("longest gap during {} × {}", series.mode, series.workers),
                    Unit::Ms,
                    &series.gap_ms,
                    Goal::AtMost(LONG_TASK_MS),
                    "the page's event loop while workers compute".into(),
                )
            })
            .map(|figure| Figure {
                worst_case: true,
                ..figure
            })
            .collect()
    }

    /// The broken coroutine: the share of its computing during which the
    /// event loop stood still.
    fn pitfall_figure(&self) -> Option<Figure> {
        let p = self.pitfall.as_ref()?;
        let shares: Vec<f64> = ratios(&p.gap_ms, &p.compute_ms)
            .into_iter()
            .map(|r| r * 100.0)
            .collect();
        figure(
            "the pitfall",
            format!("coroutine + is_prime({}): frozen share", p.n),
            Unit::Percent,
            &shares,
            Goal::AtLeast(FREEZE_SHARE),
            format!(
                "longest gap {} of {} computing",
                median_ms(&p.gap_ms),
                median_ms(&p.compute_ms)
            ),
        )
    }

    /// A thread's and a process's start-up at N = cores, each with its
    /// stages where every run was cut into them.
    fn worker_startup_figures(&self) -> Vec<Figure> {
        let cores = self.judged_workers();
        let mut out = Vec::new();
        for series in self
            .pools
            .iter()
            .filter(|p| p.workers == cores && matches!(p.mode.as_str(), "threads" | "processes"))
        {
            let (unit, limit) = if series.mode == "threads" {
                ("thread", THREAD_START_MS)
            } else {
                ("process", PROCESS_START_MS)
            };
            out.extend(figure(
                "start-up",
                format!(
                    "a {unit}: {} × {cores}, the run's start → the last one up",
                    series.mode
                ),
                Unit::Ms,
                &series.startup_ms,
                Goal::AtMost(limit),
                format!(
                    "{cores} started at once, part of every {} run's total",
                    series.mode
                ),
            ));
            if let Some(stages) = boot_breakdown(&series.boot_ms) {
                out.extend(figure(
                    "start-up",
                    format!("the last {unit} up, stage by stage"),
                    Unit::Ms,
                    &series
                        .boot_ms
                        .iter()
                        .map(|run| run.iter().sum())
                        .collect::<Vec<f64>>(),
                    Goal::Report,
                    stages,
                ));
            }
        }
        out
    }

    /// The browser's floor under a worker's start-up, then the page's own:
    /// navigation to ready, warm and cold.
    fn page_startup_figures(&self) -> Vec<Figure> {
        let cores = self.judged_workers();
        [
            figure(
                "start-up",
                format!("{cores} bare module workers: new Worker → the last one answers"),
                Unit::Ms,
                &self.bare_workers_ms,
                Goal::Report,
                "a script that only answers: the browser's floor under every start-up above".into(),
            ),
            figure(
                "start-up",
                format!("{cores} module workers that import the glue, then answer"),
                Unit::Ms,
                &self.glue_workers_ms,
                Goal::Report,
                "the floor under a worker that runs this module: it cannot be instantiated without the glue's imports".into(),
            ),
            figure(
                "start-up",
                "navigation → ready, warm (reload)".into(),
                Unit::Ms,
                &self.startup_warm_ms,
                Goal::AtMost(WARM_START_MS),
                with_stages("wasm compiled, pool up", &self.startup_warm_stages_ms),
            ),
            figure(
                "start-up",
                "navigation → ready, cold (fresh profile)".into(),
                Unit::Ms,
                &self.startup_cold_ms,
                Goal::AtMost(COLD_START_MS),
                with_stages(
                    "wasm compiled, pool up; the calibration follows ready",
                    &self.startup_cold_stages_ms,
                ),
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// What the page downloads: the module (judged, and gzipped), the JS
    /// glue and the code panels' texts.
    fn size_figures(&self) -> Vec<Figure> {
        let Some(sizes) = &self.sizes else {
            return Vec::new();
        };
        let kb = |b: u64| b as f64 / 1024.0;
        let gz = |b: Option<u64>| b.map_or(String::new(), |b| format!("{:.0} KB gzipped", kb(b)));
        [
            figure(
                "size",
                "wasm module (after bindgen and wasm-opt)".into(),
                Unit::Kb,
                &[kb(sizes.wasm_bytes)],
                Goal::AtMost(WASM_KB),
                gz(sizes.wasm_gzip_bytes),
            ),
            sizes.wasm_gzip_bytes.and_then(|gzipped| {
                figure(
                    "size",
                    "wasm module, gzipped (gzip -9)".into(),
                    Unit::Kb,
                    &[kb(gzipped)],
                    Goal::AtMost(WASM_GZIP_KB),
                    String::new(),
                )
            }),
            figure(
                "size",
                "JS glue".into(),
                Unit::Kb,
                &[kb(sizes.js_bytes)],
                Goal::Report,
                gz(sizes.js_gzip_bytes),
            ),
            sizes.listings_bytes.and_then(|listings| {
                figure(
                    "size",
                    "the code panels' texts (pkg/listings.json, fetched as the page starts)".into(),
                    Unit::Kb,
                    &[kb(listings)],
                    Goal::Report,
                    gz(sizes.listings_gzip_bytes),
                )
            }),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// A figure of these samples, not worst-case; `None` without samples.
fn figure(
    group: &'static str,
    label: String,
    unit: Unit,
    samples: &[f64],
    goal: Goal,
    detail: String,
) -> Option<Figure> {
    Some(Figure {
        group,
        label,
        unit,
        value: Summary::of(samples)?,
        goal,
        worst_case: false,
        detail,
    })
}

/// The samples' median in milliseconds, as a detail quotes it; `–` without
/// samples.
fn median_ms(samples: &[f64]) -> String {
    Summary::of(samples).map_or("–".into(), |s| Unit::Ms.format(s.median))
}

/// One kernel's figure: wasm against native Rust (the workload judged, the
/// labelled variant reported), or without a native run the wasm time alone.
fn kernel_figure(k: &Kernel) -> Option<Figure> {
    let workload = k.variant == "is_prime";
    let variant = if workload {
        String::new()
    } else {
        "a labelled variant: the same divisions, two a loop turn".into()
    };
    if k.native_ms.is_empty() {
        return figure(
            "kernel",
            format!("{}({}) in a page worker", k.variant, k.n),
            Unit::Ms,
            &k.wasm_ms,
            Goal::Report,
            if workload {
                "native reference: run ./x bench".into()
            } else {
                variant
            },
        );
    }
    figure(
        "kernel",
        format!("{}({}): wasm / native", k.variant, k.n),
        Unit::Ratio,
        &ratios(&k.wasm_ms, &k.native_ms),
        if workload {
            Goal::AtMost(KERNEL_LIMIT)
        } else {
            Goal::Report
        },
        format!(
            "wasm {}, native {}{}{variant}",
            median_ms(&k.wasm_ms),
            median_ms(&k.native_ms),
            if workload { "" } else { "; " }
        ),
    )
}

/// One number checked by CPython and by spinlab: reported (the expectation
/// is the fixture's).
fn cpython_kernel_figure(k: &Kernel) -> Option<Figure> {
    figure(
        "vs CPython",
        format!("is_prime({}): CPython / spinlab", k.n),
        Unit::Ratio,
        &ratios(&k.cpython_ms, &k.wasm_ms),
        // The expectation is the fixture's (above); one number is reported.
        Goal::Report,
        format!(
            "CPython {}, spinlab {}",
            median_ms(&k.cpython_ms),
            median_ms(&k.wasm_ms)
        ),
    )
}

/// Samples of samples (a run's costs, a run's stages) as a list of lists.
fn nested(runs: &[Vec<f64>]) -> Value {
    runs.iter()
        .map(|run| Value::from(run.clone()))
        .collect::<Vec<_>>()
        .into()
}

/// A pool run's total cut in four (medians over the runs): the start-up;
/// the best FIFO schedule of the run's *own* check costs (what the workers
/// computed, slowed by sharing the cores), with those costs against the
/// sequential run's; the time after the last check; and the rest (uneven
/// starts, queue waits, gaps between checks), signed.
fn run_breakdown(series: &PoolSeries, sequential_costs: &[f64]) -> String {
    let med = |v: &[f64]| Summary::of(v).map_or(f64::NAN, |s| s.median);
    let schedules: Vec<f64> = series
        .costs_ms
        .iter()
        .map(|run| fifo_schedule(run, series.workers))
        .collect();
    let sums: Vec<f64> = series.costs_ms.iter().map(|run| run.iter().sum()).collect();
    let sequential: f64 = sequential_costs.iter().sum();
    let startup = |i: usize| series.startup_ms.get(i).copied().unwrap_or(0.0);
    let tail = |i: usize| series.tail_ms.get(i).copied().unwrap_or(0.0);
    let rest: Vec<f64> = (0..series.total_ms.len())
        .map(|i| series.total_ms[i] - startup(i) - schedules[i] - tail(i))
        .collect();
    let inflation = if sequential > 0.0 {
        format!(", {:.2}× the sequential run's", med(&sums) / sequential)
    } else {
        String::new()
    };
    format!(
        "medians, ms: start-up {:.1} · its checks in FIFO order {:.1} (checks {:.0} in all{inflation}) · after the last check {:.1} · the rest {:+.1}",
        med(&series.startup_ms),
        med(&schedules),
        med(&sums),
        med(&series.tail_ms),
        med(&rest),
    )
}

/// The median of each start-up stage over the runs, named: `None` without
/// a run cut into every stage.
fn boot_breakdown(runs: &[Vec<f64>]) -> Option<String> {
    breakdown(runs, &crate::core::protocol::BOOT_STAGES)
}

/// `detail`, and the page's start-up stage by stage where it was measured.
fn with_stages(detail: &str, runs: &[Vec<f64>]) -> String {
    match breakdown(runs, &READY_STAGES) {
        Some(stages) => format!("{detail}; {stages}"),
        None => detail.to_string(),
    }
}

/// The median of each stage of `runs` (each run a value per stage).
fn breakdown(runs: &[Vec<f64>], stages: &[&str]) -> Option<String> {
    if runs.is_empty() || runs.iter().any(|run| run.len() != stages.len()) {
        return None;
    }
    let parts: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let column: Vec<f64> = runs.iter().map(|run| run[i]).collect();
            let median = Summary::of(&column).map_or(f64::NAN, |s| s.median);
            format!("{stage} {median:.1}")
        })
        .collect();
    Some(format!("medians, ms: {}", parts.join(" · ")))
}

impl From<&Measurements> for Value {
    /// The measurements as a report's value (numbers to check as decimal
    /// strings): every raw sample.
    fn from(m: &Measurements) -> Value {
        let kernels = m
            .kernels
            .iter()
            .map(|k| {
                Value::Obj(vec![
                    ("n", Value::decimal(k.n)),
                    ("variant", k.variant.as_str().into()),
                    ("wasmMs", k.wasm_ms.clone().into()),
                    ("nativeMs", k.native_ms.clone().into()),
                    ("cpythonMs", k.cpython_ms.clone().into()),
                ])
            })
            .collect::<Vec<_>>();
        let pools = m
            .pools
            .iter()
            .map(|p| {
                Value::Obj(vec![
                    ("mode", p.mode.as_str().into()),
                    ("workers", p.workers.into()),
                    ("totalMs", p.total_ms.clone().into()),
                    ("gapMs", p.gap_ms.clone().into()),
                    ("startupMs", p.startup_ms.clone().into()),
                    ("bootMs", nested(&p.boot_ms)),
                    ("costsMs", nested(&p.costs_ms)),
                    ("tailMs", p.tail_ms.clone().into()),
                ])
            })
            .collect::<Vec<_>>();
        let queues = m
            .queues
            .iter()
            .map(|q| {
                Value::Obj(vec![
                    ("via", q.via.as_str().into()),
                    ("shared", q.shared.into()),
                    ("jobs", q.jobs.into()),
                    ("usPerJob", q.us_per_job.clone().into()),
                ])
            })
            .collect::<Vec<_>>();
        let split = m.split.as_ref().map_or(Value::Null, |s| {
            Value::Obj(vec![
                ("n", Value::decimal(s.n)),
                ("parts", s.parts.into()),
                ("oneMs", s.one_ms.clone().into()),
                ("partsMs", s.parts_ms.clone().into()),
                ("nativeOneMs", s.native_one_ms.clone().into()),
                ("nativePartsMs", s.native_parts_ms.clone().into()),
            ])
        });
        let pitfall = m.pitfall.as_ref().map_or(Value::Null, |p| {
            Value::Obj(vec![
                ("n", Value::decimal(p.n)),
                ("computeMs", p.compute_ms.clone().into()),
                ("gapMs", p.gap_ms.clone().into()),
            ])
        });
        let sizes = m.sizes.as_ref().map_or(Value::Null, |s| {
            let bytes = |b: Option<u64>| b.map(|b| b as f64).into();
            Value::Obj(vec![
                ("wasmBytes", (s.wasm_bytes as f64).into()),
                ("wasmGzipBytes", bytes(s.wasm_gzip_bytes)),
                ("jsBytes", (s.js_bytes as f64).into()),
                ("jsGzipBytes", bytes(s.js_gzip_bytes)),
                ("listingsBytes", bytes(s.listings_bytes)),
                ("listingsGzipBytes", bytes(s.listings_gzip_bytes)),
            ])
        });
        Value::Obj(vec![
            ("runs", m.runs.into()),
            ("cores", m.cores.into()),
            ("kernels", kernels.into()),
            ("sequentialMs", m.sequential_ms.clone().into()),
            ("sequentialCostsMs", nested(&m.sequential_costs_ms)),
            ("cpythonFixtureMs", m.cpython_fixture_ms.clone().into()),
            ("pools", pools.into()),
            ("queues", queues.into()),
            ("split", split),
            ("pitfall", pitfall),
            ("startupColdMs", m.startup_cold_ms.clone().into()),
            ("startupWarmMs", m.startup_warm_ms.clone().into()),
            (
                "startupColdStagesMs",
                m.startup_cold_stages_ms.clone().into(),
            ),
            (
                "startupWarmStagesMs",
                m.startup_warm_stages_ms.clone().into(),
            ),
            ("bareWorkersMs", m.bare_workers_ms.clone().into()),
            ("glueWorkersMs", m.glue_workers_ms.clone().into()),
            ("sizes", sizes),
        ])
    }
}
