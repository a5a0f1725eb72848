//! A pool run's last lines, pure: once the report loop is over, which of
//! the numbers asked for were never started and which were lost, the
//! book's last line (`Total time: 26.91s`, `20 checks in 6.51s`), and the
//! page's `# race: …` and `# stopped by …` notes.
//!
//! The pool lab (`ui::pool_lab::run`) gathers a [`RunEnd`] as the run ends
//! and prints the [`RunLog`] made of it.

use std::collections::{HashMap, HashSet};

use crate::core::bench::Summary;
use crate::core::protocol::{IO_WAIT, JobKind, Mode, StopPolicy};

/// What the page knows when a run's report loop is over.
#[derive(Clone, Copy, Debug)]
pub struct RunEnd<'a> {
    pub mode: Mode,
    /// The numbers asked for, in order.
    pub numbers: &'a [u64],
    /// The numbers whose results the report loop read (the table's rows).
    pub read: &'a [u64],
    /// The numbers reported cancelled.
    pub cancelled: &'a [u64],
    /// The numbers a stop took from the queue before any worker had them.
    pub never_started: &'a [u64],
    pub stopped: Option<StopPolicy>,
    /// Every result the workers put, those after the early loop broke
    /// included ([`crate::core::protocol::Report`]'s `checked`).
    pub results: usize,
    /// When the run started, by the page's clock (ms).
    pub started_at_ms: f64,
    /// How long the run lasted (ms).
    pub total_ms: f64,
    /// The early `procs.py`'s report loop, if it was run; `None`: the fixed one.
    pub early_loop: Option<EarlyLoop<'a>>,
}

/// How the early `procs.py`'s report loop ended (see
/// [`crate::core::protocol::early_loop_ends`]).
#[derive(Clone, Copy, Debug)]
pub enum EarlyLoop<'a> {
    /// It read every result before the job queue was empty, so it asked for
    /// one more: Python waits in `results.get()` forever.
    NeverBroke,
    /// It saw the job queue empty at `at_ms` (the page's clock) and broke;
    /// `late` arrived after that, unread.
    Broke { at_ms: f64, late: &'a [u64] },
}

/// What the page prints and reports at the end of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunLog {
    /// Unreported numbers that no worker had begun.
    pub not_started: Vec<u64>,
    /// Unreported numbers that a stop or a failure caught in a worker's
    /// hand, or that the early loop never read.
    pub lost: Vec<u64>,
    /// The results the report loop read: the report's `checked`.
    pub checked: usize,
    /// The program's last line.
    pub footer: String,
    /// The page's notes after it: the race, then the stop.
    pub notes: Vec<String>,
}

impl RunLog {
    /// The run's last lines and lists, from what the page knows at its end.
    pub fn of(end: &RunEnd) -> RunLog {
        // Counted, not a set: a number may be in the list twice, one copy
        // checked and the other never started (rayon's stops on a pool of 4).
        let mut reported: HashMap<u64, usize> = HashMap::new();
        for n in end.read.iter().chain(end.cancelled) {
            *reported.entry(*n).or_default() += 1;
        }
        let never: HashSet<u64> = end.never_started.iter().copied().collect();
        let unreported: Vec<u64> = end
            .numbers
            .iter()
            .copied()
            .filter(|n| match reported.get_mut(n) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            })
            .collect();
        let (not_started, lost): (Vec<u64>, Vec<u64>) = unreported.into_iter().partition(|n| {
            never.contains(n)
                || (end.mode == Mode::Rayon && end.stopped.is_some())
                || end.stopped == Some(StopPolicy::PoisonPill)
        });
        let late = match end.early_loop {
            Some(EarlyLoop::Broke { late, .. }) => late,
            _ => &[],
        };
        let checked = end.results - late.len();
        let footer = match end.early_loop {
            // The early procs.py's last line, timed when its loop broke.
            Some(early) => {
                let ended_at = match early {
                    EarlyLoop::Broke { at_ms, .. } => at_ms,
                    EarlyLoop::NeverBroke => end.started_at_ms + end.total_ms,
                };
                let secs = (ended_at - end.started_at_ms) / 1000.0;
                format!("Total time: {secs:.2}s")
            }
            None => end.mode.footer(checked, end.total_ms / 1000.0),
        };
        let mut notes = Vec::new();
        if let Some(early) = end.early_loop {
            notes.push(race_note(early));
        }
        if let Some(policy) = end.stopped {
            notes.push(format!(
                "# stopped by {}: {} checked, {} cancelled, {} never started, {} lost in flight{}",
                policy.key(),
                end.results,
                end.cancelled.len(),
                not_started.len(),
                lost.len(),
                if lost.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", listed(&lost))
                }
            ));
        }
        RunLog {
            not_started,
            lost,
            checked,
            footer,
            notes,
        }
    }
}

/// The early loop's `# race: …` line.
fn race_note(early: EarlyLoop) -> String {
    match early {
        EarlyLoop::NeverBroke => {
            "# race: the early loop read every result before the job queue was empty, so it asked \
             for one more: Python would wait in results.get() forever (the page stopped when every \
             worker was done); run it again"
                .to_string()
        }
        EarlyLoop::Broke { late: [], .. } => {
            "# race: this time no result arrived after the loop had stopped (run it again)"
                .to_string()
        }
        EarlyLoop::Broke { late, .. } => format!(
            "# race: {} arrived after the report loop had stopped and {} lost: {}",
            if late.len() == 1 {
                "1 result".to_string()
            } else {
                format!("{} results", late.len())
            },
            if late.len() == 1 { "was" } else { "were" },
            listed(late)
        ),
    }
}

/// `3, 4`.
fn listed(numbers: &[u64]) -> String {
    numbers
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an I/O workload's run adds: how long the waiting workers' jobs
/// took beyond their wait (`(median, max)` ms: the time to get the GIL back,
/// under threads-gil), and the page's notes on it. `waits` are the
/// `(worker, elapsed ms)` of the jobs that waited.
pub fn io_lines(
    kind: JobKind,
    gil_interval_ms: Option<f64>,
    waits: &[(usize, f64)],
    workers: usize,
    total_ms: f64,
) -> (Option<(f64, f64)>, Vec<String>) {
    if kind == JobKind::Cpu {
        return (None, Vec::new());
    }
    let wait_ms = IO_WAIT.as_secs_f64() * 1000.0;
    let stretch: Vec<f64> = waits
        .iter()
        .map(|(_, ms)| (ms - wait_ms).max(0.0))
        .collect();
    let Some(late) = Summary::of(&stretch) else {
        return (None, Vec::new());
    };
    let mut notes = vec![format!(
        "# each waiting job slept {wait_ms:.0} ms (a network call's stand-in) instead of \
         dividing{}",
        match gil_interval_ms {
            Some(_) => ", releasing the GIL for the wait as a blocking call does",
            None => "",
        }
    )];
    if kind == JobKind::Io {
        let serial = waits.len() as f64 * wait_ms;
        notes.push(format!(
            "# {} jobs on {workers} workers in {total_ms:.0} ms: {:.2}× the {serial:.0} ms they \
             take one after another{}",
            waits.len(),
            total_ms / serial,
            if workers > 1 {
                " (waits overlap: threads do scale for I/O)"
            } else {
                ""
            }
        ));
    }
    notes.push(format!(
        "# a waiting job took {:.1} ms longer than its wait (median), {:.1} ms at most{}",
        late.median,
        late.max,
        match (kind, gil_interval_ms) {
            (JobKind::Mixed, Some(ms)) => format!(
                ": after its wait it needs the GIL back from the dividing thread, which hands \
                 it over only after the switch interval ({ms} ms) — the convoy effect"
            ),
            _ => String::new(),
        }
    ));
    (Some((late.median, late.max)), notes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_io_run_reports_how_much_longer_than_its_wait_a_job_took() {
        use super::{JobKind, io_lines};
        assert_eq!(
            io_lines(JobKind::Cpu, None, &[(0, 300.0)], 1, 300.0),
            (None, vec![])
        );
        let waits = [(0, 201.0), (1, 203.0), (1, 210.0), (0, 200.0)];
        let (late, notes) = io_lines(JobKind::Io, Some(5.0), &waits, 2, 420.0);
        assert_eq!(late, Some((2.0, 10.0)));
        assert!(
            notes[1].starts_with("# 4 jobs on 2 workers in 420 ms: 0.53× the 800 ms"),
            "{}",
            notes[1]
        );
        let (_, notes) = io_lines(JobKind::Mixed, Some(100.0), &waits[1..3], 2, 900.0);
        assert!(
            notes
                .last()
                .unwrap()
                .ends_with("(100 ms) — the convoy effect")
        );
    }

    use super::*;

    /// A run's facts, as a test starts them: nothing stopped, no race, the
    /// clock at 1000 ms when it started (a real page's clock is far from 0).
    fn end<'a>(mode: Mode, numbers: &'a [u64], read: &'a [u64]) -> RunEnd<'a> {
        RunEnd {
            mode,
            numbers,
            read,
            cancelled: &[],
            never_started: &[],
            stopped: None,
            results: read.len(),
            started_at_ms: 1000.0,
            total_ms: 6514.0,
            early_loop: None,
        }
    }

    /// The log a test expects, field by field.
    fn log(
        not_started: &[u64],
        lost: &[u64],
        checked: usize,
        footer: &str,
        notes: &[&str],
    ) -> RunLog {
        RunLog {
            not_started: not_started.to_vec(),
            lost: lost.to_vec(),
            checked,
            footer: footer.to_string(),
            notes: notes.iter().map(|n| n.to_string()).collect(),
        }
    }

    /// A run that read every result loses nothing, has no note, and ends
    /// with the book's last line: `N checks in …s`, or `Total time: …s`
    /// when sequential.
    #[test]
    fn a_run_that_read_everything_ends_with_the_books_line_and_no_note() {
        let numbers = [2, 3, 4, 5];
        assert_eq!(
            RunLog::of(&end(Mode::Processes, &numbers, &[3, 2, 5, 4])),
            log(&[], &[], 4, "4 checks in 6.51s", &[])
        );
        assert_eq!(
            RunLog::of(&end(Mode::Sequential, &numbers, &numbers)),
            log(&[], &[], 4, "Total time: 6.51s", &[])
        );
    }

    /// After a poison pill, every unreported number counts as not started
    /// (the workers finished what they held), and the stop is noted.
    #[test]
    fn after_a_poison_pill_the_unreported_numbers_were_not_started() {
        let stopped = RunEnd {
            stopped: Some(StopPolicy::PoisonPill),
            never_started: &[5, 6],
            ..end(Mode::Threads, &[2, 3, 4, 5, 6], &[2, 3])
        };
        assert_eq!(
            RunLog::of(&stopped),
            log(
                &[4, 5, 6],
                &[],
                2,
                "2 checks in 6.51s",
                &[
                    "# stopped by poison-pill: 2 checked, 0 cancelled, 3 never started, 0 lost in flight"
                ]
            )
        );
    }

    /// A number listed twice is accounted for twice: one copy checked, the
    /// other never started (it was dropped from the lists as a set).
    #[test]
    fn a_number_listed_twice_is_accounted_for_twice() {
        let stopped = RunEnd {
            stopped: Some(StopPolicy::PoisonPill),
            ..end(Mode::Rayon, &[7, 9, 7, 9, 11], &[7, 9])
        };
        let log = RunLog::of(&stopped);
        assert_eq!(log.not_started, [7, 9, 11]);
        assert_eq!(log.checked, 2);
        assert!(log.lost.is_empty());
    }

    /// A terminate stop kills the processes: the numbers in their hands are
    /// lost and named; those still queued were never started; the cancelled
    /// ones are reported, so neither.
    #[test]
    fn terminate_loses_the_numbers_in_flight_and_names_them() {
        let stopped = RunEnd {
            stopped: Some(StopPolicy::Terminate),
            cancelled: &[7],
            never_started: &[6],
            ..end(Mode::Processes, &[2, 3, 4, 5, 6, 7], &[2])
        };
        assert_eq!(
            RunLog::of(&stopped),
            log(
                &[6],
                &[3, 4, 5],
                1,
                "1 checks in 6.51s",
                &[
                    "# stopped by terminate: 1 checked, 1 cancelled, 1 never started, 3 lost in flight (3, 4, 5)"
                ]
            )
        );
    }

    /// Rayon has no queue to drain: whatever stopped it, an unreported
    /// number was never started (unstopped, it would be lost).
    #[test]
    fn a_stopped_rayon_run_started_none_of_the_unreported_numbers() {
        let stopped = RunEnd {
            stopped: Some(StopPolicy::CancelFlag),
            cancelled: &[3],
            ..end(Mode::Rayon, &[2, 3, 4, 5], &[2])
        };
        assert_eq!(
            RunLog::of(&stopped),
            log(
                &[4, 5],
                &[],
                1,
                "1 checks in 6.51s",
                &[
                    "# stopped by cancel-flag: 1 checked, 1 cancelled, 2 never started, 0 lost in flight"
                ]
            )
        );
        assert_eq!(
            RunLog::of(&end(Mode::Rayon, &[2, 3, 4, 5], &[2])),
            log(&[], &[3, 4, 5], 1, "1 checks in 6.51s", &[])
        );
    }

    /// The early loop broke with results still to come: those are lost and
    /// named, the report counts only what it read, and the last line is the
    /// early program's `Total time`, timed when its loop broke.
    #[test]
    fn the_early_loop_that_broke_too_soon_names_the_results_it_lost() {
        let raced = RunEnd {
            results: 4,
            early_loop: Some(EarlyLoop::Broke {
                at_ms: 1000.0 + 2346.0,
                late: &[3, 4],
            }),
            ..end(Mode::Processes, &[1, 2, 3, 4], &[1, 2])
        };
        assert_eq!(
            RunLog::of(&raced),
            log(
                &[],
                &[3, 4],
                2,
                "Total time: 2.35s",
                &[
                    "# race: 2 results arrived after the report loop had stopped and were lost: 3, 4"
                ]
            )
        );
    }

    /// The early loop that read every result before the queue was empty
    /// would hang in Python: the note says so, and the last line is timed
    /// at the run's end.
    #[test]
    fn the_early_loop_that_never_broke_would_wait_forever() {
        let raced = RunEnd {
            early_loop: Some(EarlyLoop::NeverBroke),
            ..end(Mode::Threads, &[1, 2, 3, 4], &[1, 2, 3, 4])
        };
        assert_eq!(
            RunLog::of(&raced),
            log(
                &[],
                &[],
                4,
                "Total time: 6.51s",
                &[
                    "# race: the early loop read every result before the job queue was empty, so it \
                     asked for one more: Python would wait in results.get() forever (the page stopped \
                     when every worker was done); run it again"
                ]
            )
        );
    }

    /// One late result "was lost", several "were"; none is a note of its own.
    #[test]
    fn the_race_note_says_one_result_was_and_several_were() {
        let notes = |late: &[u64]| {
            RunLog::of(&RunEnd {
                results: 4,
                early_loop: Some(EarlyLoop::Broke {
                    at_ms: 1500.0,
                    late,
                }),
                ..end(
                    Mode::Processes,
                    &[1, 2, 3, 4],
                    &[1, 2, 3, 4][..4 - late.len()],
                )
            })
            .notes
        };
        assert_eq!(
            notes(&[4]),
            ["# race: 1 result arrived after the report loop had stopped and was lost: 4"]
        );
        assert_eq!(
            notes(&[2, 3, 4]),
            ["# race: 3 results arrived after the report loop had stopped and were lost: 2, 3, 4"]
        );
        assert_eq!(
            notes(&[]),
            ["# race: this time no result arrived after the loop had stopped (run it again)"]
        );
    }

    /// A racy run can be stopped too: the race note comes first, then the
    /// stop's, which counts every result the workers put, late ones included.
    #[test]
    fn a_stopped_race_notes_the_race_then_the_stop() {
        let raced = RunEnd {
            results: 3,
            stopped: Some(StopPolicy::CancelFlag),
            never_started: &[5],
            early_loop: Some(EarlyLoop::Broke {
                at_ms: 2000.0,
                late: &[3],
            }),
            ..end(Mode::Threads, &[1, 2, 3, 4, 5], &[1, 2])
        };
        assert_eq!(
            RunLog::of(&raced),
            log(
                &[5],
                &[3, 4],
                2,
                "Total time: 1.00s",
                &[
                    "# race: 1 result arrived after the report loop had stopped and was lost: 3",
                    "# stopped by cancel-flag: 3 checked, 0 cancelled, 1 never started, 2 lost in flight (3, 4)"
                ]
            )
        );
    }
}
