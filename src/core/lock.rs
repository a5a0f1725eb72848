//! The lock lab's core: N execution units add 1 to one shared counter,
//! `increments` times each, as a read, a little work, then a write
//! (`value = counter; busy(); counter = value + 1`). Whether updates are lost
//! depends on who may run between the read and the write:
//!
//! - threads in parallel: anyone, at any moment (lossy without a lock);
//! - threads under a GIL: whoever gets the GIL when it is handed over in
//!   `busy()`, a call where CPython checks its eval breaker (lossy, less often);
//! - coroutines on one event loop: nobody, unless the task `await`s between
//!   the read and the write (cooperative: it is interrupted only there);
//! - processes: nobody shares the counter at all — each counts its own,
//!   unless the counter is put in shared memory.
//!
//! With a lock held from the read to the write no update is ever lost.
//! Pure Rust: the runs here are what the models run on wasm threads, and
//! [`interleave`] replays any schedule step by step, for the tests.

use std::cell::Cell;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use crate::core::primes::with_commas;
use crate::core::protocol::Gil;

/// What runs the counting (`spinlab.runLock`'s `units`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    Threads,
    ThreadsGil,
    Coroutines,
    Processes,
}

impl Units {
    pub const ALL: [Units; 4] = [
        Units::Threads,
        Units::ThreadsGil,
        Units::Coroutines,
        Units::Processes,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Units::Threads => "threads",
            Units::ThreadsGil => "threads-gil",
            Units::Coroutines => "coroutines",
            Units::Processes => "processes",
        }
    }

    pub fn parse(key: &str) -> Option<Units> {
        Units::ALL.into_iter().find(|u| u.key() == key)
    }

    /// One unit, as the transcript names it.
    pub fn noun(self) -> &'static str {
        match self {
            Units::Threads | Units::ThreadsGil => "thread",
            Units::Coroutines => "task",
            Units::Processes => "process",
        }
    }
}

/// How many units a run may start.
pub const WORKERS: RangeInclusive<usize> = 1..=8;
/// How many increments each unit makes.
pub const INCREMENTS: RangeInclusive<u64> = 1..=1_000_000;
pub const DEFAULT_WORKERS: usize = 4;
pub const DEFAULT_INCREMENTS: u64 = 100_000;

/// Divisions in `busy()`: the work between the read and the write, about
/// half a microsecond in wasm, so the window is wide enough to be hit.
const BUSY_DIVISIONS: u64 = 200;

// tag::lock-count[]
/// `busy()`: a little arithmetic between the read and the write.
pub fn busy() {
    let mut x = std::hint::black_box(1_000_003u64);
    for d in 3..3 + BUSY_DIVISIONS {
        x = x.wrapping_add(x % d);
    }
    std::hint::black_box(x);
}

/// Threads without a lock: `counter` is read, then written, as two steps
/// (two atomic operations: a race of the program's logic, not of memory).
pub fn count_racy(counter: &AtomicU64, increments: u64) {
    for _ in 0..increments {
        let value = counter.load(Ordering::Relaxed);
        busy();
        counter.store(value + 1, Ordering::Relaxed);
    }
}

/// Threads with a lock held from the read to the write (`with lock:`).
/// Returns the seconds spent waiting for the lock.
pub fn count_locked(counter: &Mutex<u64>, increments: u64, now_secs: &dyn Fn() -> f64) -> f64 {
    let mut waited = 0.0;
    for _ in 0..increments {
        let t0 = now_secs();
        let mut guard = counter.lock().expect("the counter's lock");
        waited += now_secs() - t0;
        let value = *guard;
        busy();
        *guard = value + 1;
    }
    waited
}
// end::lock-count[]

// tag::lock-gil[]
/// A thread of CPython: it runs only while it holds the GIL, which may be
/// handed over in `busy()` (a call: CPython checks for a switch request
/// there) and at the loop's end (a backward jump: it checks there too).
/// With `lock`, the lock is held from the read to the write; waiting for it
/// releases the GIL, as `lock.acquire()` does. Returns the seconds spent
/// waiting for the lock.
pub fn count_under_gil(
    counter: &AtomicU64,
    gil: &Gil,
    lock: Option<&Mutex<()>>,
    increments: u64,
    now_secs: &dyn Fn() -> f64,
) -> f64 {
    let mut waited = 0.0;
    gil.acquire();
    for _ in 0..increments {
        let guard = lock.map(|lock| {
            let t0 = now_secs();
            let guard = lock.try_lock().unwrap_or_else(|_| {
                gil.release();
                let guard = lock.lock().expect("the counter's lock");
                gil.acquire();
                guard
            });
            waited += now_secs() - t0;
            guard
        });
        let value = counter.load(Ordering::Relaxed);
        busy();
        gil.check_switch();
        counter.store(value + 1, Ordering::Relaxed);
        drop(guard);
        gil.check_switch();
    }
    gil.release();
    waited
}
// end::lock-gil[]

// tag::lock-coroutines[]
/// `await asyncio.sleep(0)`: gives the event loop one turn.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// One coroutine: the same loop, on one event loop. `await_between` puts
/// `await asyncio.sleep(0)` between the read and the write; `lock` is an
/// `asyncio.Lock` held from the read to the write.
async fn count_task(
    counter: &Cell<u64>,
    increments: u64,
    await_between: bool,
    lock: Option<&futures_util::lock::Mutex<()>>,
) {
    for _ in 0..increments {
        let guard = match lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let value = counter.get();
        busy();
        if await_between {
            YieldNow(false).await;
        }
        counter.set(value + 1);
        drop(guard);
    }
}

/// `asyncio.run(main())` with `workers` tasks counting on one event loop,
/// in the calling thread. Returns the counter.
pub fn run_coroutines(workers: usize, increments: u64, await_between: bool, lock: bool) -> u64 {
    let counter = Cell::new(0);
    let mutex = futures_util::lock::Mutex::new(());
    let lock = lock.then_some(&mutex);
    let tasks = (0..workers).map(|_| count_task(&counter, increments, await_between, lock));
    futures_executor::block_on(futures_util::future::join_all(tasks));
    counter.get()
}
// end::lock-coroutines[]

/// A process without shared memory: its own `counter`, from 0.
pub fn count_own(increments: u64) -> u64 {
    let counter = AtomicU64::new(0);
    count_racy(&counter, increments);
    counter.into_inner()
}

/// What a correct program counts: every unit's increments, or, for
/// processes that share nothing, each process's own.
pub fn expected(units: Units, shared: bool, workers: usize, increments: u64) -> u64 {
    if units == Units::Processes && !shared {
        increments
    } else {
        workers as u64 * increments
    }
}

/// The programs' first line: `4 threads, 100,000 increments each`.
pub fn header(units: Units, workers: usize, increments: u64) -> String {
    let plural = match units {
        Units::Threads | Units::ThreadsGil => "threads",
        Units::Coroutines => "tasks",
        Units::Processes => "processes",
    };
    format!(
        "{workers} {plural}, {} increments each",
        with_commas(increments)
    )
}

/// The shared counter at the end: `counter = 263,512 (expected 400,000)`.
pub fn total_line(got: u64, expected: u64) -> String {
    format!(
        "counter = {} (expected {})",
        with_commas(got),
        with_commas(expected)
    )
}

/// A process that shares nothing, reporting its own counter (`id` from 1).
pub fn process_line(id: usize, count: u64) -> String {
    format!("Process-{id}: counter = {}", with_commas(count))
}

/// The parent's own counter, which no process touched.
pub fn parent_line(count: u64) -> String {
    format!("parent: counter = {}", with_commas(count))
}

/// A finished run, as the page reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub units: Units,
    pub lock: bool,
    pub await_between: bool,
    pub workers: usize,
    pub increments: u64,
    /// The counter at the end (processes sharing nothing: the smallest of
    /// their own counters).
    pub got: u64,
    /// Processes sharing nothing: `(id, own counter)` in order of start,
    /// and the page's own counter.
    pub own: Vec<(usize, u64)>,
    pub parent: u64,
    pub elapsed_ms: f64,
    pub lock_wait_ms: f64,
    /// Thread + GIL: handovers, at this switch interval.
    pub gil: Option<(u64, f64)>,
}

impl Outcome {
    pub fn expected(&self) -> u64 {
        expected(self.units, self.lock, self.workers, self.increments)
    }

    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.got)
    }

    /// What the Python program prints.
    pub fn transcript(&self) -> Vec<String> {
        let mut out = vec![header(self.units, self.workers, self.increments)];
        if self.units == Units::Processes && !self.lock {
            out.extend(self.own.iter().map(|&(id, count)| process_line(id, count)));
            out.push(parent_line(self.parent));
        } else {
            out.push(total_line(self.got, self.expected()));
        }
        out
    }

    /// The page's measurements and explanations.
    pub fn notes(&self) -> Vec<String> {
        let (expected, lost) = (self.expected(), self.lost());
        let mut notes = vec![if lost == 0 {
            format!(
                "exact: no update lost ({} in {:.0} ms)",
                with_commas(expected),
                self.elapsed_ms
            )
        } else {
            format!(
                "lost {} of {} updates ({:.1} %) in {:.0} ms",
                with_commas(lost),
                with_commas(expected),
                100.0 * lost as f64 / expected as f64,
                self.elapsed_ms
            )
        }];
        let why = match (self.units, self.lock) {
            (Units::Threads, false) => "the threads run in parallel here (as in free-threaded \
                CPython 3.13t): two of them read the same value, both write it plus one, and one \
                update is lost"
                .to_string(),
            (Units::Threads | Units::ThreadsGil, true) => format!(
                "the lock makes read, busy(), write one step: nothing is lost; the {} threads \
                 spent {:.0} ms waiting for it (contention), against {:.0} ms of run",
                self.workers, self.lock_wait_ms, self.elapsed_ms
            ),
            (Units::ThreadsGil, false) => format!(
                "only one thread runs at a time, yet updates are lost: the GIL changed hands {} \
                 times (switch interval {} ms), and a handover in busy(), between the read \
                 and the write, lets another thread count on a stale value",
                self.gil.map_or(0, |g| g.0),
                self.gil.map_or(0.0, |g| g.1)
            ),
            (Units::Coroutines, true) => "asyncio.Lock: no other task may read the counter \
                until the write is done, await or not"
                .to_string(),
            (Units::Coroutines, false) if self.await_between => "every task reads the counter, \
                then awaits: while it waits the others read the same value, and each write \
                overwrites theirs"
                .to_string(),
            (Units::Coroutines, false) => "a task is interrupted only at an await, and there is \
                none between the read and the write: exact without a lock"
                .to_string(),
            (Units::Processes, false) => format!(
                "each process counted in its own memory, to {} (a module-level counter, one per \
                 instance); the page's counter stayed {}: nothing was shared. Results must be \
                 sent back (a queue) or the counter put in shared memory (--lock)",
                with_commas(self.increments),
                self.parent
            ),
            (Units::Processes, true) => format!(
                "the counter and its lock live in a SharedArrayBuffer, as a multiprocessing.Value \
                 does in shared memory: exact; the processes waited {:.0} ms for the lock",
                self.lock_wait_ms
            ),
        };
        notes.push(why);
        match self.units {
            Units::ThreadsGil => notes.push(
                "simulated: the GIL (a lock in shared memory, handed over at the switch \
                 interval or at a blocking call); measured: everything reported"
                    .into(),
            ),
            Units::Coroutines => notes.push(
                "the event loop runs on a pool thread here, so that the page keeps painting: \
                 one thread, tasks in turn, as in asyncio"
                    .into(),
            ),
            Units::Processes => notes.push(
                "the time includes starting the processes (each a worker with its own module \
                 instance)"
                    .into(),
            ),
            Units::Threads => {}
        }
        notes
    }
}

/// Replays one schedule of the read → write loop, step by step, and returns
/// the counter. `schedule(runnable)` picks which of the units that can move
/// moves next. With `lock`, a unit holds the lock from its read to its
/// write; with `atomic`, a read and its write are one step (a coroutine that
/// does not `await` between them).
pub fn interleave(
    workers: usize,
    increments: u64,
    lock: bool,
    atomic: bool,
    mut schedule: impl FnMut(&[usize]) -> usize,
) -> u64 {
    let mut counter = 0u64;
    let mut done = vec![0u64; workers];
    let mut read: Vec<Option<u64>> = vec![None; workers];
    let mut holder: Option<usize> = None;
    loop {
        let runnable: Vec<usize> = (0..workers)
            .filter(|&u| done[u] < increments && (!lock || holder.is_none_or(|h| h == u)))
            .collect();
        if runnable.is_empty() {
            return counter;
        }
        let u = runnable[schedule(&runnable) % runnable.len()];
        if atomic {
            counter += 1;
            done[u] += 1;
            continue;
        }
        match read[u].take() {
            None => {
                read[u] = Some(counter);
                holder = lock.then_some(u);
            }
            Some(value) => {
                counter = value + 1;
                done[u] += 1;
                holder = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// A small deterministic generator: many different schedules.
    fn schedules() -> impl Iterator<Item = impl FnMut(&[usize]) -> usize> {
        (1..200u64).map(|seed| {
            let mut x = seed;
            move |_: &[usize]| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as usize
            }
        })
    }

    #[test]
    fn a_racy_schedule_loses_updates_and_the_lock_never_does() {
        // Round robin: both read 0, both write 1; every pair of steps loses one.
        let mut turn = 0;
        let round_robin = |_: &[usize]| {
            turn += 1;
            turn
        };
        assert_eq!(interleave(2, 1000, false, false, round_robin), 1000);
        for schedule in schedules() {
            assert_eq!(interleave(3, 50, true, false, schedule), 150);
        }
        let lossy = schedules()
            .map(|s| interleave(3, 50, false, false, s))
            .filter(|&got| got < 150)
            .count();
        assert!(
            lossy > 150,
            "most random schedules lose updates: {lossy} of 199"
        );
    }

    #[test]
    fn one_unit_alone_never_loses() {
        for schedule in schedules().take(5) {
            assert_eq!(interleave(1, 500, false, false, schedule), 500);
        }
    }

    #[test]
    fn coroutines_lose_only_with_an_await_between_read_and_write() {
        for schedule in schedules() {
            assert_eq!(interleave(4, 40, false, true, schedule), 160);
        }
        assert_eq!(run_coroutines(4, 1000, false, false), 4000);
        // Each turn of the loop, every task reads, awaits, then all write the
        // same value: three of four updates lost.
        assert_eq!(run_coroutines(4, 1000, true, false), 1000);
        assert_eq!(run_coroutines(4, 1000, true, true), 4000);
    }

    #[test]
    fn threads_with_a_lock_count_exactly() {
        let counter = Arc::new(Mutex::new(0));
        let t0 = Instant::now();
        let now = move || t0.elapsed().as_secs_f64();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || count_locked(&counter, 20_000, &now))
            })
            .collect();
        for h in handles {
            assert!(h.join().unwrap() >= 0.0);
        }
        assert_eq!(*counter.lock().unwrap(), 80_000);
    }

    #[test]
    fn threads_under_the_gil_with_a_lock_count_exactly() {
        let counter = Arc::new(AtomicU64::new(0));
        let gil = Arc::new(Gil::with_interval(Duration::from_micros(200)));
        let lock = Arc::new(Mutex::new(()));
        let t0 = Instant::now();
        let now = move || t0.elapsed().as_secs_f64();
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (counter, gil, lock) = (counter.clone(), gil.clone(), lock.clone());
                std::thread::spawn(move || {
                    count_under_gil(&counter, &gil, Some(&lock), 20_000, &now)
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 60_000);
    }

    #[test]
    fn a_process_counts_only_its_own() {
        assert_eq!(count_own(1234), 1234);
        assert_eq!(expected(Units::Processes, false, 4, 10), 10);
        assert_eq!(expected(Units::Processes, true, 4, 10), 40);
        assert_eq!(expected(Units::Threads, false, 4, 10), 40);
    }

    #[test]
    fn an_outcome_prints_what_python_prints_and_counts_the_loss() {
        let mut o = Outcome {
            units: Units::Threads,
            lock: false,
            await_between: false,
            workers: 4,
            increments: 1000,
            got: 3000,
            own: Vec::new(),
            parent: 0,
            elapsed_ms: 12.0,
            lock_wait_ms: 0.0,
            gil: None,
        };
        assert_eq!(o.lost(), 1000);
        assert_eq!(
            o.transcript(),
            [
                "4 threads, 1,000 increments each",
                "counter = 3,000 (expected 4,000)"
            ]
        );
        assert!(o.notes()[0].starts_with("lost 1,000 of 4,000 updates (25.0 %)"));
        o.units = Units::Processes;
        o.own = vec![(1, 1000), (2, 1000), (3, 1000), (4, 1000)];
        o.got = 1000;
        assert_eq!(o.lost(), 0);
        assert_eq!(
            o.transcript()[1..],
            [
                "Process-1: counter = 1,000",
                "Process-2: counter = 1,000",
                "Process-3: counter = 1,000",
                "Process-4: counter = 1,000",
                "parent: counter = 0"
            ]
        );
    }

    #[test]
    fn units_parse_their_keys() {
        for u in Units::ALL {
            assert_eq!(Units::parse(u.key()), Some(u));
        }
        assert_eq!(Units::parse("fibers"), None);
    }
}
