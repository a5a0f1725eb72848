//! One pool run, pure: the lines that open its transcript, the line each
//! message adds, and its ending (the last lines, what the page says, the
//! report), from what the engine measured. The page's run
//! (`ui::pool_lab::run`) reads the request, runs the engine and renders
//! what these return.

use crate::core::primes::{PrimeResult, speed_share};
use crate::core::protocol::{Design, JobKind, Message, Mode, StopPolicy};
use crate::core::report::{Lines, PoolReport, PoolResult};
use crate::core::runlog::{EarlyLoop, RunEnd, RunLog, io_lines};

/// One checked number as the page keeps it (times relative to the run's start).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    pub result: PrimeResult,
    pub worker: usize,
    pub start_ms: f64,
    pub end_ms: f64,
}

/// What a run was asked, as far as its lines go.
#[derive(Clone, Copy, Debug)]
pub struct Asked {
    pub mode: Mode,
    pub workers: usize,
    pub count: usize,
    pub design: Design,
    pub race_delay_ms: u32,
    pub kind: JobKind,
    /// `threads-gil`'s switch interval, in ms.
    pub switch_interval_ms: f64,
}

impl Asked {
    pub fn racy(&self) -> bool {
        self.design == Design::EarlyRace
    }

    pub fn per_job(&self) -> bool {
        self.design == Design::PerJob
    }
}

/// The transcript's first lines: the title shown above them (not Python's
/// output, so not in the report), then Python's header and the page's notes
/// on the design and on a number too slow to check.
pub fn opening(asked: &Asked, slow_note: Option<String>) -> (String, Vec<String>) {
    let title = format!("# {}: {} workers", asked.mode.key(), asked.workers);
    let mut lines = vec![asked.mode.header(asked.count, asked.workers)];
    if asked.racy() {
        lines.push(format!(
            "# the early procs.py: the same workers and pills; its report loop breaks as soon as \
             the job queue is empty{}",
            if asked.race_delay_ms > 0 {
                format!(
                    ", after a pause of {} ms before each look (the reader's sleep(1), scaled)",
                    asked.race_delay_ms
                )
            } else {
                String::new()
            }
        ));
    }
    if asked.per_job() {
        lines.push(format!(
            "# one new {} per number, the design the chapter argues against: each takes its \
             number from the queue, checks it and ends, so every number pays a start-up \
             (the pool of the book starts a few workers once, and they loop)",
            if asked.mode == Mode::Processes {
                "process"
            } else {
                "thread"
            }
        ));
    }
    if let Some(note) = slow_note {
        lines.push(format!("# note: {note}"));
    }
    (title, lines)
}

/// The transcript's line for a message, if it has one: Python's row for a
/// result; the page's notes for a cancelled number or a failed worker.
pub fn message_line(mode: Mode, message: &Message) -> Option<String> {
    match message {
        Message::Result { result, .. } => Some(mode.row(result)),
        // Not something Python's program prints: the page's note.
        Message::Cancelled { n, worker } => {
            Some(format!("# {n} cancelled (worker {})", worker + 1))
        }
        Message::Failed { worker, reason } => {
            Some(format!("# worker {} failed: {reason}", worker + 1))
        }
        Message::Started { .. } | Message::Done { .. } => None,
    }
}

/// The early loop's line when it stops listening.
pub const EARLY_LOOP_STOPPED: &str =
    "# the racy report loop saw the job queue empty and stopped listening";

/// What the engine measured by the run's end.
#[derive(Debug)]
pub struct Ended<'a> {
    pub numbers: &'a [u64],
    pub rows: &'a [Row],
    /// Each worker's start-up (ms from the run's start), if it came up.
    pub started: &'a [Option<f64>],
    pub cancelled: &'a [u64],
    pub never_started: &'a [u64],
    pub stopped: Option<StopPolicy>,
    /// Every result the workers put (the report's `checked`).
    pub results: usize,
    pub started_at_ms: f64,
    pub total_ms: f64,
    /// When the early loop broke, if it did, and the results it missed.
    pub early_break: Option<(f64, &'a [u64])>,
    /// How many workers the run had, and the machine's cores.
    pub lanes: usize,
    pub cores: usize,
    pub main_thread_gap_ms: f64,
    pub gil_handovers: Option<u64>,
    /// The calibrated division rate, if there is one.
    pub divisions_per_sec: Option<f64>,
}

/// The run concluded: its last lines, what the page says, its report.
#[derive(Debug)]
pub struct Conclusion {
    pub lines: Vec<String>,
    pub summary: String,
    pub report: PoolReport,
}

/// Concludes a run: `transcript` is what it printed so far.
pub fn conclude(asked: &Asked, ended: &Ended, mut transcript: Vec<String>) -> Conclusion {
    let read: Vec<u64> = ended.rows.iter().map(|r| r.result.n).collect();
    let log = RunLog::of(&RunEnd {
        mode: asked.mode,
        numbers: ended.numbers,
        read: &read,
        cancelled: ended.cancelled,
        never_started: ended.never_started,
        stopped: ended.stopped,
        results: ended.results,
        started_at_ms: ended.started_at_ms,
        total_ms: ended.total_ms,
        early_loop: asked.racy().then_some(match ended.early_break {
            Some((at_ms, late)) => EarlyLoop::Broke { at_ms, late },
            None => EarlyLoop::NeverBroke,
        }),
    });
    let mut lines = vec![log.footer];
    lines.extend(log.notes);
    let (io_latency_ms, io_notes) = io_notes(asked, ended);
    lines.extend(io_notes);
    lines.extend(speed_note(asked, ended));
    let startup_ms = ended
        .started
        .iter()
        .flatten()
        .fold(0.0f64, |a, &b| a.max(b));
    lines.push(format!(
        "# workers were up after {startup_ms:.0} ms; the main thread's longest gap meanwhile: {:.0} ms",
        ended.main_thread_gap_ms
    ));
    transcript.extend(lines.iter().cloned());
    let report = PoolReport {
        mode: asked.mode.key(),
        workers: ended.lanes,
        checked: log.checked,
        total_ms: ended.total_ms,
        startup_ms,
        main_thread_max_gap_ms: ended.main_thread_gap_ms,
        stopped: ended.stopped.map(|p| p.key()),
        results: ended.rows.iter().map(pool_result).collect(),
        cancelled: ended.cancelled.to_vec(),
        lost: log.lost,
        race: asked.racy(),
        per_job: asked.per_job(),
        lost_to_race: ended
            .early_break
            .map_or_else(Vec::new, |(_, late)| late.to_vec()),
        not_started: log.not_started,
        gil_handovers: ended.gil_handovers,
        io_latency_ms,
        lines: Lines::of(&transcript),
    };
    Conclusion {
        lines,
        summary: summary(asked, ended),
        report,
    }
}

/// An I/O workload's latency and its lines.
fn io_notes(asked: &Asked, ended: &Ended) -> (Option<(f64, f64)>, Vec<String>) {
    let waits: Vec<(usize, f64)> = ended
        .rows
        .iter()
        .filter(|row| asked.kind.waits(row.worker))
        .map(|row| (row.worker, row.result.elapsed * 1000.0))
        .collect();
    let interval_ms = (asked.mode == Mode::ThreadsGil).then_some(asked.switch_interval_ms);
    io_lines(asked.kind, interval_ms, &waits, ended.lanes, ended.total_ms)
}

/// Why the numbers took longer than their divisions, where they did: more
/// workers than cores, or an engine that ran them unoptimised.
fn speed_note(asked: &Asked, ended: &Ended) -> Option<String> {
    if asked.per_job() && ended.lanes > ended.cores {
        // Not a slow engine: more workers than cores take turns.
        return Some(format!(
            "# note: {} workers took turns on {} cores, so each number's elapsed time \
             counts the turns its worker waited as well as its own divisions",
            ended.lanes, ended.cores
        ));
    }
    slow_run_note(ended.rows, ended.divisions_per_sec?)
}

/// A run whose primes were checked at under half the calibrated division
/// rate gets a line saying so. Measured in Chromium: a fresh process now and
/// then runs its checking loop unoptimised (V8's baseline tier) for a whole
/// run, 4-5× slower; a learner should not take that for the cost of
/// processes. See docs/platform-truths.md.
fn slow_run_note(rows: &[Row], divisions_per_sec: f64) -> Option<String> {
    let primes: Vec<(u64, f64)> = rows
        .iter()
        .filter(|r| r.result.prime)
        .map(|r| (r.result.n, r.result.elapsed))
        .collect();
    let share = speed_share(&primes, divisions_per_sec)?;
    (share < 0.5).then(|| {
        format!(
            "# note: the primes here were checked at {:.0}% of this machine's calibrated speed: the wasm engine ran \
             unoptimised code in these workers (it happens to a fresh process now and then; run again)",
            share * 100.0
        )
    })
}

/// What the page says once the run is over.
fn summary(asked: &Asked, ended: &Ended) -> String {
    match ended.stopped {
        None => format!(
            "{} checks in {:.2} s with {} {}.",
            ended.results,
            ended.total_ms / 1000.0,
            ended.lanes,
            asked.mode.key()
        ),
        Some(policy) => format!(
            "Stopped by {}: {} of {} numbers checked.",
            policy.key(),
            ended.results,
            ended.numbers.len()
        ),
    }
}

fn pool_result(row: &Row) -> PoolResult {
    PoolResult {
        n: row.result.n,
        prime: row.result.prime,
        elapsed_ms: row.result.elapsed * 1000.0,
        worker: row.worker + 1,
        start_ms: row.start_ms,
        end_ms: row.end_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(mode: Mode, design: Design) -> Asked {
        Asked {
            mode,
            workers: 2,
            count: 3,
            design,
            race_delay_ms: 0,
            kind: JobKind::Cpu,
            switch_interval_ms: 5.0,
        }
    }

    fn row(n: u64, prime: bool, worker: usize, start_ms: f64, end_ms: f64) -> Row {
        Row {
            result: PrimeResult {
                n,
                prime,
                elapsed: (end_ms - start_ms) / 1000.0,
            },
            worker,
            start_ms,
            end_ms,
        }
    }

    fn ended<'a>(numbers: &'a [u64], rows: &'a [Row], started: &'a [Option<f64>]) -> Ended<'a> {
        Ended {
            numbers,
            rows,
            started,
            cancelled: &[],
            never_started: &[],
            stopped: None,
            results: rows.len(),
            started_at_ms: 0.0,
            total_ms: 120.0,
            early_break: None,
            lanes: 2,
            cores: 2,
            main_thread_gap_ms: 7.0,
            gil_handovers: None,
            divisions_per_sec: None,
        }
    }

    #[test]
    fn the_opening_names_the_design_and_keeps_the_title_out_of_the_report() {
        let (title, lines) = opening(&asked(Mode::Threads, Design::Pool), None);
        assert_eq!(title, "# threads: 2 workers");
        assert_eq!(lines, vec![Mode::Threads.header(3, 2)]);
        let (_, racy) = opening(
            &asked(Mode::Processes, Design::EarlyRace),
            Some("slow".into()),
        );
        assert_eq!(racy.len(), 3);
        assert!(racy[1].starts_with("# the early procs.py"), "{racy:?}");
        assert_eq!(racy[2], "# note: slow");
        let (_, per_job) = opening(&asked(Mode::Processes, Design::PerJob), None);
        assert!(
            per_job[1].starts_with("# one new process per number"),
            "{per_job:?}"
        );
    }

    #[test]
    fn each_message_has_its_line_or_none() {
        let result = row(7, true, 0, 0.0, 1.0).result;
        let message = Message::Result {
            result,
            worker: 1,
            start_ms: 0.0,
            end_ms: 1.0,
        };
        assert_eq!(
            message_line(Mode::Threads, &message),
            Some(Mode::Threads.row(&result))
        );
        let cancelled = Message::Cancelled { n: 9, worker: 1 };
        assert_eq!(
            message_line(Mode::Threads, &cancelled).as_deref(),
            Some("# 9 cancelled (worker 2)")
        );
        assert_eq!(
            message_line(Mode::Threads, &Message::Done { worker: 0 }),
            None
        );
    }

    #[test]
    fn a_finished_run_reports_every_row_and_ends_its_transcript() {
        let numbers = [7, 9, 11];
        let rows = [
            row(7, true, 0, 10.0, 40.0),
            row(9, false, 1, 12.0, 20.0),
            row(11, true, 1, 20.0, 60.0),
        ];
        let started = [Some(10.0), Some(12.0)];
        let asked = asked(Mode::Threads, Design::Pool);
        let head = vec![Mode::Threads.header(3, 2)];
        let c = conclude(&asked, &ended(&numbers, &rows, &started), head);
        assert_eq!(c.summary, "3 checks in 0.12 s with 2 threads.");
        assert_eq!(c.report.checked, 3);
        assert_eq!(c.report.startup_ms, 12.0);
        assert_eq!(c.report.results.len(), 3);
        assert_eq!(c.report.results[1].worker, 2, "workers count from 1");
        assert!(c.report.lost.is_empty() && c.report.not_started.is_empty());
        let last = c.lines.last().expect("a last line");
        assert_eq!(
            last,
            "# workers were up after 12 ms; the main thread's longest gap meanwhile: 7 ms"
        );
    }

    #[test]
    fn a_stopped_run_says_how_many_it_checked() {
        let numbers = [7, 9, 11];
        let rows = [row(7, true, 0, 10.0, 40.0)];
        let started = [Some(10.0), None];
        let mut e = ended(&numbers, &rows, &started);
        e.stopped = Some(StopPolicy::PoisonPill);
        let c = conclude(&asked(Mode::Threads, Design::Pool), &e, Vec::new());
        assert_eq!(c.summary, "Stopped by poison-pill: 1 of 3 numbers checked.");
        assert_eq!(c.report.stopped, Some("poison-pill"));
    }

    #[test]
    fn more_workers_than_cores_is_said_before_a_slow_engine() {
        let numbers = [7];
        let rows = [row(7, true, 0, 0.0, 100.0)];
        let started = [Some(1.0); 4];
        let mut e = ended(&numbers, &rows, &started);
        e.lanes = 4;
        e.divisions_per_sec = Some(1e12);
        let c = conclude(&asked(Mode::Threads, Design::PerJob), &e, Vec::new());
        assert!(
            c.lines
                .iter()
                .any(|l| l.starts_with("# note: 4 workers took turns on 2 cores")),
            "{:?}",
            c.lines
        );
    }
}
