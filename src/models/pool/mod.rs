//! The pool lab's runners: each mode starts its workers, which run the book's
//! protocol (`crate::protocol`) and stream its messages to the page's report
//! loop. The page's main thread only awaits them.
//!
//! - `sequential`: one worker, a thread of the existing pool (not the page's
//!   main thread: 20 checks there would freeze the page for their sum).
//! - `threads`: N new wasm threads sharing memory; the job queue is a
//!   `Mutex` + `Condvar` queue in that memory (a real blocking `jobs.get()`).
//! - `threads-gil`: the same threads, each holding a simulated GIL to check.
//! - `processes`: N workers, each its own wasm instance and memory; they share
//!   only the queue's head (a `SharedArrayBuffer`, as processes share OS
//!   memory) and send results as messages. A page that is not cross-origin
//!   isolated has no `SharedArrayBuffer`: there the queue stays on the page
//!   and each process is fed its jobs by messages, as `multiprocessing`'s
//!   pipes feed a process (and `sequential` runs in one such process).
//! - `rayon`: the numbers with `par_iter` on the pool built at start-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_channel::mpsc;
use js_sys::{Array, Atomics, Int32Array, Reflect, SharedArrayBuffer};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use crate::clock::{epoch_ms, now_seconds};
use crate::primes::PrimeResult;
use crate::protocol::{
    Gil, Job, JobQueue, Message, Mode, check_cancellable, check_under_gil, work_on, worker,
};
use crate::runtime::object;
use crate::runtime::pool::Pool;
use crate::runtime::threads::{self, Process};

/// The stop policies are the protocol's (pure): `models::pool::StopPolicy`
/// still names them.
pub use crate::protocol::StopPolicy;

/// What a stop did: what to tell the learner, and the numbers that will
/// never start.
pub struct StopInfo {
    pub note: String,
    pub never_started: Vec<u64>,
}

/// A started run: how many workers, and how to stop it. Its messages are
/// returned beside it by [`start`].
pub struct PoolRun {
    pub workers: usize,
    /// Epoch ms when the run started (the timeline's zero).
    pub started_at: f64,
    /// Numbers taken from the queue so far (threads, rayon, fed processes;
    /// processes with a shared head count in the head itself).
    taken: Arc<AtomicUsize>,
    control: Control,
}

enum Control {
    /// Threads of this page's memory: the queue and the flag are shared.
    Shared {
        jobs: Arc<JobQueue>,
        /// Rayon has no queue to drain: no new numbers are taken once set.
        no_more: Arc<AtomicBool>,
        cancel: Arc<AtomicBool>,
        /// The simulated GIL of `threads-gil`.
        gil: Option<Arc<Gil>>,
    },
    /// Processes: the queue head and the flag live in a `SharedArrayBuffer`.
    Processes {
        shared: Int32Array,
        numbers: Vec<u64>,
        processes: Vec<Process>,
        tx: mpsc::UnboundedSender<Message>,
    },
    /// Processes without shared memory: the queue is the page's, and each
    /// process is sent one job at a time, the next when it answers.
    Fed {
        jobs: Arc<JobQueue>,
        processes: Vec<Process>,
        tx: mpsc::UnboundedSender<Message>,
        /// Why this run's processes are fed by messages.
        why: &'static str,
    },
}

/// Why a run is fed by messages: the page has no shared memory…
const NOT_ISOLATED: &str = "this page is not cross-origin isolated, so no memory is shared: \
     the job queue stays on the page and each process is sent its next number \
     by a message when it answers (as multiprocessing's pipes feed a process)";
/// …or it has, but its thread pool is out of use (a thread panicked).
const NO_POOL: &str = "the thread pool is out of use, so the sequential check runs in a \
     process of its own, sent its next number by a message when it answers";

/// Word 0 of the processes' shared buffer: the queue head; word 1: cancel.
const HEAD: u32 = 0;
const CANCEL: u32 = 1;

impl PoolRun {
    /// The early `procs.py`'s `jobs.empty()`: every number and every pill
    /// taken (the pills are the last jobs, one a worker).
    pub fn jobs_empty(&self) -> bool {
        match &self.control {
            Control::Shared { jobs, .. } | Control::Fed { jobs, .. } => jobs.is_empty(),
            Control::Processes {
                shared, numbers, ..
            } => {
                let head = Atomics::load(shared, HEAD).unwrap_or(0).max(0) as usize;
                head >= numbers.len() + self.workers
            }
        }
    }

    /// How many numbers the workers have taken from the queue so far (a
    /// stop drains the queue: after one, this is only what was taken before
    /// it, plus, for processes, the numbers it dropped).
    pub fn taken(&self) -> usize {
        match &self.control {
            Control::Processes {
                shared, numbers, ..
            } => (Atomics::load(shared, HEAD).unwrap_or(0).max(0) as usize).min(numbers.len()),
            _ => self.taken.load(Ordering::SeqCst),
        }
    }

    /// How many times the simulated GIL was handed over (`threads-gil` only).
    pub fn gil_handovers(&self) -> Option<u64> {
        match &self.control {
            Control::Shared { gil: Some(gil), .. } => Some(gil.switches()),
            _ => None,
        }
    }

    /// Applies a stop policy.
    pub fn stop(&mut self, policy: StopPolicy) -> StopInfo {
        match &mut self.control {
            Control::Shared {
                jobs,
                no_more,
                cancel,
                ..
            } => {
                no_more.store(true, Ordering::SeqCst);
                let never_started = jobs.drain_checks();
                let dropped = never_started.len();
                let note = match policy {
                    StopPolicy::PoisonPill => format!(
                        "poison pill: {dropped} queued numbers dropped; each worker finishes the number in hand, then meets its pill"
                    ),
                    StopPolicy::CancelFlag => {
                        cancel.store(true, Ordering::SeqCst);
                        format!(
                            "cancel flag raised: {dropped} queued numbers dropped; the numbers in hand stop within milliseconds"
                        )
                    }
                    StopPolicy::Terminate => {
                        // Killing a thread that shares memory could leave a
                        // lock held (the allocator's, a queue's): threads are
                        // stopped by the flag; only processes are terminated.
                        cancel.store(true, Ordering::SeqCst);
                        format!(
                            "terminate applies to processes: a thread killed mid-computation could leave a lock in the shared memory held; \
                             these threads were stopped with the cancel flag instead ({dropped} queued numbers dropped)"
                        )
                    }
                };
                StopInfo {
                    note,
                    never_started,
                }
            }
            Control::Processes {
                shared,
                numbers,
                processes,
                tx,
            } => {
                // Every later `jobs.get()` meets a pill.
                let len = numbers.len() as i32;
                let taken = Atomics::exchange(shared, HEAD, len)
                    .unwrap_or(len)
                    .clamp(0, len) as usize;
                let never_started = numbers[taken..].to_vec();
                let dropped = never_started.len();
                let note = match policy {
                    StopPolicy::PoisonPill => format!(
                        "poison pill: {dropped} queued numbers dropped; each process finishes the number in hand, then meets its pill"
                    ),
                    StopPolicy::CancelFlag => {
                        let _ = Atomics::store(shared, CANCEL, 1);
                        format!(
                            "cancel flag raised: {dropped} queued numbers dropped; the numbers in hand stop within milliseconds"
                        )
                    }
                    StopPolicy::Terminate => terminate(processes, tx),
                };
                StopInfo {
                    note,
                    never_started,
                }
            }
            Control::Fed {
                jobs,
                processes,
                tx,
                ..
            } => {
                // What is left are the pills: every later job handed out is one.
                let never_started = jobs.drain_checks();
                let dropped = never_started.len();
                let note = match policy {
                    StopPolicy::PoisonPill => format!(
                        "poison pill: {dropped} queued numbers dropped; each process finishes the number in hand, then meets its pill"
                    ),
                    StopPolicy::CancelFlag => format!(
                        "no cancel flag without shared memory (this page is not cross-origin isolated): a process busy \
                         with a number cannot see one until it is done, so this stopped like the poison pill \
                         ({dropped} queued numbers dropped; each process finishes the number in hand)"
                    ),
                    StopPolicy::Terminate => terminate(processes, tx),
                };
                StopInfo {
                    note,
                    never_started,
                }
            }
        }
    }

    /// What the learner should know about how this run's jobs travel, when
    /// it is not what the mode's description says.
    pub fn queue_note(&self) -> Option<&'static str> {
        match self.control {
            Control::Fed { why, .. } => Some(why),
            _ => None,
        }
    }
}

/// `Process.terminate()` for every process of a run.
fn terminate(processes: &mut Vec<Process>, tx: &mpsc::UnboundedSender<Message>) -> String {
    let count = processes.len();
    processes.clear(); // each Process terminates its worker on drop
    // Nobody will say "done" now: end the report loop.
    tx.close_channel();
    format!("terminate: {count} processes killed; the numbers they were checking are lost")
}

/// Starts `mode` with `workers` workers on `numbers`. (The early
/// `procs.py` ran the same workers and pills: only its report loop differs,
/// see [`PoolRun::jobs_empty`].)
pub fn start(
    mode: Mode,
    workers: usize,
    numbers: Arc<[u64]>,
    pool: Option<&Pool>,
) -> Result<(PoolRun, mpsc::UnboundedReceiver<Message>), String> {
    let started_at = epoch_ms();
    let (tx, messages) = mpsc::unbounded::<Message>();
    let jobs = Arc::new(JobQueue::with_jobs(&numbers, workers));
    let no_more = Arc::new(AtomicBool::new(false));
    let cancel = Arc::new(AtomicBool::new(false));
    let taken = Arc::new(AtomicUsize::new(0));
    let mut gil = None;
    let needs_pool = || {
        pool.ok_or_else(|| {
            format!(
                "the {} mode needs wasm threads, which this browser does not give this page",
                mode.key()
            )
        })
    };
    match mode {
        // Without threads, the one worker is a process fed by messages.
        Mode::Sequential if pool.is_none() => {
            let why = if crate::runtime::isolated() {
                NO_POOL
            } else {
                NOT_ISOLATED
            };
            return Ok((start_fed(1, jobs, taken, started_at, tx, why)?, messages));
        }
        Mode::Processes if !crate::runtime::isolated() => {
            let run = start_fed(workers, jobs, taken, started_at, tx, NOT_ISOLATED)?;
            return Ok((run, messages));
        }
        Mode::Sequential => {
            let pool = needs_pool()?;
            // The worker reports through `tx`; the job's own receiver is not needed.
            drop(pool.submit(pool_worker(
                0,
                Arc::clone(&jobs),
                Arc::clone(&taken),
                Arc::clone(&cancel),
                None,
                tx.clone(),
            ))?);
        }
        // tag::pool-start-threads[]
        Mode::Threads | Mode::ThreadsGil => {
            // step: start
            needs_pool()?;
            gil = (mode == Mode::ThreadsGil).then(|| Arc::new(Gil::default()));
            for id in 0..workers {
                let body = pool_worker(
                    id,
                    Arc::clone(&jobs),
                    Arc::clone(&taken),
                    Arc::clone(&cancel),
                    gil.clone(),
                    tx.clone(),
                );
                threads::spawn(&format!("spinlab pool Thread-{}", id + 1), move || {
                    body();
                    threads::exit_current_thread();
                })
                .map_err(|e| {
                    format!(
                        "cannot start a thread: {}",
                        crate::runtime::js_error_message(&e)
                    )
                })?;
            }
        }
        // end::pool-start-threads[]
        Mode::Rayon => {
            let pool = needs_pool()?;
            drop(pool.submit(rayon_fixture(
                Arc::clone(&numbers),
                pool.size(),
                Arc::clone(&taken),
                Arc::clone(&no_more),
                Arc::clone(&cancel),
                tx.clone(),
            ))?);
            let run = PoolRun {
                workers: pool.size(),
                started_at,
                taken,
                control: Control::Shared {
                    jobs,
                    no_more,
                    cancel,
                    gil,
                },
            };
            return Ok((run, messages));
        }
        Mode::Processes => {
            return Ok((
                start_processes(workers, &numbers, started_at, taken, tx)?,
                messages,
            ));
        }
    }
    let run = PoolRun {
        workers,
        started_at,
        taken,
        control: Control::Shared {
            jobs,
            no_more,
            cancel,
            gil,
        },
    };
    Ok((run, messages))
}

/// Runs the pool's checking loop for a moment, so that the wasm engine
/// optimises it before any run. Measured in Chromium: a cold page's first
/// `processes` run executed it unoptimised (V8's baseline tier; wasm has no
/// on-stack replacement), 4-5× slower, for the whole run (10.7 s instead of
/// 2.4 s for 80 numbers); with Liftoff disabled, or after any threads run,
/// it did not. Optimised code is shared by every instance of the module,
/// processes included.
pub async fn warm_up(pool: &Pool) {
    use crate::primes::BOOK_PRIME;
    let _ = pool
        .run(|| {
            for _ in 0..2 {
                std::hint::black_box(check_cancellable(BOOK_PRIME, &|| false, now_seconds));
            }
        })
        .await;
}

/// The book's `worker` on a thread of this page's memory.
fn pool_worker(
    id: usize,
    jobs: Arc<JobQueue>,
    taken: Arc<AtomicUsize>,
    cancel: Arc<AtomicBool>,
    gil: Option<Arc<Gil>>,
    tx: mpsc::UnboundedSender<Message>,
) -> impl FnOnce() + Send + 'static {
    move || {
        let _ = tx.unbounded_send(Message::Started {
            worker: id,
            at_ms: epoch_ms(),
        });
        let cancelled = || cancel.load(Ordering::Relaxed);
        worker(
            id,
            || {
                let job = jobs.get();
                if let Job::Check(_) = job {
                    taken.fetch_add(1, Ordering::SeqCst);
                }
                job
            },
            |n| match &gil {
                Some(gil) => check_under_gil(n, gil, &cancel, now_seconds),
                None => check_cancellable(n, &cancelled, now_seconds),
            },
            epoch_ms,
            |message| {
                let _ = tx.unbounded_send(message);
                die_if_armed(&message);
            },
        );
    }
}

/// Test-only (`spinlab.debugPanic("next-worker")`): the armed worker dies
/// right after reporting its first result, mid-run.
fn die_if_armed(message: &Message) {
    if let Message::Result { worker, .. } = message
        && crate::runtime::panics::take_armed()
    {
        panic!("debugPanic: worker {} died mid-run", worker + 1);
    }
}

/// Rayon: the numbers with `par_iter` on the whole pool. Each pool thread is
/// a "worker" of the report; each says done when the iteration is over.
fn rayon_fixture(
    numbers: Arc<[u64]>,
    lanes: usize,
    taken: Arc<AtomicUsize>,
    no_more: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
    tx: mpsc::UnboundedSender<Message>,
) -> impl FnOnce() + Send + 'static {
    use rayon::prelude::*;
    // tag::pool-rayon[]
    move || {
        // step: start
        for id in 0..lanes {
            let _ = tx.unbounded_send(Message::Started {
                worker: id,
                at_ms: epoch_ms(),
            });
        }
        // step: work
        numbers.par_iter().with_max_len(1).for_each(|&n| {
            if no_more.load(Ordering::SeqCst) {
                return;
            }
            taken.fetch_add(1, Ordering::SeqCst);
            let id = rayon::current_thread_index().unwrap_or(0);
            let start_ms = epoch_ms();
            let message =
                match check_cancellable(n, &|| cancel.load(Ordering::Relaxed), now_seconds) {
                    Some(result) => Message::Result {
                        result,
                        worker: id,
                        start_ms,
                        end_ms: epoch_ms(),
                    },
                    None => Message::Cancelled { n, worker: id },
                };
            let _ = tx.unbounded_send(message);
        });
        for id in 0..lanes {
            let _ = tx.unbounded_send(Message::Done { worker: id });
        }
    }
    // end::pool-rayon[]
}

fn start_processes(
    workers: usize,
    numbers: &[u64],
    started_at: f64,
    taken: Arc<AtomicUsize>,
    tx: mpsc::UnboundedSender<Message>,
) -> Result<PoolRun, String> {
    // Without cross-origin isolation the browser withholds SharedArrayBuffer
    // (measured: constructing one anyway took the whole tab down): `start`
    // feeds those processes by messages instead.
    debug_assert!(crate::runtime::isolated());
    // tag::pool-start-processes[]
    // step: start
    let buffer = SharedArrayBuffer::new(8);
    let shared = Int32Array::new(&buffer);
    let list = Array::new();
    for n in numbers {
        list.push(&n.to_string().into());
    }
    let mut processes = Vec::with_capacity(workers);
    for id in 0..workers {
        let payload = object(&[
            ("id", (id as u32).into()),
            ("numbers", list.clone().into()),
            ("shared", buffer.clone().into()),
        ]);
        let mut process = Process::spawn(
            &format!("spinlab pool Process-{}", id + 1),
            super::entry::Entry::PoolWorker.key(),
            &payload.into(),
            &Array::new(),
        )?;
        let tx = tx.clone();
        let messages = process.take_messages();
        wasm_bindgen_futures::spawn_local(forward(id, messages, tx, |_| {}));
        processes.push(process);
    }
    // end::pool-start-processes[]
    Ok(PoolRun {
        workers,
        started_at,
        taken,
        control: Control::Processes {
            shared,
            numbers: numbers.to_vec(),
            processes,
            tx,
        },
    })
}

/// Processes without shared memory: the page keeps the queue (used by the
/// main thread only, so its lock is never contended and never waits) and
/// hands each process a job when it starts and after each of its answers.
fn start_fed(
    workers: usize,
    jobs: Arc<JobQueue>,
    taken: Arc<AtomicUsize>,
    started_at: f64,
    tx: mpsc::UnboundedSender<Message>,
    why: &'static str,
) -> Result<PoolRun, String> {
    let mut processes = Vec::with_capacity(workers);
    for id in 0..workers {
        let mut process = Process::spawn(
            &format!("spinlab pool Process-{}", id + 1),
            super::entry::Entry::PoolFed.key(),
            &object(&[("id", (id as u32).into())]).into(),
            &Array::new(),
        )?;
        let messages = process.take_messages();
        let feed = {
            let (jobs, taken, to) = (Arc::clone(&jobs), Arc::clone(&taken), process.handle());
            move |message: &Message| {
                if let Message::Started { .. }
                | Message::Result { .. }
                | Message::Cancelled { .. } = message
                {
                    let job = jobs.try_get().unwrap_or(Job::Stop);
                    if let Job::Check(_) = job {
                        taken.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = to.post_message(&job_to_js(job));
                }
            }
        };
        wasm_bindgen_futures::spawn_local(forward(id, messages, tx.clone(), feed));
        processes.push(process);
    }
    Ok(PoolRun {
        workers,
        started_at,
        taken,
        control: Control::Fed {
            jobs,
            processes,
            tx,
            why,
        },
    })
}

/// A job as a message: the number as a decimal string (it may be above
/// 2^53), the pill as `null`.
fn job_to_js(job: Job) -> JsValue {
    match job {
        Job::Check(n) => n.to_string().into(),
        Job::Stop => JsValue::NULL,
    }
}

/// Turns a process's messages into protocol messages for the report loop.
/// A process that failed never says done: its report loop learns it from
/// [`Message::Failed`], and why from here.
pub fn failure_of(worker: usize) -> Option<String> {
    FAILURES.with(|f| f.borrow_mut().remove(&worker))
}

thread_local! {
    static FAILURES: std::cell::RefCell<std::collections::HashMap<usize, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

async fn forward(
    worker: usize,
    mut from: mpsc::UnboundedReceiver<Result<JsValue, String>>,
    to: mpsc::UnboundedSender<Message>,
    mut feed: impl FnMut(&Message),
) {
    use std::future::poll_fn;
    use std::pin::Pin;
    while let Some(item) =
        poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut from), cx)).await
    {
        let message = match item {
            Ok(data) => message_from_js(&data),
            Err(reason) => {
                FAILURES.with(|f| f.borrow_mut().insert(worker, reason));
                let _ = to.unbounded_send(Message::Failed { worker });
                return;
            }
        };
        if let Some(message) = message {
            if to.unbounded_send(message).is_err() {
                return;
            }
            feed(&message);
        }
    }
}

fn message_from_js(data: &JsValue) -> Option<Message> {
    let get = |k: &str| Reflect::get(data, &k.into()).ok();
    let num = |k: &str| get(k).and_then(|v| v.as_f64());
    let worker = num("worker")? as usize;
    match get("type")?.as_string()?.as_str() {
        "started" => Some(Message::Started {
            worker,
            at_ms: num("at")?,
        }),
        "done" => Some(Message::Done { worker }),
        "failed" => Some(Message::Failed { worker }),
        "cancelled" => Some(Message::Cancelled {
            n: get("n")?.as_string()?.parse().ok()?,
            worker,
        }),
        "result" => Some(Message::Result {
            result: PrimeResult {
                n: get("n")?.as_string()?.parse().ok()?,
                prime: get("prime")?.as_bool()?,
                elapsed: num("elapsed")?,
            },
            worker,
            start_ms: num("start")?,
            end_ms: num("end")?,
        }),
        _ => None,
    }
}

fn message_to_js(message: &Message) -> JsValue {
    match *message {
        Message::Started { worker, at_ms } => object(&[
            ("type", "started".into()),
            ("worker", (worker as u32).into()),
            ("at", at_ms.into()),
        ]),
        Message::Done { worker } => {
            object(&[("type", "done".into()), ("worker", (worker as u32).into())])
        }
        Message::Failed { worker } => object(&[
            ("type", "failed".into()),
            ("worker", (worker as u32).into()),
        ]),
        Message::Cancelled { n, worker } => object(&[
            ("type", "cancelled".into()),
            ("worker", (worker as u32).into()),
            ("n", n.to_string().into()),
        ]),
        Message::Result {
            result,
            worker,
            start_ms,
            end_ms,
        } => object(&[
            ("type", "result".into()),
            ("worker", (worker as u32).into()),
            ("n", result.n.to_string().into()),
            ("prime", result.prime.into()),
            ("elapsed", result.elapsed.into()),
            ("start", start_ms.into()),
            ("end", end_ms.into()),
        ]),
    }
    .into()
}

/// A pool process's `main`: the book's `worker` over the shared queue head.
pub fn child(payload: JsValue) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let get = |k: &str| Reflect::get(&payload, &k.into()).unwrap_or_default();
    let id = get("id").as_f64().unwrap_or(0.0) as usize;
    let numbers: Vec<u64> = Array::from(&get("numbers"))
        .iter()
        .filter_map(|v| v.as_string()?.parse().ok())
        .collect();
    let shared = Int32Array::new(&get("shared"));
    let post = |message: Message| {
        let _ = scope.post_message(&message_to_js(&message));
        die_if_armed(&message);
    };
    post(Message::Started {
        worker: id,
        at_ms: epoch_ms(),
    });
    let next = || {
        // `jobs.get()`: take the next position; past the numbers lie the pills.
        let i = Atomics::add(&shared, HEAD, 1).unwrap_or(i32::MAX);
        match numbers.get(i as usize) {
            Some(&n) if i >= 0 => Job::Check(n),
            _ => Job::Stop,
        }
    };
    let cancelled = || Atomics::load(&shared, CANCEL).unwrap_or(0) != 0;
    worker(
        id,
        next,
        |n| check_cancellable(n, &cancelled, now_seconds),
        epoch_ms,
        post,
    );
    scope.close();
}

/// A fed pool process's `main`: the book's `worker`, one job per message.
pub fn fed_child(payload: JsValue) {
    use wasm_bindgen::closure::Closure;
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let id = Reflect::get(&payload, &"id".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as usize;
    let post = {
        let scope = scope.clone();
        move |message: Message| {
            let _ = scope.post_message(&message_to_js(&message));
            die_if_armed(&message);
        }
    };
    let on_message = {
        let (scope, post) = (scope.clone(), post.clone());
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            // A string is a number to check (the page sends only valid ones);
            // anything else is the pill.
            let job = event
                .data()
                .as_string()
                .and_then(|s| s.parse().ok())
                .map_or(Job::Stop, Job::Check);
            // No flag can be shared: a number in hand always runs to its end.
            let wants_more = work_on(
                id,
                job,
                |n| check_cancellable(n, &|| false, now_seconds),
                epoch_ms,
                &post,
            );
            if !wants_more {
                scope.close();
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the process
    // Its first job comes in answer to this.
    post(Message::Started {
        worker: id,
        at_ms: epoch_ms(),
    });
}

/// Rayon's data parallelism, beyond the book: one number's trial division
/// split into `parts` ranges checked in parallel on the pool, so that one
/// huge prime also uses every core. The same divisions as `is_prime`; the
/// first range to find a divisor stops the others. Run it on a pool thread.
pub fn split_check(n: u64, parts: usize) -> PrimeResult {
    use crate::primes::{divisor_ranges, has_divisor_in};
    use rayon::prelude::*;
    let t0 = now_seconds();
    let found = AtomicBool::new(false);
    let prime = match n {
        0 | 1 => false,
        2 => true,
        _ if n.is_multiple_of(2) => false,
        _ => !divisor_ranges(n, parts).par_iter().any(|&(lo, hi)| {
            let hit = has_divisor_in(n, lo, hi, &found);
            if hit {
                found.store(true, Ordering::Relaxed);
            }
            hit
        }),
    };
    PrimeResult {
        n,
        prime,
        elapsed: now_seconds() - t0,
    }
}

/// What a run without the lab's table and timeline measured (the benchmark).
pub struct QuietRun {
    pub total_ms: f64,
    /// When the last worker had started, from the run's start.
    pub startup_ms: f64,
    /// The main thread's longest gap during the run.
    pub gap_ms: f64,
    /// Each number's check, in the order the results arrived.
    pub results: Vec<PrimeResult>,
}

/// Runs `mode` to the end and only measures it: the same workers and
/// protocol as the pool lab, without drawing anything.
pub async fn run_quietly(
    mode: Mode,
    workers: usize,
    numbers: Arc<[u64]>,
    pool: Option<&Pool>,
) -> Result<QuietRun, String> {
    use crate::protocol::Report;
    use std::future::poll_fn;
    use std::pin::Pin;
    crate::runtime::monitor::begin_gap();
    let since = crate::runtime::panics::seen();
    let (run, mut messages) = start(mode, workers, numbers, pool)?;
    let mut report = Report::new(run.workers);
    let mut results = Vec::new();
    let mut startup_ms = 0.0f64;
    while let Some(message) = crate::runtime::panics::guarded(
        since,
        poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut messages), cx)),
    )
    .await?
    {
        match &message {
            Message::Started { at_ms, .. } => startup_ms = startup_ms.max(at_ms - run.started_at),
            Message::Result { result, .. } => results.push(*result),
            Message::Failed { worker } => {
                return Err(
                    failure_of(*worker).unwrap_or_else(|| format!("process {} failed", worker + 1))
                );
            }
            Message::Cancelled { .. } | Message::Done { .. } => {}
        }
        if !report.take(&message) {
            break;
        }
    }
    let total_ms = epoch_ms() - run.started_at;
    let gap_ms = crate::runtime::monitor::end_gap();
    Ok(QuietRun {
        total_ms,
        startup_ms,
        gap_ms,
        results,
    })
}

/// The other way to feed a worker, the way `multiprocessing` pipes do:
/// every job a message to one process, every result a message back. Returns
/// the microseconds a job, its process's start-up excluded.
pub async fn message_queue(numbers: &[u64]) -> Result<f64, String> {
    let mut process = Process::spawn(
        "spinlab message queue",
        super::entry::Entry::QueueWorker.key(),
        &JsValue::UNDEFINED,
        &Array::new(),
    )?;
    process.recv().await?; // "ready"
    let t0 = now_seconds();
    for n in numbers {
        process.post(&n.to_string().into())?;
    }
    for _ in numbers {
        process.recv().await?;
    }
    Ok((now_seconds() - t0) * 1e6 / numbers.len().max(1) as f64)
}

/// The message queue's process: `check(n)` for each number it is sent.
pub fn queue_child(_payload: JsValue) {
    use wasm_bindgen::closure::Closure;
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let answer = event
                .data()
                .as_string()
                .and_then(|s| s.parse().ok())
                .map(|n| crate::primes::check(n).prime);
            let _ = reply.post_message(&answer.map_or(JsValue::NULL, JsValue::from));
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the process
    let _ = scope.post_message(&"ready".into());
}
