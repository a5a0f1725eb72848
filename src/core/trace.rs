//! A run's trace in the Trace Event Format, the JSON that the Perfetto UI
//! and `chrome://tracing` open: `{ traceEvents, displayTimeUnit }`, each
//! event with `name`, `ph` (`X` a slice with its `dur`, `i` an instant, `M`
//! a name for a row), `ts` and `dur` in µs on one clock (the run's start is
//! 0), `pid` a process (the page, or a worker with a memory of its own) and
//! `tid` a thread. Pure: built from what a run's engine heard, tested
//! natively; `spinlab.lastTrace()` returns the last one.

use crate::core::pool_run::Row;
use crate::core::report::Value;
use crate::core::schedule::{self, Op};

/// The page's process: its main thread and its wasm threads.
pub const PAGE_PID: u32 = 1;
/// The page's main thread.
pub const MAIN_TID: u32 = 0;

/// One event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub name: String,
    pub ph: char,
    pub ts_us: f64,
    pub dur_us: Option<f64>,
    pub pid: u32,
    pub tid: u32,
    pub args: Vec<(&'static str, Value)>,
}

impl Event {
    fn slice(name: String, (pid, tid): (u32, u32), from_ms: f64, to_ms: f64) -> Event {
        Event {
            name,
            ph: 'X',
            ts_us: from_ms * 1000.0,
            dur_us: Some(((to_ms - from_ms) * 1000.0).max(0.0)),
            pid,
            tid,
            args: Vec::new(),
        }
    }

    fn instant(name: String, (pid, tid): (u32, u32), at_ms: f64) -> Event {
        Event {
            name,
            ph: 'i',
            ts_us: at_ms * 1000.0,
            dur_us: None,
            pid,
            tid,
            args: vec![("s", Value::Str("t".into()))],
        }
    }

    /// A row's name (`process_name`, `thread_name`).
    fn label(what: &str, (pid, tid): (u32, u32), name: String) -> Event {
        Event {
            name: what.into(),
            ph: 'M',
            ts_us: 0.0,
            dur_us: None,
            pid,
            tid,
            args: vec![("name", Value::Str(name))],
        }
    }
}

/// A whole trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub events: Vec<Event>,
}

/// What a pool run's trace is drawn from: its mode, each worker's start-up
/// (ms from the run's start), its results, the numbers a stop cancelled
/// (number, worker, ms) and the run's total.
pub struct PoolRun<'a> {
    pub mode: &'a str,
    pub processes: bool,
    pub started: &'a [Option<f64>],
    pub rows: &'a [Row],
    pub cancelled: &'a [(u64, usize, f64)],
    pub total_ms: f64,
}

/// Where worker `w` is drawn: a thread of the page, or a process of its own.
fn place(run: &PoolRun, worker: usize) -> (u32, u32) {
    if run.processes {
        (PAGE_PID + 1 + worker as u32, 1)
    } else {
        (PAGE_PID, 1 + worker as u32)
    }
}

/// A pool run's trace: a row per worker (its start-up, then a slice per
/// number it checked, named by the number, with its result), the main
/// thread's row with the whole run, and an instant per number a stop
/// cancelled.
pub fn pool_trace(run: &PoolRun) -> Trace {
    let main = (PAGE_PID, MAIN_TID);
    let mut events = vec![
        Event::label("process_name", main, "the page".into()),
        Event::label("thread_name", main, "main thread".into()),
    ];
    // A row for each worker that came up or checked a number (a run may
    // have fewer workers than the pool has lanes).
    let workers = run
        .started
        .len()
        .max(run.rows.iter().map(|r| r.worker + 1).max().unwrap_or(0));
    let used = |w: usize| {
        run.started.get(w).is_some_and(Option::is_some) || run.rows.iter().any(|r| r.worker == w)
    };
    for w in (0..workers).filter(|&w| used(w)) {
        let at = place(run, w);
        if run.processes {
            events.push(Event::label(
                "process_name",
                at,
                format!("Process-{}", w + 1),
            ));
        }
        events.push(Event::label("thread_name", at, format!("worker {}", w + 1)));
    }
    let mut whole = Event::slice(format!("runPool: {}", run.mode), main, 0.0, run.total_ms);
    whole.args = vec![("results", run.rows.len().into())];
    events.push(whole);
    for (w, up) in run.started.iter().enumerate() {
        if let Some(up) = up {
            events.push(Event::slice("start-up".into(), place(run, w), 0.0, *up));
        }
    }
    for row in run.rows {
        let mut check = Event::slice(
            row.result.n.to_string(),
            place(run, row.worker),
            row.start_ms,
            row.end_ms,
        );
        check.args = vec![
            ("n", Value::decimal(row.result.n)),
            ("prime", row.result.prime.into()),
            ("elapsedMs", (row.result.elapsed * 1000.0).into()),
        ];
        events.push(check);
    }
    for &(n, worker, at) in run.cancelled {
        let mut stop = Event::instant(format!("cancelled {n}"), place(run, worker), at);
        stop.args.push(("n", Value::decimal(n)));
        events.push(stop);
    }
    Trace { events }
}

/// A schedule's trace: a row per unit, a slice per step named by its Python
/// line (a schedule has no clock: one step is drawn as one millisecond), a
/// row of the lock's holds (who holds it, from acquire to release: on a row
/// of its own, since a hold would otherwise start with its acquire's slice
/// and outlive it), and an instant where a write lost updates.
pub fn schedule_trace(outcome: &schedule::Outcome) -> Trace {
    let main = (PAGE_PID, MAIN_TID);
    let mut events = vec![Event::label("process_name", main, "the schedule".into())];
    for unit in 0..outcome.plan.units {
        let row = (PAGE_PID, 1 + unit as u32);
        events.push(Event::label("thread_name", row, format!("unit {unit}")));
    }
    let lock_row = (PAGE_PID, 1 + outcome.plan.units as u32);
    if outcome.plan.lock {
        events.push(Event::label("thread_name", lock_row, "the lock".into()));
    }
    let mut held: Vec<Option<f64>> = vec![None; outcome.plan.units];
    for (i, step) in outcome.steps.iter().enumerate() {
        let row = (PAGE_PID, 1 + step.unit as u32);
        let at = i as f64;
        let mut slice = Event::slice(step.op.python().into(), row, at, at + 1.0);
        slice.args = vec![
            ("op", Value::Str(step.op.key().into())),
            ("local", Value::Num(step.local as f64)),
            ("counter", Value::Num(step.counter as f64)),
        ];
        events.push(slice);
        match step.op {
            Op::Acquire => held[step.unit] = Some(at),
            Op::Release => {
                if let Some(from) = held[step.unit].take() {
                    let name = format!("unit {} holds the lock", step.unit);
                    events.push(Event::slice(name, lock_row, from, at + 1.0));
                }
            }
            Op::Write if !step.overwrote.is_empty() => {
                let mut lost = Event::instant(
                    format!("{} update(s) lost", step.overwrote.len()),
                    row,
                    at + 1.0,
                );
                lost.args.push((
                    "overwrote",
                    Value::List(step.overwrote.iter().map(|&w| w.into()).collect()),
                ));
                events.push(lost);
            }
            _ => {}
        }
    }
    Trace { events }
}

impl From<&Trace> for Value {
    fn from(trace: &Trace) -> Value {
        let events = trace
            .events
            .iter()
            .map(|e| {
                let mut fields = vec![
                    ("name", Value::Str(e.name.clone())),
                    ("ph", Value::Str(e.ph.to_string())),
                    ("ts", e.ts_us.into()),
                ];
                if let Some(dur) = e.dur_us {
                    fields.push(("dur", dur.into()));
                }
                fields.push(("pid", Value::Num(f64::from(e.pid))));
                fields.push(("tid", Value::Num(f64::from(e.tid))));
                if let Some(scope) = e.args.iter().find(|(k, _)| *k == "s") {
                    fields.push(("s", scope.1.clone()));
                }
                let args: Vec<(&'static str, Value)> =
                    e.args.iter().filter(|(k, _)| *k != "s").cloned().collect();
                if !args.is_empty() {
                    fields.push(("args", Value::Obj(args)));
                }
                Value::Obj(fields)
            })
            .collect();
        Value::Obj(vec![
            ("traceEvents", Value::List(events)),
            ("displayTimeUnit", Value::Str("ms".into())),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::primes::PrimeResult;

    fn row(n: u64, worker: usize, start_ms: f64, end_ms: f64) -> Row {
        Row {
            result: PrimeResult {
                n,
                prime: n % 2 == 1,
                elapsed: (end_ms - start_ms) / 1000.0,
            },
            worker,
            start_ms,
            end_ms,
        }
    }

    fn sample(processes: bool) -> Trace {
        let rows = [
            row(2, 0, 30.0, 30.5),
            row(9007199254740997, 1, 32.0, 400.0),
            row(142702110479723, 0, 30.5, 120.0),
        ];
        pool_trace(&PoolRun {
            mode: if processes { "processes" } else { "threads" },
            processes,
            // A third lane that never came up gets no row.
            started: &[Some(30.0), Some(32.0), None],
            rows: &rows,
            cancelled: &[(7777777777777777, 0, 450.0)],
            total_ms: 460.0,
        })
    }

    #[test]
    fn every_event_has_the_format_s_fields_and_slices_last_zero_or_more() {
        for processes in [false, true] {
            for e in sample(processes).events {
                assert!(!e.name.is_empty());
                assert!(matches!(e.ph, 'X' | 'i' | 'M'), "{e:?}");
                assert!(e.ts_us >= 0.0);
                assert_eq!(e.ph == 'X', e.dur_us.is_some(), "{e:?}");
                assert!(e.dur_us.is_none_or(|d| d >= 0.0));
            }
        }
    }

    #[test]
    fn a_worker_s_checks_sit_on_its_row_in_order_without_overlap() {
        let trace = sample(false);
        for tid in [1, 2] {
            let mut slices: Vec<&Event> = trace
                .events
                .iter()
                .filter(|e| e.ph == 'X' && e.tid == tid && e.name != "start-up")
                .collect();
            slices.sort_by(|a, b| a.ts_us.total_cmp(&b.ts_us));
            for pair in slices.windows(2) {
                assert!(pair[0].ts_us + pair[0].dur_us.unwrap() <= pair[1].ts_us);
            }
        }
        // Each check's slice is its result: number, times, answer.
        let big = trace
            .events
            .iter()
            .find(|e| e.name == "9007199254740997")
            .unwrap();
        assert_eq!(
            (big.pid, big.tid, big.ts_us, big.dur_us),
            (PAGE_PID, 2, 32_000.0, Some(368_000.0))
        );
        assert_eq!(
            big.args.iter().find(|(k, _)| *k == "n").map(|(_, v)| v),
            Some(&Value::Str("9007199254740997".into()))
        );
    }

    #[test]
    fn processes_each_get_a_process_row_threads_share_the_page_s() {
        let threads = sample(false);
        let processes = sample(true);
        let pids = |t: &Trace| {
            let mut p: Vec<u32> = t.events.iter().map(|e| e.pid).collect();
            p.sort();
            p.dedup();
            p
        };
        assert_eq!(pids(&threads), [PAGE_PID]);
        assert_eq!(pids(&processes), [PAGE_PID, PAGE_PID + 1, PAGE_PID + 2]);
        let names: Vec<String> = processes
            .events
            .iter()
            .filter(|e| e.name == "process_name")
            .filter_map(|e| match &e.args[0].1 {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["the page", "Process-1", "Process-2"]);
    }

    #[test]
    fn a_schedule_s_trace_has_a_row_per_unit_and_marks_the_lost_write() {
        let plan = schedule::Plan::new(2, 1, false).unwrap();
        let outcome = schedule::run(plan, &[0, 1, 0, 0, 1, 1]).unwrap();
        let trace = schedule_trace(&outcome);
        let steps: Vec<&Event> = trace.events.iter().filter(|e| e.ph == 'X').collect();
        assert_eq!(steps.len(), 6);
        assert_eq!(
            steps.iter().map(|e| e.tid).collect::<Vec<_>>(),
            [1, 2, 1, 1, 2, 2]
        );
        assert_eq!(steps[5].name, "counter = local");
        let lost: Vec<&Event> = trace.events.iter().filter(|e| e.ph == 'i').collect();
        assert_eq!(lost.len(), 1);
        assert_eq!((lost[0].tid, lost[0].ts_us), (2, 6000.0));
        // With the lock: a hold per increment, around its steps.
        let plan = schedule::Plan::new(2, 1, true).unwrap();
        let outcome = schedule::run(plan, &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]).unwrap();
        let holds: Vec<(u32, f64, Option<f64>)> = schedule_trace(&outcome)
            .events
            .iter()
            .filter(|e| e.name.ends_with("holds the lock"))
            .map(|e| (e.tid, e.ts_us, e.dur_us))
            .collect();
        assert_eq!(holds, [(3, 0.0, Some(5000.0)), (3, 5000.0, Some(5000.0))]);
    }

    #[test]
    fn the_json_shape_is_the_format_s() {
        let v = Value::from(&sample(false));
        assert_eq!(v.get("displayTimeUnit"), Some(&Value::Str("ms".into())));
        let Some(Value::List(events)) = v.get("traceEvents") else {
            panic!("no traceEvents");
        };
        for e in events {
            for key in ["name", "ph", "ts", "pid", "tid"] {
                assert!(e.get(key).is_some(), "{key} missing in {e:?}");
            }
            if e.get("ph") == Some(&Value::Str("X".into())) {
                assert!(e.get("dur").is_some());
            }
            if e.get("ph") == Some(&Value::Str("i".into())) {
                assert_eq!(e.get("s"), Some(&Value::Str("t".into())));
            }
        }
    }
}
