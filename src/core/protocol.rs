//! The book's homegrown pool protocol ("A Homegrown Process Pool"), pure:
//! a job queue with one poison pill per worker, `worker`, the `report` loop,
//! and the simulated GIL of the "thread-based nonsolution".
//!
//! ```python
//! def worker(jobs: JobQueue, results: ResultQueue) -> None:
//!     while n := jobs.get():
//!         results.put(check(n))
//!     results.put(PrimeResult(0, False, 0.0))
//! ```
//! The book's `0` sentinel is [`Job::Stop`] here, so that 0 itself can be
//! checked; a worker's "done" result is [`Message::Done`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::core::primes::{PrimeResult, TrialDivision};

/// What `jobs.get()` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    Check(u64),
    /// The poison pill: the book's `0`.
    Stop,
}

/// The book's `SimpleQueue` of jobs, for threads: a blocking `get`.
#[derive(Debug, Default)]
pub struct JobQueue {
    items: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

impl JobQueue {
    /// The book's `start_jobs`: every number, then one pill per worker.
    pub fn with_jobs(numbers: &[u64], workers: usize) -> JobQueue {
        let queue = JobQueue::default();
        for &n in numbers {
            queue.put(Job::Check(n));
        }
        for _ in 0..workers {
            queue.put(Job::Stop);
        }
        queue
    }

    /// Takes a job if there is one (the early `procs.py`'s
    /// `while not jobs.empty(): n = jobs.get()`).
    pub fn try_get(&self) -> Option<Job> {
        self.items.lock().expect("queue lock").pop_front()
    }

    pub fn put(&self, job: Job) {
        self.items.lock().expect("queue lock").push_back(job);
        self.ready.notify_one();
    }

    /// Blocks while the queue is empty (only ever in a worker).
    pub fn get(&self) -> Job {
        let mut items = self.items.lock().expect("queue lock");
        loop {
            if let Some(job) = items.pop_front() {
                return job;
            }
            items = self.ready.wait(items).expect("queue lock");
        }
    }

    /// Takes every job still queued (the poison-pill stop drains the numbers).
    pub fn drain_checks(&self) -> Vec<u64> {
        let mut items = self.items.lock().expect("queue lock");
        let mut drained = Vec::new();
        items.retain(|job| match job {
            Job::Check(n) => {
                drained.push(*n);
                false
            }
            Job::Stop => true,
        });
        drained
    }

    pub fn is_empty(&self) -> bool {
        self.items.lock().expect("queue lock").is_empty()
    }
}

/// What a worker posts on the result queue.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// One checked number, with when it ran (epoch ms) and who checked it.
    Result {
        result: PrimeResult,
        worker: usize,
        start_ms: f64,
        end_ms: f64,
    },
    /// The book's `PrimeResult(0, False, 0.0)`: this worker met its pill.
    Done { worker: usize },
    /// Not in the book: the worker is up and about to take its first job
    /// (its start-up, for the timeline), with how its start went by when its
    /// bootstrap recorded it (a worker started for the run).
    Started {
        worker: usize,
        at_ms: f64,
        boot: Option<Boot>,
    },
    /// A number interrupted by the cancel flag: not a result.
    Cancelled { n: u64, worker: usize },
    /// Not in the book: the worker died (a panic, a failed start) and will
    /// never say done; the report stops waiting for it. `reason` says why.
    Failed { worker: usize, reason: String },
}

/// How a worker started for a run spent its start-up: when (epoch ms) the
/// page asked for it, the browser created it, its bootstrap script ran, the
/// wasm-bindgen glue was imported and the module instantiated (`thread.js`
/// records them). With the run's start and the worker's [`Message::Started`]
/// they cut its start-up into [`BOOT_STAGES`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Boot {
    pub spawned_ms: f64,
    pub created_ms: f64,
    pub script_ms: f64,
    pub glue_ms: f64,
    pub instance_ms: f64,
}

/// The stages of a worker's start-up, in order (see [`Boot::stages`]).
pub const BOOT_STAGES: [&str; 6] = [
    "page",
    "create",
    "script",
    "glue",
    "instantiate",
    "to the loop",
];

impl Boot {
    /// The five stamps, in [`Boot`]'s order; `None` unless there are five,
    /// every one finite.
    pub fn from_stamps(stamps: &[f64]) -> Option<Boot> {
        match *stamps {
            [spawned_ms, created_ms, script_ms, glue_ms, instance_ms]
                if stamps.iter().all(|t| t.is_finite()) =>
            {
                Some(Boot {
                    spawned_ms,
                    created_ms,
                    script_ms,
                    glue_ms,
                    instance_ms,
                })
            }
            _ => None,
        }
    }

    pub fn stamps(&self) -> [f64; 5] {
        [
            self.spawned_ms,
            self.created_ms,
            self.script_ms,
            self.glue_ms,
            self.instance_ms,
        ]
    }

    /// The start-up from `run_start_ms` to `started_ms`, cut at the stamps
    /// into [`BOOT_STAGES`]: the page's work before it asked for the
    /// worker, the browser creating it, its script loading, the glue, the
    /// instance, Rust's entry to the loop. They add up to the start-up. Two
    /// clocks meet here (the page's and the worker's `timeOrigin`): a stage
    /// they put below zero counts as zero, the next one keeps the rest.
    pub fn stages(&self, run_start_ms: f64, started_ms: f64) -> [f64; 6] {
        let mut cuts = [run_start_ms; 7];
        for (i, t) in self.stamps().into_iter().chain([started_ms]).enumerate() {
            cuts[i + 1] = t.max(cuts[i]);
        }
        std::array::from_fn(|i| cuts[i + 1] - cuts[i])
    }
}

// tag::protocol-worker[]
/// The book's `worker`, for worker number `id`: check numbers until the pill.
/// `check` returns `None` when a cancel flag interrupted the number.
pub fn worker(
    id: usize,
    mut next: impl FnMut() -> Job,
    mut check: impl FnMut(u64) -> Option<PrimeResult>,
    mut now_ms: impl FnMut() -> f64,
    mut put: impl FnMut(Message),
) {
    // step: work
    while work_on(id, next(), &mut check, &mut now_ms, &mut put) {}
}

/// One turn of the book's `worker` loop, for a worker that is handed its jobs
/// one at a time (a process fed by messages cannot block in `jobs.get()`):
/// checks the number and puts its result, or meets the pill and says done.
/// `true` while the worker wants another job.
pub fn work_on(
    id: usize,
    job: Job,
    mut check: impl FnMut(u64) -> Option<PrimeResult>,
    mut now_ms: impl FnMut() -> f64,
    mut put: impl FnMut(Message),
) -> bool {
    let Job::Check(n) = job else {
        put(Message::Done { worker: id });
        return false;
    };
    let start_ms = now_ms();
    match check(n) {
        Some(result) => put(Message::Result {
            result,
            worker: id,
            start_ms,
            end_ms: now_ms(),
        }),
        None => put(Message::Cancelled { n, worker: id }),
    }
    true
}
// end::protocol-worker[]

/// The book's `report` loop, one message at a time: it ends when every
/// worker has said it is done, never earlier, so no result is lost.
#[derive(Debug)]
pub struct Report {
    workers: usize,
    done: usize,
    pub checked: usize,
}

impl Report {
    pub fn new(workers: usize) -> Report {
        Report {
            workers,
            done: 0,
            checked: 0,
        }
    }

    // tag::protocol-report[]
    /// Takes one message; `true` while more are to come.
    pub fn take(&mut self, message: &Message) -> bool {
        // step: report
        match message {
            Message::Done { .. } | Message::Failed { .. } => self.done += 1,
            Message::Result { .. } => self.checked += 1,
            Message::Cancelled { .. } | Message::Started { .. } => {}
        }
        self.done < self.workers
    }
    // end::protocol-report[]
}

/// The report loop of the early `procs.py` as published (the book's README
/// tells the story; its commit 2c12305 fixed it): the same workers and
/// pills, but after each result the loop breaks if `jobs.empty()`. The job
/// queue is empty once every worker has taken its pill, and results may
/// still be unread then, or still being put: those are lost. `jobs_empty` is
/// asked after each result.
pub fn early_loop_ends(message: &Message, jobs_empty: impl FnOnce() -> bool) -> bool {
    matches!(message, Message::Result { .. }) && jobs_empty()
}

/// CPython's switch interval (`sys.getswitchinterval()`): 5 ms.
pub const SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// The switch intervals the page offers (`sys.setswitchinterval`), in ms.
pub const SWITCH_INTERVAL_MS: std::ops::RangeInclusive<f64> = 0.5..=200.0;

/// A simulated GIL, after CPython's: one thread runs Python-like work at a
/// time. A thread that wants it waits up to the switch interval; if it still
/// has not got it, it asks the holder to drop it, and the holder does at its
/// next check (CPython checks between bytecodes). The holder then waits until
/// another thread has taken it (CPython's forced switching).
#[derive(Debug)]
pub struct Gil {
    state: Mutex<GilState>,
    changed: Condvar,
    drop_request: AtomicBool,
    switches: AtomicU64,
    interval: Duration,
}

impl Default for Gil {
    /// CPython's default: [`SWITCH_INTERVAL`].
    fn default() -> Gil {
        Gil::with_interval(SWITCH_INTERVAL)
    }
}

#[derive(Debug, Default)]
struct GilState {
    held: bool,
    /// Bumped at every acquisition, for forced switching.
    generation: u64,
}

impl Gil {
    /// A GIL with `sys.setswitchinterval(interval)`.
    pub fn with_interval(interval: Duration) -> Gil {
        Gil {
            state: Mutex::default(),
            changed: Condvar::new(),
            drop_request: AtomicBool::new(false),
            switches: AtomicU64::new(0),
            interval,
        }
    }

    /// The switch interval: how long a thread waits before asking.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn acquire(&self) {
        let mut state = self.state.lock().expect("gil lock");
        while state.held {
            let (next, timeout) = self
                .changed
                .wait_timeout(state, self.interval)
                .expect("gil lock");
            state = next;
            if timeout.timed_out() && state.held {
                self.drop_request.store(true, Ordering::SeqCst);
            }
        }
        state.held = true;
        state.generation += 1;
        self.drop_request.store(false, Ordering::SeqCst);
        drop(state);
        // A holder made to drop it waits until someone has taken it: tell
        // it, so that it queues again at once (CPython's forced switching).
        self.changed.notify_all();
    }

    pub fn release(&self) {
        self.state.lock().expect("gil lock").held = false;
        self.changed.notify_all();
    }

    /// The holder's periodic check (CPython's eval breaker): if another
    /// thread asked, drop the GIL, wait until someone else has taken it, and
    /// queue for it again. Cheap when nobody asked.
    pub fn check_switch(&self) {
        if !self.drop_request.load(Ordering::Relaxed) {
            return;
        }
        let mut state = self.state.lock().expect("gil lock");
        let generation = state.generation;
        state.held = false;
        self.changed.notify_all();
        self.switches.fetch_add(1, Ordering::Relaxed);
        while state.generation == generation {
            state = self.changed.wait(state).expect("gil lock");
        }
        drop(state);
        self.acquire();
    }

    /// Whether a thread holds it now.
    pub fn held(&self) -> bool {
        self.state.lock().expect("gil lock").held
    }

    /// How many times a holder was made to hand over.
    pub fn switches(&self) -> u64 {
        self.switches.load(Ordering::Relaxed)
    }
}

/// Divisions between two looks at a cancel flag or a GIL request: about
/// 25 µs of work in wasm, so a stop or a switch lands within microseconds.
const SLICE: u64 = 10_000;

/// `check(n)` that stops early when `cancel` is raised (the cancel-flag stop):
/// `None` then. Same divisions as `is_prime`, in slices.
///
/// One function for every caller (`&dyn`, not generic): wasm engines
/// optimise a hot function once for every instance of the module, so the
/// processes run the code the threads already warmed (measured: a generic
/// copy of its own ran the first process run 2× slower, still unoptimised).
pub fn check_cancellable(
    n: u64,
    cancelled: &dyn Fn() -> bool,
    now_secs: fn() -> f64,
) -> Option<PrimeResult> {
    let t0 = now_secs();
    let mut division = TrialDivision::new(n);
    loop {
        if cancelled() {
            return None;
        }
        if let Some(prime) = division.step(SLICE) {
            return Some(PrimeResult {
                n,
                prime,
                elapsed: now_secs() - t0,
            });
        }
    }
}

/// `check(n)` as a Python thread runs it: holding the GIL, handing it over
/// when another thread has waited a switch interval.
pub fn check_under_gil(
    n: u64,
    gil: &Gil,
    cancel: &AtomicBool,
    now_secs: impl Fn() -> f64,
) -> Option<PrimeResult> {
    gil.acquire();
    let t0 = now_secs();
    let mut division = TrialDivision::new(n);
    let answer = loop {
        if cancel.load(Ordering::Relaxed) {
            break None;
        }
        if let Some(prime) = division.step(SLICE) {
            break Some(PrimeResult {
                n,
                prime,
                elapsed: now_secs() - t0,
            });
        }
        gil.check_switch();
    };
    gil.release();
    answer
}

/// What the pool's jobs do (`runPool`'s `workload`): divide (the book's
/// `check`), wait (I/O-bound: [`check_io`]), or both, one worker dividing
/// while the others wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Cpu,
    Io,
    Mixed,
}

impl JobKind {
    /// Whether worker `id`'s jobs wait instead of dividing.
    pub fn waits(self, id: usize) -> bool {
        match self {
            JobKind::Cpu => false,
            JobKind::Io => true,
            JobKind::Mixed => id > 0,
        }
    }
}

/// With I/O-bound jobs a run may start up to this many workers, as Python
/// may start more threads than cores when they mostly wait.
pub const IO_MAX_WORKERS: usize = 20;

/// The I/O workload's wait: what one job's "network call" takes.
pub const IO_WAIT: Duration = Duration::from_millis(200);

/// How often a waiting job looks at the cancel flag.
const IO_SLICE: Duration = Duration::from_millis(10);

// tag::protocol-io[]
/// `check(n)` for the I/O workload: instead of dividing, the job waits
/// [`IO_WAIT`] for the answer (a stand-in for a network call to a service
/// that knows it: the fixture's answer). Under a GIL the thread holds it to
/// run its Python code and releases it for the wait, as CPython's blocking
/// calls do; getting it back after the wait is part of the job's time (the
/// convoy effect, when a CPU-bound thread holds it). `None` when `cancel`
/// was raised during the wait.
pub fn check_io(
    n: u64,
    gil: Option<&Gil>,
    cancel: &AtomicBool,
    sleep: impl Fn(Duration),
    now_secs: impl Fn() -> f64,
) -> Option<PrimeResult> {
    let hold = || gil.inspect(|g| g.acquire()).is_some();
    let drop_it = || gil.inspect(|g| g.release()).is_some();
    hold();
    let t0 = now_secs();
    let answer = crate::core::primes::PRIME_FIXTURE
        .iter()
        .find(|(m, _)| *m == n)
        .map(|(_, prime)| *prime);
    // The blocking call: the GIL is free while the thread waits.
    drop_it();
    let mut waited = Duration::ZERO;
    while waited < IO_WAIT && !cancel.load(Ordering::Relaxed) {
        let slice = IO_SLICE.min(IO_WAIT - waited);
        sleep(slice);
        waited += slice;
    }
    // Back to Python code: the GIL first.
    hold();
    let result = (waited >= IO_WAIT).then(|| PrimeResult {
        n,
        // The service's answer; a number it does not know is checked here.
        prime: answer.unwrap_or_else(|| crate::core::primes::is_prime(n)),
        elapsed: now_secs() - t0,
    });
    drop_it();
    result
}
// end::protocol-io[]

/// The pool lab's modes (`spinlab.runPool`'s `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sequential,
    Processes,
    Threads,
    ThreadsGil,
    Rayon,
}

impl Mode {
    pub const ALL: [Mode; 5] = [
        Mode::Sequential,
        Mode::Processes,
        Mode::Threads,
        Mode::ThreadsGil,
        Mode::Rayon,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Processes => "processes",
            Mode::Threads => "threads",
            Mode::ThreadsGil => "threads-gil",
            Mode::Rayon => "rayon",
        }
    }

    pub fn parse(key: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The book's first line: `Checking 20 numbers with 8 processes:`.
    pub fn header(self, count: usize, workers: usize) -> String {
        let unit = match self {
            Mode::Sequential => return format!("Checking {count} numbers sequentially:"),
            Mode::Processes => "processes",
            // CPython's threads hold a GIL: the program is the same threads.py.
            Mode::Threads | Mode::ThreadsGil => "threads",
            // The listing's executor, the nearest Python to rayon.
            Mode::Rayon => "workers",
        };
        format!("Checking {count} numbers with {workers} {unit}:")
    }

    /// A result row, the same in every mode (the book's repository prints
    /// `f'{n:16}  {label} {elapsed:9.6f}s'` in `sequential.py` and `procs.py`).
    pub fn row(self, result: &PrimeResult) -> String {
        crate::core::primes::report_line(result)
    }

    /// The last line: `Total time: 26.91s` or `20 checks in 6.51s`.
    pub fn footer(self, checked: usize, total_secs: f64) -> String {
        match self {
            Mode::Sequential => format!("Total time: {total_secs:.2}s"),
            _ => format!("{checked} checks in {total_secs:.2}s"),
        }
    }
}

/// The design of a queue-based run: the book's pool of workers that loop,
/// the early `procs.py` whose report loop raced the queue, or the design
/// the chapter argues against, one new worker per number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    Pool,
    EarlyRace,
    PerJob,
}

impl Design {
    pub const ALL: [Design; 3] = [Design::Pool, Design::EarlyRace, Design::PerJob];

    /// A run's design from `runPool`'s `race` and `perJob`.
    pub fn of(racy: bool, per_job: bool) -> Result<Design, String> {
        match (racy, per_job) {
            (true, true) => Err("race and perJob are two designs: give one of them".into()),
            (true, false) => Ok(Design::EarlyRace),
            (false, true) => Ok(Design::PerJob),
            (false, false) => Ok(Design::Pool),
        }
    }
}

// tag::protocol-one-job[]
/// A per-job worker's `jobs.get()`: it was started for one number, so it
/// takes one from the queue and then stops, as if it met its pill.
pub fn one_job(mut get: impl FnMut() -> Job) -> impl FnMut() -> Job {
    let mut taken = false;
    move || {
        if std::mem::replace(&mut taken, true) {
            Job::Stop
        } else {
            get()
        }
    }
}
// end::protocol-one-job[]

/// How a run can be stopped (`spinlab.cancelPool`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopPolicy {
    /// Workers finish the number in hand, then meet their pill.
    PoisonPill,
    /// A shared flag checked inside `is_prime`'s loop: stops within
    /// milliseconds; interrupted numbers are reported as cancelled.
    CancelFlag,
    /// `Worker.terminate()`: the numbers in flight are lost.
    Terminate,
}

impl StopPolicy {
    pub fn key(self) -> &'static str {
        match self {
            StopPolicy::PoisonPill => "poison-pill",
            StopPolicy::CancelFlag => "cancel-flag",
            StopPolicy::Terminate => "terminate",
        }
    }

    pub fn parse(key: &str) -> Option<StopPolicy> {
        [
            StopPolicy::PoisonPill,
            StopPolicy::CancelFlag,
            StopPolicy::Terminate,
        ]
        .into_iter()
        .find(|p| p.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    #[test]
    fn a_boot_cuts_the_start_up_into_stages_that_add_up() {
        let boot = Boot::from_stamps(&[1002.0, 1010.0, 1022.0, 1046.0, 1047.0]).unwrap();
        assert_eq!(boot.stamps(), [1002.0, 1010.0, 1022.0, 1046.0, 1047.0]);
        let stages = boot.stages(1000.0, 1047.5);
        assert_eq!(stages, [2.0, 8.0, 12.0, 24.0, 1.0, 0.5]);
        assert_eq!(stages.iter().sum::<f64>(), 47.5);
        assert_eq!(stages.len(), BOOT_STAGES.len());
        // The worker's clock a little behind the page's: no stage below zero.
        let skewed = Boot::from_stamps(&[1002.0, 1001.0, 1022.0, 1046.0, 1047.0]).unwrap();
        assert_eq!(
            skewed.stages(1000.0, 1050.0),
            [2.0, 0.0, 20.0, 24.0, 1.0, 3.0]
        );
        // Not five finite stamps: no boot (the page, a rayon worker).
        assert_eq!(Boot::from_stamps(&[]), None);
        assert_eq!(Boot::from_stamps(&[1.0, 2.0, 3.0, 4.0]), None);
        assert_eq!(Boot::from_stamps(&[1.0, 2.0, f64::NAN, 4.0, 5.0]), None);
    }

    #[test]
    fn per_job_workers_each_check_one_number_and_the_report_sees_all() {
        // Twenty workers started at once, each for one number, on the
        // book's queue (its pills unused): every number checked once.
        let numbers = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let jobs = JobQueue::with_jobs(&numbers, numbers.len());
        let mut messages = Vec::new();
        for id in 0..numbers.len() {
            worker(
                id,
                one_job(|| jobs.get()),
                |n| Some(crate::core::primes::check(n)),
                || 0.0,
                |m| messages.push(m),
            );
        }
        let mut checked: Vec<(usize, u64)> = messages
            .iter()
            .filter_map(|m| match m {
                Message::Result { result, worker, .. } => Some((*worker, result.n)),
                _ => None,
            })
            .collect();
        checked.sort_unstable();
        // Worker i took the i-th number, and only that one.
        assert_eq!(
            checked,
            numbers.iter().copied().enumerate().collect::<Vec<_>>()
        );
        let done = messages
            .iter()
            .filter(|m| matches!(m, Message::Done { .. }))
            .count();
        assert_eq!(done, numbers.len(), "each worker said done once");
        let mut report = Report::new(numbers.len());
        assert!(
            messages
                .iter()
                .enumerate()
                .all(|(i, m)| report.take(m) || i == messages.len() - 1),
            "the report loop ends at the last worker's done"
        );
        // A drained queue: a per-job worker meets a pill at once.
        let empty = JobQueue::with_jobs(&[], 1);
        let mut get = one_job(|| empty.get());
        assert_eq!(get(), Job::Stop);
        assert_eq!(Design::of(false, true), Ok(Design::PerJob));
        assert_eq!(Design::of(true, false), Ok(Design::EarlyRace));
        assert_eq!(Design::of(false, false), Ok(Design::Pool));
        assert!(Design::of(true, true).is_err());
    }

    #[test]
    fn an_io_job_waits_without_the_gil_and_answers_from_the_fixture() {
        use std::cell::Cell;
        let gil = Gil::default();
        let cancel = AtomicBool::new(false);
        let slept = Cell::new(Duration::ZERO);
        let sleep = |d: Duration| {
            assert!(!gil.held(), "the GIL is free during the wait");
            slept.set(slept.get() + d);
        };
        let r = check_io(5_000_111_000_222_021, Some(&gil), &cancel, sleep, || 0.0).unwrap();
        assert!(r.prime);
        assert_eq!(slept.get(), IO_WAIT);
        assert!(!gil.held());
        let r = check_io(9_999_999_999_999_999, None, &cancel, |_| {}, || 0.0).unwrap();
        assert!(!r.prime);
        // Cancelled during the wait: no answer, and the GIL is not kept.
        let sleep = |_: Duration| cancel.store(true, Ordering::Relaxed);
        assert_eq!(check_io(2, Some(&gil), &cancel, sleep, || 0.0), None);
        assert!(!gil.held());
    }

    /// A bound for a hang, not a timing: every wait here takes milliseconds,
    /// and one that lasts this long is stuck. It fails, naming what it
    /// waited for.
    const BOUND: Duration = Duration::from_secs(30);

    /// `rx.recv()`, bounded.
    fn recv_within<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
        match rx.recv_timeout(BOUND) {
            Ok(message) => message,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("waited {BOUND:?} for {what}"),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("waiting for {what}: every sender is gone")
            }
        }
    }

    /// `handle.join()`, bounded; the thread's panic is the test's.
    fn join_within<T>(handle: thread::JoinHandle<T>, what: &str) -> T {
        let deadline = Instant::now() + BOUND;
        while !handle.is_finished() {
            assert!(Instant::now() < deadline, "waited {BOUND:?} for {what}");
            thread::sleep(Duration::from_millis(1));
        }
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// The GIL, held while this lives: a test that fails while holding it
    /// lets go on its way out, so that no thread stays blocked on it.
    struct Held<'a>(&'a Gil);

    impl Held<'_> {
        fn new(gil: &Gil) -> Held<'_> {
            gil.acquire();
            Held(gil)
        }
    }

    impl Drop for Held<'_> {
        fn drop(&mut self) {
            self.0.release();
        }
    }

    /// Fails, instead of hanging, when nobody else can take the GIL `after`
    /// something that should have let go of it.
    fn assert_free(gil: &Arc<Gil>, after: &str) {
        let gil = Arc::clone(gil);
        let taker = thread::spawn(move || drop(Held::new(&gil)));
        join_within(
            taker,
            &format!("another thread to take the GIL {after}: is it still held?"),
        );
    }

    fn fake_check(n: u64) -> Option<PrimeResult> {
        // Random-ish job costs, derived from n.
        thread::sleep(Duration::from_micros(n % 7 * 150));
        Some(PrimeResult {
            n,
            prime: n % 2 == 1,
            elapsed: 0.0,
        })
    }

    fn run_pool(numbers: &[u64], workers: usize) -> (Vec<u64>, usize) {
        let jobs = Arc::new(JobQueue::with_jobs(numbers, workers));
        let (tx, rx) = mpsc::channel();
        let handles: Vec<_> = (0..workers)
            .map(|id| {
                let (jobs, tx) = (Arc::clone(&jobs), tx.clone());
                thread::spawn(move || {
                    worker(
                        id,
                        || jobs.get(),
                        fake_check,
                        || 0.0,
                        |m| tx.send(m).unwrap(),
                    )
                })
            })
            .collect();
        // Only the workers hold senders now: if they all die, `recv` says so.
        drop(tx);
        let mut report = Report::new(workers);
        let mut seen = Vec::new();
        loop {
            let message = recv_within(
                &rx,
                &format!(
                    "the next message from {workers} workers ({} results so far)",
                    seen.len()
                ),
            );
            if let Message::Result { result, .. } = message {
                seen.push(result.n);
            }
            if !report.take(&message) {
                break;
            }
        }
        for (id, h) in handles.into_iter().enumerate() {
            join_within(
                h,
                &format!("worker {id} to end, after every worker said done"),
            );
        }
        (seen, report.checked)
    }

    #[test]
    fn a_failed_worker_counts_as_done_so_the_report_ends() {
        let mut report = Report::new(2);
        assert!(report.take(&Message::Done { worker: 0 }));
        // Worker 2 died without its pill: the report must not wait forever.
        assert!(!report.take(&Message::Failed {
            worker: 1,
            reason: "it panicked".into()
        }));
        assert_eq!(report.checked, 0);
    }

    #[test]
    fn the_sentinel_protocol_never_loses_or_duplicates_a_result() {
        let numbers: Vec<u64> = (1..=300).map(|i| i * 7919 % 1000 + 1).collect();
        for workers in [1, 2, 3, 8, 20] {
            let (mut seen, checked) = run_pool(&numbers, workers);
            assert_eq!(checked, numbers.len(), "{workers} workers");
            seen.sort_unstable();
            let mut expected = numbers.clone();
            expected.sort_unstable();
            assert_eq!(
                seen, expected,
                "{workers} workers: every number exactly once"
            );
        }
    }

    /// Workers fed by messages, as processes are without shared memory: the
    /// page's queue hands a job to whichever worker answered, one at a time,
    /// in an order that interleaves the workers unevenly.
    fn run_fed(numbers: &[u64], workers: usize) -> (Vec<Message>, usize) {
        let jobs = JobQueue::with_jobs(numbers, workers);
        let mut put = Vec::new();
        // Every worker starts by asking; `waiting` is who has asked.
        let mut waiting: VecDeque<usize> = (0..workers).collect();
        let mut turns = 0;
        while let Some(id) = waiting.pop_front() {
            turns += 1;
            let job = jobs.try_get().unwrap_or(Job::Stop);
            if work_on(id, job, fake_check_now, || 0.0, |m| put.push(m)) {
                // Uneven answers: odd workers jump the line.
                if id % 2 == 1 {
                    waiting.push_front(id);
                } else {
                    waiting.push_back(id);
                }
            }
        }
        (put, turns)
    }

    fn fake_check_now(n: u64) -> Option<PrimeResult> {
        Some(PrimeResult {
            n,
            prime: n % 2 == 1,
            elapsed: 0.0,
        })
    }

    #[test]
    fn fed_workers_check_every_number_once_and_each_says_done_once() {
        let numbers: Vec<u64> = (1..=97).collect();
        for workers in [1, 2, 3, 8] {
            let (put, turns) = run_fed(&numbers, workers);
            // One turn per number, plus each worker's last, which ends it.
            assert_eq!(turns, numbers.len() + workers);
            let mut seen: Vec<u64> = put
                .iter()
                .filter_map(|m| match m {
                    Message::Result { result, .. } => Some(result.n),
                    _ => None,
                })
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, numbers, "{workers} workers");
            let mut report = Report::new(workers);
            let ended_at = put.iter().position(|m| !report.take(m));
            assert_eq!(
                ended_at,
                Some(put.len() - 1),
                "the last message ends the report"
            );
            for id in 0..workers {
                let dones = put
                    .iter()
                    .filter(|m| **m == Message::Done { worker: id })
                    .count();
                assert_eq!(dones, 1, "worker {id}");
            }
        }
    }

    #[test]
    fn a_fed_worker_with_the_pill_says_done_and_wants_no_more() {
        let mut put = Vec::new();
        assert!(!work_on(
            3,
            Job::Stop,
            fake_check_now,
            || 0.0,
            |m| put.push(m)
        ));
        assert_eq!(put, [Message::Done { worker: 3 }]);
        put.clear();
        // A cancelled number is not a result, and the worker goes on.
        assert!(work_on(1, Job::Check(9), |_| None, || 0.0, |m| put.push(m)));
        assert_eq!(put, [Message::Cancelled { n: 9, worker: 1 }]);
    }

    #[test]
    fn zero_is_a_job_not_a_pill() {
        let (seen, checked) = run_pool(&[0, 5, 0], 2);
        assert_eq!(checked, 3);
        assert_eq!(seen.iter().filter(|&&n| n == 0).count(), 2);
    }

    /// One step of a hand-written schedule of the book's pool: a worker
    /// takes a job (`jobs.get()`), or puts the result of the number it holds,
    /// or the report loop reads the next result.
    #[derive(Clone, Copy)]
    enum Step {
        Get(usize),
        Put(usize),
        Read,
    }

    /// Plays `schedule` with the real queue (numbers, then a pill per worker)
    /// and a FIFO of results. `racy`: the early `procs.py` as published (its
    /// worker sends nothing at its pill; its loop breaks when `jobs.empty()`
    /// after a result); else the fixed one (the `PrimeResult(0, …)` sentinel
    /// at the pill; the loop ends when every worker has sent it). Returns the
    /// numbers the loop printed, and whether it ended (a loop still waiting
    /// for a result when the schedule is over would wait forever).
    fn play(numbers: &[u64], workers: usize, schedule: &[Step], racy: bool) -> (Vec<u64>, bool) {
        let jobs = JobQueue::with_jobs(numbers, workers);
        let mut results: VecDeque<Message> = VecDeque::new();
        let mut in_hand: Vec<Option<Job>> = vec![None; workers];
        let mut report = Report::new(workers);
        let mut printed = Vec::new();
        for &step in schedule {
            match step {
                Step::Get(w) => in_hand[w] = Some(jobs.try_get().expect("a job or a pill")),
                Step::Put(w) => match in_hand[w].take().expect("something in hand") {
                    Job::Check(n) => results.push_back(Message::Result {
                        result: PrimeResult {
                            n,
                            prime: false,
                            elapsed: 0.0,
                        },
                        worker: w,
                        start_ms: 0.0,
                        end_ms: 0.0,
                    }),
                    Job::Stop if !racy => results.push_back(Message::Done { worker: w }),
                    Job::Stop => {}
                },
                Step::Read => {
                    // Nothing to read: the loop waits in results.get().
                    let Some(message) = results.pop_front() else {
                        continue;
                    };
                    if let Message::Result { result, .. } = message {
                        printed.push(result.n);
                    }
                    let more = report.take(&message);
                    let ended = if racy {
                        early_loop_ends(&message, || jobs.is_empty())
                    } else {
                        !more
                    };
                    if ended {
                        return (printed, true);
                    }
                }
            }
        }
        (printed, false)
    }

    #[test]
    fn the_early_report_loop_loses_results_the_fixed_one_keeps() {
        use Step::{Get, Put, Read};
        // The early procs.py as published: pills kept, the same worker loop;
        // its report loop stops when the job queue is empty. 2 workers, 4
        // numbers. The loop reads 1, then is slow (the reader's sleep(1)):
        // meanwhile the workers check 2, 3, 4 and take their pills, so when it
        // reads 2 the queue is empty and it stops, with 3 and 4 unread.
        let schedule = [
            Get(0),
            Get(1),
            Put(0),
            Read,
            Get(0),
            Put(1),
            Get(1),
            Put(0),
            Get(0),
            Put(1),
            Get(1),
            Read,
            Put(0),
            Put(1),
            Read,
            Read,
            Read,
            Read,
        ];
        let numbers = [1, 2, 3, 4];
        assert_eq!(
            play(&numbers, 2, &schedule, true),
            (vec![1, 2], true),
            "3 and 4 are lost"
        );
        // The same schedule, read by the fixed loop (the sentinel and
        // workers_done): it reads on until both have said done.
        assert_eq!(
            play(&numbers, 2, &schedule, false),
            (vec![1, 2, 3, 4], true)
        );
    }

    #[test]
    fn the_early_report_loop_that_reads_faster_than_the_pills_go_waits_forever() {
        use Step::{Get, Put, Read};
        // Each result read as soon as it is put, and the last one read before
        // the last pill is taken: the queue still holds a pill, so the early
        // loop asks for a fifth result that never comes (no loss, but no
        // end: in Python it hangs). The fixed loop ends on the sentinels.
        let schedule = [
            Get(0),
            Get(1),
            Put(0),
            Read,
            Get(0),
            Put(1),
            Read,
            Get(1),
            Put(0),
            Read,
            Get(0),
            Put(1),
            Read,
            Read,
            Get(1),
            Put(0),
            Put(1),
            Read,
            Read,
        ];
        assert_eq!(
            play(&[1, 2, 3, 4], 2, &schedule, true),
            (vec![1, 2, 3, 4], false)
        );
        assert_eq!(
            play(&[1, 2, 3, 4], 2, &schedule, false),
            (vec![1, 2, 3, 4], true)
        );
    }

    #[test]
    fn the_fixed_report_loop_loses_nothing_with_1_to_20_workers() {
        // A fixed pseudo-random schedule per worker count: workers take and
        // put in an order the seed decides; the report reads whenever it can.
        let numbers: Vec<u64> = (1..=40).collect();
        for workers in 1..=20 {
            let mut seed = 0x2545_f491_4f6c_dd1d_u64 ^ workers as u64;
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let mut schedule = Vec::new();
            let (mut holding, mut puts, mut reads) = (vec![false; workers], 0, 0);
            // A worker that met its pill stops (the pills are the last jobs).
            let (mut pill, mut stopped) = (vec![false; workers], vec![false; workers]);
            let (mut got, total) = (0, numbers.len() + workers);
            while reads < total {
                let w = (next() % workers as u64) as usize;
                match next() % 3 {
                    0 if !holding[w] && !stopped[w] && got < total => {
                        schedule.push(Step::Get(w));
                        holding[w] = true;
                        pill[w] = got >= numbers.len();
                        got += 1;
                    }
                    1 if holding[w] => {
                        schedule.push(Step::Put(w));
                        holding[w] = false;
                        stopped[w] = pill[w];
                        puts += 1;
                    }
                    2 if reads < puts => {
                        schedule.push(Step::Read);
                        reads += 1;
                    }
                    _ => {}
                }
            }
            let (mut printed, ended) = play(&numbers, workers, &schedule, false);
            printed.sort_unstable();
            assert_eq!(
                (printed, ended),
                (numbers.clone(), true),
                "{workers} workers: every result read once, and the loop ended"
            );
        }
    }

    #[test]
    fn the_gil_hands_over_only_after_the_switch_interval() {
        handed_over_after(Gil::default(), SWITCH_INTERVAL);
    }

    /// `sys.setswitchinterval`: a longer interval makes the waiter wait longer.
    #[test]
    fn a_longer_switch_interval_makes_the_waiter_wait_longer() {
        let interval = Duration::from_millis(40);
        handed_over_after(Gil::with_interval(interval), interval);
    }

    /// However threads ask and hand over, one holds the GIL at a time.
    #[test]
    fn the_gil_never_lets_two_threads_run_at_once() {
        use std::sync::atomic::AtomicUsize;
        let gil = Arc::new(Gil::with_interval(Duration::from_micros(500)));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (gil, inside) = (Arc::clone(&gil), Arc::clone(&inside));
                thread::spawn(move || {
                    for _ in 0..20 {
                        gil.acquire();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        // Python-like work with eval-breaker checks, longer than the
                        // interval, so that waiters ask the holder to hand over.
                        let until = Instant::now() + Duration::from_millis(2);
                        while Instant::now() < until {
                            inside.fetch_sub(1, Ordering::SeqCst);
                            gil.check_switch();
                            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        }
                        inside.fetch_sub(1, Ordering::SeqCst);
                        gil.release();
                    }
                })
            })
            .collect();
        for t in threads {
            join_within(t, "a thread to do its 20 turns");
        }
        assert!(gil.switches() > 0, "the threads were made to hand over");
    }

    /// Two threads that both compute hand the GIL back and forth at every
    /// interval, not once per job: the one made to drop it queues again at
    /// once, and takes it back after the next interval.
    #[test]
    fn two_busy_threads_take_turns_at_every_interval() {
        let gil = Arc::new(Gil::with_interval(Duration::from_millis(2)));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let gil = Arc::clone(&gil);
                thread::spawn(move || {
                    gil.acquire();
                    let until = Instant::now() + Duration::from_millis(200);
                    while Instant::now() < until {
                        gil.check_switch();
                    }
                    gil.release();
                })
            })
            .collect();
        for t in threads {
            join_within(t, "a busy thread to end");
        }
        // 200 ms of each at a 2 ms interval: dozens of turns (not one).
        assert!(gil.switches() >= 10, "{} handovers", gil.switches());
    }

    /// One forced handover, no sooner than `interval` after the waiter asked.
    fn handed_over_after(gil: Gil, interval: Duration) {
        assert_eq!(gil.interval(), interval);
        let gil = Arc::new(gil);
        // The holder computes and checks for requests, as the eval loop
        // does, and never releases on its own, until it has been made to
        // hand over once. Its guard lets go on every way out.
        let (holding_tx, holding_rx) = mpsc::channel();
        let holder = {
            let gil = Arc::clone(&gil);
            thread::spawn(move || {
                let _held = Held::new(&gil);
                holding_tx.send(()).unwrap();
                let deadline = Instant::now() + BOUND;
                while gil.switches() == 0 {
                    assert!(
                        Instant::now() < deadline,
                        "waited {BOUND:?} for the waiter to ask for the GIL"
                    );
                    gil.check_switch();
                }
            })
        };
        recv_within(&holding_rx, "the holder to take the GIL");
        let (tx, rx) = mpsc::channel();
        let waiter = {
            let gil = Arc::clone(&gil);
            thread::spawn(move || {
                let t0 = Instant::now();
                let _held = Held::new(&gil);
                tx.send(t0.elapsed()).unwrap();
            })
        };
        let waited = recv_within(&rx, "the waiter to get the GIL from its holder");
        join_within(waiter, "the waiter to end");
        join_within(holder, "the holder to take the GIL back and end");
        assert_eq!(gil.switches(), 1, "the holder was asked to switch once");
        assert!(
            waited >= interval,
            "handed over after {waited:?}, before the switch interval {interval:?}"
        );
        assert_free(&gil, "after the holder ended");
    }

    #[test]
    fn reports_use_the_books_formats() {
        let r = |n, prime, elapsed| PrimeResult { n, prime, elapsed };
        assert_eq!(
            Mode::Sequential.header(20, 1),
            "Checking 20 numbers sequentially:"
        );
        assert_eq!(
            Mode::Processes.header(20, 8),
            "Checking 20 numbers with 8 processes:"
        );
        assert_eq!(
            Mode::Threads.header(20, 8),
            "Checking 20 numbers with 8 threads:"
        );
        // threads.py under CPython's GIL prints the same header.
        assert_eq!(
            Mode::ThreadsGil.header(20, 2),
            "Checking 20 numbers with 2 threads:"
        );
        assert_eq!(
            Mode::Rayon.header(20, 2),
            "Checking 20 numbers with 2 workers:"
        );
        // Rows copied from the book's outputs.
        assert_eq!(
            Mode::Sequential.row(&r(142702110479723, true, 0.316831)),
            " 142702110479723  P  0.316831s"
        );
        assert_eq!(
            Mode::Processes.row(&r(2, true, 0.000006)),
            "               2  P  0.000006s"
        );
        assert_eq!(
            Mode::Threads.row(&r(3333335652092209, false, 16.243054)),
            "3333335652092209    16.243054s"
        );
        assert_eq!(Mode::Sequential.footer(20, 26.914), "Total time: 26.91s");
        assert_eq!(Mode::Processes.footer(20, 6.514), "20 checks in 6.51s");
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.key()), Some(m));
        }
    }

    #[test]
    fn cancellable_and_gil_checks_agree_with_the_books_answers() {
        use crate::core::primes::{BOOK_PRIME, PRIME_FIXTURE};
        let never = AtomicBool::new(false);
        let gil = Arc::new(Gil::default());
        // The fixture's answers are the book's; the others are literals.
        for (n, expected) in PRIME_FIXTURE.into_iter().take(8).chain([
            (BOOK_PRIME, true),
            (0, false),
            (1, false),
            (2, true),
        ]) {
            assert_eq!(
                check_cancellable(n, &|| false, || 0.0).map(|r| (r.n, r.prime)),
                Some((n, expected)),
                "{n}"
            );
            assert_eq!(
                check_under_gil(n, &gil, &never, || 0.0).map(|r| (r.n, r.prime)),
                Some((n, expected)),
                "{n}"
            );
            assert_free(&gil, &format!("after check_under_gil({n})"));
        }
        let raised = AtomicBool::new(true);
        assert_eq!(check_cancellable(BOOK_PRIME, &|| true, || 0.0), None);
        assert_eq!(check_under_gil(BOOK_PRIME, &gil, &raised, || 0.0), None);
        assert_free(&gil, "after a cancelled check_under_gil");
    }

    #[test]
    fn under_the_gil_only_one_thread_runs_at_a_time() {
        // The threads work until holders have been made to hand over this
        // many times: the GIL really changed hands, whatever the machine's
        // load, and never let two threads work at once.
        const HANDOVERS: u64 = 6;
        let gil = Arc::new(Gil::default());
        let running = Arc::new(AtomicU64::new(0));
        let overlap = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..3)
            .map(|id| {
                let (gil, running, overlap) =
                    (Arc::clone(&gil), Arc::clone(&running), Arc::clone(&overlap));
                thread::spawn(move || {
                    let _held = Held::new(&gil);
                    let deadline = Instant::now() + BOUND;
                    while gil.switches() < HANDOVERS {
                        assert!(
                            Instant::now() < deadline,
                            "thread {id} waited {BOUND:?} for {HANDOVERS} hand-overs, saw {}",
                            gil.switches()
                        );
                        if running.fetch_add(1, Ordering::SeqCst) != 0 {
                            overlap.store(true, Ordering::SeqCst);
                        }
                        std::hint::spin_loop();
                        running.fetch_sub(1, Ordering::SeqCst);
                        gil.check_switch();
                    }
                })
            })
            .collect();
        for (id, h) in handles.into_iter().enumerate() {
            join_within(h, &format!("GIL thread {id} to end"));
        }
        assert!(
            !overlap.load(Ordering::SeqCst),
            "two threads ran Python-like work at once"
        );
        assert_free(&gil, "after every thread ended");
    }
}
