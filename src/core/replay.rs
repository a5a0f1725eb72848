//! Replaying a pool run from what it recorded: its events in time order
//! (a worker up, a worker taking a number, a worker's answer, a number a stop
//! cancelled), each named in words, and the picture's state at any moment.
//! Replaying runs nothing again. Pure; the pool lab's replay controls step
//! and play through it.

use crate::core::pool_run::Row;
use crate::core::primes::with_commas;

/// One thing that happened, `at_ms` from the run's start.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub at_ms: f64,
    pub what: What,
}

#[derive(Clone, Debug, PartialEq)]
pub enum What {
    Up {
        worker: usize,
    },
    Takes {
        worker: usize,
        n: u64,
    },
    Answers {
        worker: usize,
        n: u64,
        prime: bool,
        ms: f64,
    },
    Cancelled {
        worker: usize,
        n: u64,
    },
}

impl Event {
    /// The event in words, workers counted from 1 as the page names them.
    pub fn describe(&self) -> String {
        match self.what {
            What::Up { worker } => format!("worker {} is up", worker + 1),
            What::Takes { worker, n } => format!("worker {} takes {}", worker + 1, with_commas(n)),
            What::Answers {
                worker,
                n,
                prime,
                ms,
            } => format!(
                "worker {}: {} is {}prime ({:.0} ms)",
                worker + 1,
                with_commas(n),
                if prime { "" } else { "not " },
                ms
            ),
            What::Cancelled { worker, n } => {
                format!("worker {} stops: {} cancelled", worker + 1, with_commas(n))
            }
        }
    }
}

/// A run's events in time order; at one moment, answers come before takes
/// (a worker puts its result, then takes its next number).
pub fn pool_events(
    started: &[Option<f64>],
    rows: &[Row],
    cancelled: &[(u64, usize, f64)],
) -> Vec<Event> {
    let mut events: Vec<(f64, u8, Event)> = Vec::new();
    let mut push =
        |at_ms: f64, order: u8, what: What| events.push((at_ms, order, Event { at_ms, what }));
    for (worker, up) in started.iter().enumerate() {
        if let Some(up) = up {
            push(*up, 0, What::Up { worker });
        }
    }
    for row in rows {
        let (worker, n) = (row.worker, row.result.n);
        push(row.start_ms, 2, What::Takes { worker, n });
        push(
            row.end_ms,
            1,
            What::Answers {
                worker,
                n,
                prime: row.result.prime,
                ms: row.end_ms - row.start_ms,
            },
        );
    }
    for &(n, worker, at) in cancelled {
        push(at, 1, What::Cancelled { worker, n });
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    events.into_iter().map(|(_, _, e)| e).collect()
}

/// The picture at `t_ms`: the numbers answered by then, each worker's
/// number in progress (since when), each worker's start-up if it was up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    pub rows: Vec<Row>,
    pub busy_since: Vec<Option<f64>>,
    pub started: Vec<Option<f64>>,
    pub cancelled: Vec<(u64, usize, f64)>,
}

pub fn frame_at(
    t_ms: f64,
    started: &[Option<f64>],
    rows: &[Row],
    cancelled: &[(u64, usize, f64)],
) -> Frame {
    let mut busy_since = vec![None; started.len()];
    for row in rows {
        if row.start_ms <= t_ms
            && t_ms < row.end_ms
            && let Some(slot) = busy_since.get_mut(row.worker)
        {
            *slot = Some(row.start_ms);
        }
    }
    Frame {
        rows: rows.iter().copied().filter(|r| r.end_ms <= t_ms).collect(),
        busy_since,
        started: started
            .iter()
            .map(|up| up.filter(|&up| up <= t_ms))
            .collect(),
        cancelled: cancelled.iter().copied().filter(|c| c.2 <= t_ms).collect(),
    }
}

/// How many events have happened by `t_ms`.
pub fn reached(events: &[Event], t_ms: f64) -> usize {
    events.partition_point(|e| e.at_ms <= t_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::primes::PrimeResult;

    fn row(n: u64, worker: usize, start_ms: f64, end_ms: f64) -> Row {
        Row {
            result: PrimeResult {
                n,
                prime: n == 7,
                elapsed: (end_ms - start_ms) / 1000.0,
            },
            worker,
            start_ms,
            end_ms,
        }
    }

    fn run() -> (Vec<Option<f64>>, Vec<Row>) {
        (
            vec![Some(10.0), Some(12.0)],
            vec![
                row(7, 0, 10.0, 50.0),
                row(8, 1, 12.0, 30.0),
                row(9, 0, 50.0, 80.0),
            ],
        )
    }

    #[test]
    fn events_in_time_order_an_answer_before_the_next_take() {
        let (started, rows) = run();
        let events = pool_events(&started, &rows, &[]);
        let words: Vec<String> = events.iter().map(Event::describe).collect();
        assert_eq!(
            words,
            [
                "worker 1 is up",
                "worker 1 takes 7",
                "worker 2 is up",
                "worker 2 takes 8",
                "worker 2: 8 is not prime (18 ms)",
                "worker 1: 7 is prime (40 ms)",
                "worker 1 takes 9",
                "worker 1: 9 is not prime (30 ms)",
            ]
        );
        assert!(events.windows(2).all(|p| p[0].at_ms <= p[1].at_ms));
    }

    #[test]
    fn a_frame_shows_what_had_happened_by_then() {
        let (started, rows) = run();
        let f = frame_at(11.0, &started, &rows, &[]);
        assert_eq!(f.started, [Some(10.0), None]);
        assert_eq!(f.busy_since, [Some(10.0), None]);
        assert!(f.rows.is_empty());
        let f = frame_at(50.0, &started, &rows, &[(5, 1, 60.0)]);
        assert_eq!(
            f.rows.iter().map(|r| r.result.n).collect::<Vec<_>>(),
            [7, 8]
        );
        assert_eq!(f.busy_since, [Some(50.0), None]);
        assert!(f.cancelled.is_empty());
        let end = frame_at(80.0, &started, &rows, &[(5, 1, 60.0)]);
        assert_eq!((end.rows.len(), end.cancelled.len()), (3, 1));
    }

    #[test]
    fn reached_counts_the_events_up_to_a_moment() {
        let (started, rows) = run();
        let events = pool_events(&started, &rows, &[]);
        assert_eq!(reached(&events, 0.0), 0);
        assert_eq!(reached(&events, 10.0), 2);
        assert_eq!(reached(&events, 80.0), events.len());
        // Stepping back one event and forward again lands where it was.
        let i = reached(&events, 50.0);
        assert_eq!(reached(&events, events[i - 1].at_ms), i);
    }
}
