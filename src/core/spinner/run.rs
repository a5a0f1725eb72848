//! One spinner run as plain data, in the shape every run takes: the
//! [`Plan`] read from the request, what the engine [`Measured`], and the
//! [`Conclusion`] built from both (the transcript's last lines, the
//! statistics, the verdict and the report), which the page renders. Pure.

use super::{Model, NapVia, Offload, SlowKind, answer_line, frames_expected};
use crate::core::bench::Summary;
use crate::core::report::{GilReport, Lines, SpinnerReport};

/// What `slow()` does.
#[derive(Clone, Copy, Debug)]
pub enum Slow {
    /// The book's `time.sleep(3)` / `asyncio.sleep(3)`.
    Sleep,
    /// `time.sleep(3)` everywhere (the book's `spinner_async_experiment.py`):
    /// in a coroutine on the page's event loop, the main thread is held for
    /// 3 s, on purpose; elsewhere the same as [`Slow::Sleep`].
    BlockingSleep,
    /// The book's `is_prime(n)`; `nap` only matters to the napping coroutine.
    Prime { n: u64, nap: NapPlan },
}

/// How the napping coroutine naps: after `every` divisions, via `via`.
#[derive(Clone, Copy, Debug)]
pub struct NapPlan {
    pub every: u64,
    pub via: NapVia,
}

/// What a supervisor measured.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// `is_prime`'s answer; `None` when `slow()` slept.
    pub prime: Option<bool>,
    /// How long `slow()` took.
    pub elapsed_ms: f64,
    /// Frames the spinner drew while `slow()` ran.
    pub frames: u32,
    /// How long the spinner's thread or process took to start.
    pub startup_ms: Option<f64>,
    /// Naps taken by the napping coroutine.
    pub naps: u32,
    /// Time spent dividing, naps excluded (napping coroutine only).
    pub compute_ms: Option<f64>,
    /// Under the simulated GIL (`thread-gil`): how the turns went.
    pub gil: Option<GilTurns>,
}

/// The Thread + GIL spinner's turns, as measured.
#[derive(Clone, Debug, Default)]
pub struct GilTurns {
    /// Times the thread running `slow()` was made to hand the GIL over.
    pub handovers: u64,
    /// For each frame after the first: how late it was drawn against its
    /// schedule (the previous frame + 100 ms), in ms.
    pub lateness_ms: Vec<f64>,
    pub interval_ms: f64,
}

impl Slow {
    pub fn kind(self) -> SlowKind {
        match self {
            Slow::Sleep => SlowKind::Sleep,
            Slow::BlockingSleep => SlowKind::BlockingSleep,
            Slow::Prime { .. } => SlowKind::Prime,
        }
    }

    /// The number `is_prime` checks, if it does.
    pub fn n(self) -> Option<u64> {
        match self {
            Slow::Prime { n, .. } => Some(n),
            _ => None,
        }
    }
}

/// What one run will do, read and checked from its request.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub model: Model,
    pub slow: Slow,
    pub offload: Offload,
    pub switch_interval_ms: f64,
}

/// What the engine measured in one run.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub outcome: Outcome,
    /// The main thread's longest gap between two tasks during the run.
    pub gap_ms: f64,
    /// Samples the monitor thread took during the run.
    pub monitor_ticks: u32,
    /// A nested 0 ms timer's delay here (the clamp), if measured.
    pub nested_timer_ms: Option<f64>,
}

/// A statistic: its key (`data-stat`), its label, its value.
pub type Stat = (&'static str, &'static str, String);

/// What a run concluded, ready to render.
#[derive(Clone, Debug)]
pub struct Conclusion {
    /// The transcript's lines after the run (the answer, then notes).
    pub lines: Vec<String>,
    pub stats: Vec<Stat>,
    /// The run's lesson, from its measurements.
    pub verdict: String,
    /// What the main thread did in the book's program, and here.
    pub main_thread: String,
    /// Frames drawn against those expected, 0 to 1 (the evidence's bar).
    pub frames_share: f64,
    /// Seconds the main thread went without a task, when that froze the run.
    pub frozen_secs: Option<f64>,
    pub report: SpinnerReport,
}

impl Plan {
    /// The run's first note: what `slow()` does in this model, and where.
    pub fn what_runs(&self) -> String {
        let (model, slow_kind) = (self.model, self.slow.kind());
        let what = match self.slow {
            Slow::Sleep => "slow() sleeps 3 s".to_string(),
            Slow::BlockingSleep if slow_kind.blocks_the_loop(model) => {
                "slow() calls time.sleep(3), which blocks: the page's main thread is held for 3 s, \
                 on purpose"
                    .to_string()
            }
            Slow::BlockingSleep => {
                "slow() calls time.sleep(3) (as the book's sleep does in this model)".to_string()
            }
            Slow::Prime { n, nap } => match model {
                Model::CoroutineNap => format!(
                    "slow() is is_prime({n}), napping every {} divisions via {}",
                    nap.every,
                    via_name(nap.via)
                ),
                Model::CoroutineOffload => {
                    format!("slow() is is_prime({n}) on {}", offload_name(self.offload))
                }
                _ => format!("slow() is is_prime({n})"),
            },
        };
        match (model, self.slow.n()) {
            (Model::CoroutineOffload, None) => format!("{what} on {}", offload_name(self.offload)),
            (Model::ThreadGil, _) => format!(
                "{what}, under a simulated GIL (switch interval {} ms)",
                self.switch_interval_ms
            ),
            _ => what,
        }
    }

    /// What to watch while it runs.
    pub fn watch_for(&self) -> &'static str {
        let (model, slow) = (self.model, self.slow.kind());
        if slow == SlowKind::BlockingSleep && slow.blocks_the_loop(model) {
            return "time.sleep(3) never awaits: it holds the event loop for 3 s, exactly as is_prime does, \
                    because to the loop a call that blocks and a call that computes are alike: neither \
                    gives it a turn. The spinner task never even starts. Watch the monitor.";
        }
        match (model, slow == SlowKind::Prime) {
            (Model::Thread, true) => {
                "The main thread is computing is_prime and is blocked: buttons and painting wait. The spinner thread draws on its own canvas and keeps turning."
            }
            (Model::ThreadGil, true) => {
                "slow() divides on a thread holding a simulated GIL; the spinner thread needs the GIL for every frame: it waits up to the switch interval, asks for it, draws, and lets it go. Watch it keep turning, a little late."
            }
            (Model::ThreadGil, false) => {
                "slow() sleeps, which releases the GIL; the spinner thread takes it for each frame without waiting."
            }
            (Model::Process, true) => {
                "The main thread is computing is_prime and is blocked. The spinner lives in another process (its own wasm instance and memory) and keeps turning."
            }
            (Model::Coroutine, true) => {
                "The coroutine calls is_prime without awaiting anything: the event loop is frozen. The spinner cannot turn; the page cannot respond. Watch the monitor."
            }
            (Model::CoroutineNap, true) => {
                "is_prime naps every few milliseconds, giving the event loop a turn: the spinner turns, and the check takes longer."
            }
            (Model::CoroutineOffload, true) => {
                "slow() awaits is_prime on another thread or process: the event loop is free, the spinner turns, the check runs at full speed."
            }
            (Model::Thread | Model::Process, false) => {
                "slow() sleeps; the spinner turns in its own worker."
            }
            _ => "slow() awaits a 3 s sleep; the spinner coroutine runs during the waits.",
        }
    }

    /// What the main thread did in the book's program, and what the page's
    /// did here: the same shape, or where and why it differs.
    pub fn main_thread(&self, gap_ms: f64) -> String {
        let gap = format_gap(gap_ms);
        let unit = if self.model == Model::Process {
            "process"
        } else {
            "thread"
        };
        let blocks = self.slow.kind().blocks_the_loop(self.model);
        match (self.model, self.slow) {
            (Model::Thread | Model::Process, Slow::Prime { .. }) => format!(
                "Main thread: in the book it runs is_prime while the spinner {unit} draws; here too: \
                 the page's main thread went {gap} without a task, and the spinner {unit} drew on its own."
            ),
            (Model::Thread | Model::Process, _) => format!(
                "Main thread: in the book it sleeps in time.sleep(3); here it awaits a 3 s timer instead \
                 (a page's main thread may not block in a sleep), so it stayed free: longest gap {gap}."
            ),
            (Model::ThreadGil, _) => format!(
                "Main thread: in the book it runs slow() and hands the GIL to the spinner thread; here \
                 slow() runs on a pool thread under the simulated GIL, because a page's main thread may \
                 not wait for a lock. So the page stayed free (longest gap {gap}), which the book's \
                 main thread would not have been: the spinner's lateness is the GIL's evidence here."
            ),
            // is_prime in the plain coroutine; time.sleep(3) in either.
            (Model::Coroutine | Model::CoroutineNap, _) if blocks => {
                format!(
                    "Main thread: in the book it runs the event loop, which runs slow() and nothing else \
                 until it returns; here that loop is the page's: it went {gap} without a task, so the \
                 spinner and the page froze."
                )
            }
            (Model::CoroutineNap, Slow::Prime { .. }) => format!(
                "Main thread: in the book's stop-gap the loop runs slow(), which awaits a short sleep now \
                 and then; here too: between naps the loop ran spin() (longest gap {gap})."
            ),
            (Model::CoroutineOffload, _) => format!(
                "Main thread: in the book the loop awaits slow() on {}; here too: the page's loop only \
                 awaited (longest gap {gap}).",
                match self.offload {
                    Offload::Thread => "a thread",
                    Offload::Process => "a process",
                }
            ),
            _ => format!(
                "Main thread: in the book and here it runs the event loop, which runs spin() while \
                 slow() awaits its sleep (longest gap {gap})."
            ),
        }
    }
}

impl Conclusion {
    /// The run in one line, for a small result: frames, then the main thread.
    pub fn short(&self) -> String {
        let r = &self.report;
        let frames = format!(
            "{} frames in {:.1} s",
            r.spinner_frames,
            r.elapsed_ms / 1000.0
        );
        match self.frozen_secs {
            Some(_) if self.frames_share < 0.5 => format!("{frames}: frozen with the page"),
            Some(_) => format!("{frames}, turning while the page was held"),
            None => format!(
                "{frames}; the page's longest wait {}",
                format_gap(r.main_thread_max_gap_ms)
            ),
        }
    }
}

/// The introduction's lesson, from its two runs: why one spinner turned
/// and the other did not.
pub fn first_lesson(thread: &Conclusion, coroutine: &Conclusion) -> String {
    if coroutine.frames_share < 0.5 && thread.frames_share >= 0.5 {
        "Why: the coroutine's spinner needs the event loop, and is_prime runs on that same \
         thread without ever awaiting; the thread's spinner has a thread of its own."
            .to_string()
    } else {
        format!(
            "Not what the book expects: the thread's spinner drew {} frames, the coroutine's {}.",
            thread.report.spinner_frames, coroutine.report.spinner_frames
        )
    }
}

/// A gap as a learner reads it: `3.0 s` or `16 ms`.
pub fn format_gap(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

/// A run froze when the main thread's longest gap covered most of it.
pub fn froze(elapsed_ms: f64, gap_ms: f64) -> bool {
    gap_ms >= 0.8 * elapsed_ms && elapsed_ms >= 200.0
}

/// Builds what a run concluded from its plan, the transcript written
/// before it ran (`head`) and what it measured.
pub fn conclude(plan: &Plan, head: &[String], measured: &Measured) -> Conclusion {
    let outcome = &measured.outcome;
    let gap_ms = measured.gap_ms;
    let expected = frames_expected(outcome.elapsed_ms);
    let lines = after_lines(plan, measured, expected);
    let frozen = froze(outcome.elapsed_ms, gap_ms);
    let mut transcript = head.to_vec();
    transcript.extend(lines.iter().cloned());
    let late = outcome
        .gil
        .as_ref()
        .and_then(|g| Summary::of(&g.lateness_ms));
    Conclusion {
        stats: stats(outcome, expected, gap_ms),
        verdict: verdict(plan, outcome, expected, gap_ms, frozen),
        main_thread: plan.main_thread(gap_ms),
        frames_share: (f64::from(outcome.frames) / expected.max(1.0)).min(1.0),
        frozen_secs: frozen.then_some(gap_ms / 1000.0),
        report: SpinnerReport {
            model: plan.model.key(),
            slow: plan.slow.kind().key(),
            n: plan.slow.n(),
            prime: outcome.prime,
            elapsed_ms: outcome.elapsed_ms,
            spinner_frames: outcome.frames,
            spinner_frames_expected: expected,
            main_thread_max_gap_ms: gap_ms,
            naps: outcome.naps,
            compute_ms: outcome.compute_ms,
            startup_ms: outcome.startup_ms,
            nap: match plan.slow {
                Slow::Prime { nap, .. } if plan.model == Model::CoroutineNap => {
                    Some((nap.every, nap.via.key()))
                }
                _ => None,
            },
            offload: (plan.model == Model::CoroutineOffload).then_some(plan.offload.key()),
            monitor_ticks: measured.monitor_ticks,
            gil: outcome.gil.as_ref().map(|g| GilReport {
                handovers: g.handovers,
                lateness_median_ms: late.map_or(0.0, |l| l.median),
                lateness_max_ms: late.map_or(0.0, |l| l.max),
                switch_interval_ms: g.interval_ms,
            }),
            lines: Lines::of(&transcript),
        },
        lines,
    }
}

/// The transcript's lines once the run is over: the answer, then notes.
fn after_lines(plan: &Plan, measured: &Measured, expected: f64) -> Vec<String> {
    let outcome = &measured.outcome;
    let mut lines = vec![answer_line(plan.slow.n().zip(outcome.prime))];
    lines.push(format!(
        "# slow() took {:.2} s; the spinner drew {} of {:.0} frames; the main thread's longest gap was {:.0} ms",
        outcome.elapsed_ms / 1000.0,
        outcome.frames,
        expected,
        measured.gap_ms
    ));
    if let Some(ms) = outcome.startup_ms {
        let unit = if plan.model == Model::Process {
            "process (a fresh wasm instance and memory)"
        } else {
            "thread"
        };
        lines.push(format!("# the spinner's {unit} took {ms:.0} ms to start"));
    }
    if let (Some(compute), Slow::Prime { nap, .. }) = (outcome.compute_ms, plan.slow) {
        let napping = outcome.elapsed_ms - compute;
        let a_nap = napping / f64::from(outcome.naps.max(1));
        lines.push(format!(
            "# {} naps via {}: {compute:.0} ms dividing + {napping:.0} ms napping ({:.0}% overhead, {a_nap:.3} ms a nap)",
            outcome.naps,
            via_name(nap.via),
            100.0 * napping / compute.max(1e-9),
        ));
        if let (NapVia::Timeout, Some(clamp)) = (nap.via, measured.nested_timer_ms) {
            lines.push(timer_nesting_note(a_nap, clamp));
        }
    }
    if let Some(gil) = &outcome.gil {
        lines.extend(gil_notes(gil));
    }
    lines
}

fn stats(outcome: &Outcome, expected: f64, gap_ms: f64) -> Vec<Stat> {
    let mut stats = vec![
        (
            "elapsed",
            "slow() took",
            format!("{:.2} s", outcome.elapsed_ms / 1000.0),
        ),
        (
            "frames",
            "spinner frames",
            format!("{} of {expected:.0} expected", outcome.frames),
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
        let napping = outcome.elapsed_ms - compute;
        let naps = format!(
            "{} ({napping:.0} ms of {compute:.0} ms dividing)",
            outcome.naps
        );
        stats.push(("naps", "naps", naps));
    }
    if let Some(gil) = &outcome.gil {
        let late = Summary::of(&gil.lateness_ms).map_or("no frame late".into(), |l| {
            format!("median {:.1} ms, max {:.1} ms", l.median, l.max)
        });
        let handovers = format!("{} (interval {} ms)", gil.handovers, gil.interval_ms);
        stats.push(("gil", "GIL handovers", handovers));
        stats.push(("lateness", "frame lateness", late));
    }
    stats
}

/// What the Thread + GIL run shows, in the book's words, and what is
/// simulated.
fn gil_notes(gil: &GilTurns) -> Vec<String> {
    let late = Summary::of(&gil.lateness_ms);
    vec![
        format!(
            "# the GIL changed hands {} times at the switch interval ({} ms); the spinner's frames were late by {}",
            gil.handovers,
            gil.interval_ms,
            late.map_or("nothing".into(), |l| format!(
                "{:.1} ms (median), {:.1} ms at most",
                l.median, l.max
            ))
        ),
        "# the book's answer 2A: the spinner keeps spinning because the interpreter hands the GIL over \
         every switch interval: slow() is suspended, the spinner thread wakes from done.wait(.1), draws \
         one frame, goes back to waiting (releasing the GIL), and slow() goes on"
            .to_string(),
        "# simulated: the GIL (a lock in shared memory that the thread holding it gives up when another \
         has waited a switch interval, as CPython's eval loop does); measured: the handovers, the \
         lateness and the times"
            .to_string(),
    ]
}

/// What the offload is here, and what it would be in CPython.
pub fn offload_note(offload: Offload) -> &'static str {
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

/// What the naps' cost says about nesting, measured, not assumed: whether a
/// nap of plain `setTimeout(0)` paid the clamp a nested 0 ms timer pays here.
fn timer_nesting_note(ms_a_nap: f64, clamp: f64) -> String {
    if clamp > 1.0 && ms_a_nap >= 0.75 * clamp {
        format!(
            "# each nap cost {ms_a_nap:.2} ms, about the clamp a nested 0 ms timer pays here ({clamp:.1} ms): \
             in this browser the awaits resume inside the timer's own task, so these timers nest \
             (the default nap, via a timer then a message, resumes in a fresh task and avoids it)"
        )
    } else {
        format!(
            "# each nap cost {ms_a_nap:.2} ms, well under the clamp a nested 0 ms timer pays here ({clamp:.1} ms): \
             each await resumed in a fresh task, so these timers did not nest"
        )
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
        NapVia::Yield => {
            "a 0 ms timer, then a message to the page itself (due timers run first; the timers never nest, so no clamp)"
        }
        NapVia::Timeout => "setTimeout(0)",
    }
}

/// The run's lesson, from its measurements.
fn verdict(plan: &Plan, outcome: &Outcome, expected: f64, gap_ms: f64, frozen: bool) -> String {
    let share = f64::from(outcome.frames) / expected.max(1.0);
    let why = if plan.slow.kind() == SlowKind::BlockingSleep {
        "time.sleep(3) froze it as is_prime does: a call that blocks without awaiting and a \
         computation look the same to the event loop, and neither lets it run anything else."
    } else {
        "A blocking call in a coroutine blocks the whole event loop."
    };
    match (plan.model, frozen) {
        (Model::Coroutine | Model::CoroutineNap, true) => format!(
            "Frozen: the spinner drew {} frames and the main thread went {:.1} s without running a task. {why}",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(model: Model, slow: Slow) -> Plan {
        Plan {
            model,
            slow,
            offload: Offload::Thread,
            switch_interval_ms: 5.0,
        }
    }

    fn prime() -> Slow {
        Slow::Prime {
            n: 5_000_111_000_222_021,
            nap: NapPlan {
                every: 50_000,
                via: NapVia::Yield,
            },
        }
    }

    fn measured(elapsed_ms: f64, frames: u32, gap_ms: f64) -> Measured {
        Measured {
            outcome: Outcome {
                prime: Some(true),
                elapsed_ms,
                frames,
                ..Outcome::default()
            },
            gap_ms,
            monitor_ticks: 90,
            nested_timer_ms: None,
        }
    }

    #[test]
    fn a_coroutine_that_blocks_the_loop_is_frozen_and_says_for_how_long() {
        let head = vec!["# coroutine: slow() is is_prime(5000111000222021)".to_string()];
        let c = conclude(
            &plan(Model::Coroutine, prime()),
            &head,
            &measured(3_000.0, 0, 3_010.0),
        );
        assert_eq!(c.frozen_secs, Some(3.01));
        assert_eq!(c.frames_share, 0.0);
        assert!(
            c.verdict.starts_with("Frozen: the spinner drew 0 frames"),
            "{}",
            c.verdict
        );
        assert!(
            c.main_thread.contains("went 3.0 s without a task"),
            "{}",
            c.main_thread
        );
        assert_eq!(c.lines[0], "5,000,111,000,222,021 is prime");
        assert_eq!(
            c.report.lines.notes[0],
            "coroutine: slow() is is_prime(5000111000222021)"
        );
        assert_eq!(
            c.report.lines.transcript,
            vec!["5,000,111,000,222,021 is prime".to_string()]
        );
        assert_eq!(c.report.main_thread_max_gap_ms, 3_010.0);
        assert_eq!(c.report.slow, "prime");
    }

    #[test]
    fn a_thread_draws_while_the_main_thread_computes() {
        let c = conclude(
            &plan(Model::Thread, prime()),
            &[],
            &measured(3_000.0, 29, 2_990.0),
        );
        assert!((c.frames_share - 29.0 / 30.0).abs() < 1e-12);
        assert_eq!(
            c.frozen_secs,
            Some(2.99),
            "the main thread was frozen, the spinner was not"
        );
        assert!(
            c.verdict
                .starts_with("The spinner drew 97% of its frames while"),
            "{}",
            c.verdict
        );
        assert!(
            c.main_thread.contains("the spinner thread drew on its own"),
            "{}",
            c.main_thread
        );
        assert_eq!(
            c.stats[1],
            ("frames", "spinner frames", "29 of 30 expected".to_string())
        );
    }

    #[test]
    fn thread_gil_says_where_the_page_differs_from_the_book() {
        let mut m = measured(3_000.0, 30, 20.0);
        m.outcome.gil = Some(GilTurns {
            handovers: 30,
            lateness_ms: vec![1.0, 3.0, 5.0],
            interval_ms: 5.0,
        });
        let c = conclude(&plan(Model::ThreadGil, prime()), &[], &m);
        assert_eq!(c.frozen_secs, None);
        assert!(
            c.main_thread.contains("slow() runs on a pool thread"),
            "{}",
            c.main_thread
        );
        assert!(
            c.main_thread.contains("longest gap 20 ms"),
            "{}",
            c.main_thread
        );
        let gil = c.report.gil.expect("a GIL report");
        assert_eq!(
            (gil.handovers, gil.lateness_median_ms, gil.lateness_max_ms),
            (30, 3.0, 5.0)
        );
        assert_eq!(
            c.stats.iter().map(|s| s.0).collect::<Vec<_>>(),
            ["elapsed", "frames", "gap", "gil", "lateness"]
        );
    }

    #[test]
    fn the_frames_bar_is_capped_at_full() {
        let c = conclude(
            &plan(Model::Process, Slow::Sleep),
            &[],
            &measured(3_000.0, 31, 17.0),
        );
        assert_eq!(c.frames_share, 1.0);
        assert_eq!(c.report.n, None);
        assert_eq!(c.lines[0], "Answer: 42");
        assert!(
            c.main_thread.contains("awaits a 3 s timer"),
            "{}",
            c.main_thread
        );
    }

    #[test]
    fn the_napping_coroutine_reports_its_nap_and_the_offload_its_unit() {
        let mut m = measured(3_300.0, 31, 12.0);
        m.outcome.naps = 600;
        m.outcome.compute_ms = Some(3_000.0);
        let nap = conclude(&plan(Model::CoroutineNap, prime()), &[], &m);
        assert_eq!(nap.report.nap, Some((50_000, "yield")));
        assert!(
            nap.lines[2].starts_with("# 600 naps via a 0 ms timer"),
            "{}",
            nap.lines[2]
        );
        let offload = conclude(
            &plan(Model::CoroutineOffload, prime()),
            &[],
            &measured(3_000.0, 30, 15.0),
        );
        assert_eq!(
            (offload.report.offload, offload.report.nap),
            (Some("thread"), None)
        );
        assert!(
            offload.main_thread.contains("on a thread"),
            "{}",
            offload.main_thread
        );
    }

    #[test]
    fn the_introduction_says_which_spinner_froze_and_why() {
        let thread = conclude(
            &plan(Model::Thread, prime()),
            &[],
            &measured(3_000.0, 29, 2_990.0),
        );
        let coroutine = conclude(
            &plan(Model::Coroutine, prime()),
            &[],
            &measured(3_000.0, 0, 3_010.0),
        );
        assert_eq!(
            thread.short(),
            "29 frames in 3.0 s, turning while the page was held"
        );
        assert_eq!(coroutine.short(), "0 frames in 3.0 s: frozen with the page");
        let lesson = first_lesson(&thread, &coroutine);
        assert!(
            lesson.starts_with("Why: the coroutine's spinner needs the event loop"),
            "{lesson}"
        );
        // A coroutine that did turn is not explained as frozen.
        let turned = conclude(
            &plan(Model::Coroutine, prime()),
            &[],
            &measured(3_000.0, 30, 16.0),
        );
        assert_eq!(
            first_lesson(&thread, &turned),
            "Not what the book expects: the thread's spinner drew 29 frames, the coroutine's 30."
        );
        assert_eq!(
            turned.short(),
            "30 frames in 3.0 s; the page's longest wait 16 ms"
        );
    }

    #[test]
    fn a_blocking_sleep_freezes_the_napping_coroutine_too_and_the_line_says_so() {
        let frozen = plan(Model::CoroutineNap, Slow::BlockingSleep).main_thread(3_000.0);
        assert!(frozen.contains("went 3.0 s without a task"), "{frozen}");
        let napping = plan(Model::CoroutineNap, prime()).main_thread(12.0);
        assert!(
            napping.contains("between naps the loop ran spin()"),
            "{napping}"
        );
        let awaiting = plan(Model::Coroutine, Slow::Sleep).main_thread(16.0);
        assert!(
            awaiting.contains("while slow() awaits its sleep"),
            "{awaiting}"
        );
    }

    #[test]
    fn gaps_read_in_ms_then_seconds() {
        assert_eq!(format_gap(16.4), "16 ms");
        assert_eq!(format_gap(2_640.0), "2.6 s");
        assert!(froze(3_000.0, 2_400.0) && !froze(3_000.0, 2_399.0) && !froze(150.0, 150.0));
    }
}
