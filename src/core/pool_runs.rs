//! The pool lab's kept runs: each finished run stays as a row on one time
//! axis until the learner clears them, and says how it compares with the
//! last sequential run of the same numbers. Pure.

use crate::core::protocol::Mode;
use crate::core::report::PoolReport;

/// One number's check in a kept run (ms since the run's start).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub lane: usize,
    pub start_ms: f64,
    pub end_ms: f64,
    pub prime: bool,
}

/// A finished run, as the shelf keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptRun {
    /// Its number on the shelf, from 1 (`data-run`).
    pub id: u32,
    pub mode: Mode,
    pub workers: usize,
    /// One new worker per number (the design the chapter argues against).
    pub per_job: bool,
    /// The numbers checked: runs compare only over the same numbers.
    pub numbers: Vec<u64>,
    pub total_ms: f64,
    pub bars: Vec<Bar>,
}

impl KeptRun {
    /// The run a pool report describes, if it ran to its end (a stopped
    /// run compares with nothing).
    pub fn of(report: &PoolReport) -> Option<KeptRun> {
        if report.stopped.is_some() {
            return None;
        }
        let mut numbers: Vec<u64> = report.results.iter().map(|r| r.n).collect();
        numbers.sort_unstable();
        Some(KeptRun {
            id: 0,
            mode: Mode::parse(report.mode)?,
            workers: report.workers,
            per_job: report.per_job,
            numbers,
            total_ms: report.total_ms,
            bars: report
                .results
                .iter()
                .map(|r| Bar {
                    lane: r.worker.saturating_sub(1),
                    start_ms: r.start_ms,
                    end_ms: r.end_ms,
                    prime: r.prime,
                })
                .collect(),
        })
    }

    /// Its row's name: `threads-gil × 2`, `processes, one per number`.
    pub fn name(&self) -> String {
        match (self.mode, self.per_job) {
            (Mode::Sequential, _) => "sequential".into(),
            (mode, true) => format!("{}, one per number", mode.key()),
            (mode, false) => format!("{} × {}", mode.key(), self.workers),
        }
    }
}

/// How a run compares with the sequential one: the lesson's good path (it
/// is faster), the pitfall (it is not), or neutral (the baseline, or no
/// baseline yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Faster,
    NoFaster,
    Neutral,
}

impl Standing {
    pub fn key(self) -> &'static str {
        match self {
            Standing::Faster => "good",
            Standing::NoFaster => "pitfall",
            Standing::Neutral => "neutral",
        }
    }
}

/// The runs kept so far, oldest first.
#[derive(Debug, Default)]
pub struct Shelf {
    runs: Vec<KeptRun>,
    next_id: u32,
}

/// At most this many runs are kept: the oldest goes first.
pub const KEPT: usize = 8;

impl Shelf {
    /// Keeps `run`, numbering it; returns its id.
    pub fn keep(&mut self, mut run: KeptRun) -> u32 {
        self.next_id += 1;
        run.id = self.next_id;
        self.runs.push(run);
        if self.runs.len() > KEPT {
            self.runs.remove(0);
        }
        self.next_id
    }

    pub fn clear(&mut self) {
        self.runs.clear();
    }

    pub fn runs(&self) -> &[KeptRun] {
        &self.runs
    }

    /// The shared axis's end: the longest run, rounded up to a tick.
    pub fn axis_ms(&self) -> f64 {
        let longest = self.runs.iter().map(|r| r.total_ms).fold(1.0, f64::max);
        let step = nice_step(longest / 5.0);
        (longest / step).ceil() * step
    }

    /// The axis's ticks: `(ms, label)`, from 0 to [`Self::axis_ms`].
    pub fn ticks(&self) -> Vec<(f64, String)> {
        let end = self.axis_ms();
        let step = nice_step(self.runs.iter().map(|r| r.total_ms).fold(1.0, f64::max) / 5.0);
        let ticks = (end / step).round() as usize;
        (0..=ticks)
            .map(|i| {
                let ms = i as f64 * step;
                (ms, seconds(ms, step))
            })
            .collect()
    }

    /// The last sequential run over the same numbers as `run`, if any.
    fn baseline(&self, run: &KeptRun) -> Option<&KeptRun> {
        self.runs
            .iter()
            .rev()
            .find(|r| r.mode == Mode::Sequential && r.numbers == run.numbers)
    }

    /// How `run` compares with the last sequential run of its numbers.
    pub fn comparison(&self, run: &KeptRun) -> (String, Standing) {
        let total = format!("{:.2} s", run.total_ms / 1000.0);
        if run.mode == Mode::Sequential {
            return (
                format!("{total}, the baseline the others compare with"),
                Standing::Neutral,
            );
        }
        let Some(base) = self.baseline(run) else {
            return (
                format!("{total}; run Sequential on the same numbers to compare"),
                Standing::Neutral,
            );
        };
        let ratio = run.total_ms / base.total_ms.max(1e-9);
        let times = format!("{total}, {ratio:.2}× the sequential run's time");
        let why = match run.mode {
            Mode::ThreadsGil => ", the GIL: one thread runs Python at a time",
            _ if run.per_job => ", each number paid a worker's start",
            _ => "",
        };
        if ratio <= 0.87 {
            (
                format!("{times}: {:.1}× faster", 1.0 / ratio),
                Standing::Faster,
            )
        } else if ratio < 1.15 {
            (format!("{times}: no faster{why}"), Standing::NoFaster)
        } else {
            (format!("{times}: slower{why}"), Standing::NoFaster)
        }
    }
}

fn seconds(ms: f64, step: f64) -> String {
    if step >= 1000.0 {
        format!("{:.0} s", ms / 1000.0)
    } else if step >= 100.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The smallest of 1, 2, 5 × a power of ten that is at least `raw`.
pub fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1e-3).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mode: Mode, workers: usize, total_ms: f64) -> KeptRun {
        KeptRun {
            id: 0,
            mode,
            workers,
            per_job: false,
            numbers: vec![2, 3, 5],
            total_ms,
            bars: Vec::new(),
        }
    }

    #[test]
    fn runs_are_kept_numbered_until_cleared_and_the_oldest_leave_first() {
        let mut shelf = Shelf::default();
        assert_eq!(shelf.keep(run(Mode::Sequential, 1, 950.0)), 1);
        assert_eq!(shelf.keep(run(Mode::Threads, 2, 480.0)), 2);
        assert_eq!(shelf.runs().len(), 2);
        for _ in 0..KEPT {
            shelf.keep(run(Mode::Rayon, 2, 400.0));
        }
        assert_eq!(shelf.runs().len(), KEPT);
        assert_eq!(shelf.runs()[0].id, 3, "the two oldest left");
        shelf.clear();
        assert!(shelf.runs().is_empty());
        assert_eq!(
            shelf.keep(run(Mode::Sequential, 1, 1.0)),
            11,
            "ids go on after a clear"
        );
    }

    #[test]
    fn each_run_compares_with_the_last_sequential_run_of_its_numbers() {
        let mut shelf = Shelf::default();
        let gil = run(Mode::ThreadsGil, 2, 950.0);
        assert_eq!(
            shelf.comparison(&gil),
            (
                "0.95 s; run Sequential on the same numbers to compare".into(),
                Standing::Neutral
            )
        );
        shelf.keep(run(Mode::Sequential, 1, 950.0));
        assert_eq!(
            shelf.comparison(&gil),
            (
                "0.95 s, 1.00× the sequential run's time: no faster, the GIL: one thread runs Python at a time".into(),
                Standing::NoFaster
            )
        );
        let (text, standing) = shelf.comparison(&run(Mode::Processes, 2, 500.0));
        assert_eq!(text, "0.50 s, 0.53× the sequential run's time: 1.9× faster");
        assert_eq!(standing, Standing::Faster);
        // Other numbers have no baseline.
        let mut other = run(Mode::Threads, 2, 500.0);
        other.numbers = vec![7];
        assert_eq!(shelf.comparison(&other).1, Standing::Neutral);
        // One new process per number: slower, and why.
        let mut per_job = run(Mode::Processes, 20, 2_000.0);
        per_job.per_job = true;
        assert_eq!(per_job.name(), "processes, one per number");
        assert!(
            shelf
                .comparison(&per_job)
                .0
                .ends_with("slower, each number paid a worker's start")
        );
    }

    #[test]
    fn the_axis_fits_the_longest_run_on_round_ticks() {
        let mut shelf = Shelf::default();
        shelf.keep(run(Mode::Sequential, 1, 950.0));
        shelf.keep(run(Mode::Threads, 2, 480.0));
        assert_eq!(shelf.axis_ms(), 1_000.0);
        let ticks = shelf.ticks();
        assert_eq!(ticks.first(), Some(&(0.0, "0.0 s".to_string())));
        assert_eq!(ticks.last(), Some(&(1_000.0, "1.0 s".to_string())));
        assert_eq!(ticks.len(), 6);
        shelf.keep(run(Mode::Sequential, 1, 21_300.0));
        assert_eq!(shelf.axis_ms(), 25_000.0);
        assert_eq!(shelf.ticks().last(), Some(&(25_000.0, "25 s".to_string())));
    }

    #[test]
    fn a_finished_report_is_kept_with_its_numbers_sorted_and_a_stopped_one_is_not() {
        use crate::core::report::PoolResult;
        let result = |n, worker, start_ms, end_ms| PoolResult {
            n,
            prime: n == 3,
            elapsed_ms: end_ms - start_ms,
            worker,
            start_ms,
            end_ms,
        };
        let mut report = PoolReport {
            mode: "threads",
            workers: 2,
            total_ms: 30.0,
            results: vec![result(9, 2, 0.0, 20.0), result(3, 1, 1.0, 5.0)],
            ..PoolReport::default()
        };
        let kept = KeptRun::of(&report).expect("a finished run");
        assert_eq!(
            (kept.mode, kept.workers, kept.total_ms),
            (Mode::Threads, 2, 30.0)
        );
        assert_eq!(kept.numbers, [3, 9]);
        assert_eq!(
            kept.bars[1],
            Bar {
                lane: 0,
                start_ms: 1.0,
                end_ms: 5.0,
                prime: true
            }
        );
        report.stopped = Some("terminate");
        assert_eq!(KeptRun::of(&report), None);
    }

    #[test]
    fn a_run_is_named_by_its_mode_and_workers() {
        assert_eq!(run(Mode::ThreadsGil, 2, 1.0).name(), "threads-gil × 2");
        assert_eq!(run(Mode::Sequential, 1, 1.0).name(), "sequential");
    }
}
