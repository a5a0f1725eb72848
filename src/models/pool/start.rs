//! Starting a run: the mode picks its workers (a pool thread, threads of
//! this page's memory, processes, rayon's pool) and how to stop them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

use futures_channel::mpsc;

use super::processes::{start_fed, start_processes};
use super::rayon::rayon_fixture;
use super::run::{Control, PoolRun};
use super::threads::{Duty, pool_worker};
use crate::core::clock::{epoch_ms, now_seconds};
use crate::core::protocol::{Gil, JobKind, JobQueue, Message, Mode, check_cancellable};
use crate::runtime::pool::Pool;
use crate::runtime::threads;

/// Why a run is fed by messages: the page has no shared memory…
fn no_shared_memory() -> &'static str {
    if crate::runtime::isolated() {
        "this browser gives this page no SharedArrayBuffer, so no memory is shared: \
         the job queue stays on the page and each process is sent its next number \
         by a message when it answers (as multiprocessing's pipes feed a process)"
    } else {
        "this page is not cross-origin isolated, so no memory is shared: \
         the job queue stays on the page and each process is sent its next number \
         by a message when it answers (as multiprocessing's pipes feed a process)"
    }
}
/// …or it has, but its thread pool is out of use (a thread panicked).
const NO_POOL: &str = "the thread pool is out of use, so the sequential check runs in a \
     process of its own, sent its next number by a message when it answers";

/// What the workers of a run share in this page's memory: the job queue,
/// how many numbers were taken, and the stop flags.
struct Shared {
    jobs: Arc<JobQueue>,
    taken: Arc<AtomicUsize>,
    no_more: Arc<AtomicBool>,
    cancel: Arc<AtomicBool>,
}

impl Shared {
    fn new(numbers: &[u64], workers: usize) -> Shared {
        Shared {
            jobs: Arc::new(JobQueue::with_jobs(numbers, workers)),
            taken: Arc::new(AtomicUsize::new(0)),
            no_more: Arc::new(AtomicBool::new(false)),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A worker's share: the queue, the count, the cancel flag.
    fn for_worker(&self) -> (Arc<JobQueue>, Arc<AtomicUsize>, Arc<AtomicBool>) {
        (
            Arc::clone(&self.jobs),
            Arc::clone(&self.taken),
            Arc::clone(&self.cancel),
        )
    }

    /// The run of `workers` workers sharing this, stopped through it.
    fn run(self, workers: usize, started_at: f64, gil: Option<Arc<Gil>>) -> PoolRun {
        PoolRun {
            workers,
            started_at,
            taken: self.taken,
            control: Control::Shared {
                jobs: self.jobs,
                no_more: self.no_more,
                cancel: self.cancel,
                gil,
            },
        }
    }
}

/// Starts `mode` with `workers` workers on `numbers`. (The early
/// `procs.py` ran the same workers and pills: only its report loop differs,
/// see [`PoolRun::jobs_empty`].) `per_job`: each worker takes one number
/// and ends (`workers` is then one per number; processes and threads only).
pub fn start(
    mode: Mode,
    workers: usize,
    numbers: Arc<[u64]>,
    pool: Option<&Pool>,
    switch_interval: std::time::Duration,
    kind: JobKind,
    per_job: bool,
) -> Result<(PoolRun, mpsc::UnboundedReceiver<Message>), String> {
    let started_at = epoch_ms();
    let (tx, messages) = mpsc::unbounded::<Message>();
    let shared = Shared::new(&numbers, workers);
    let shared_memory = crate::runtime::shared_memory();
    let needs_pool = || {
        pool.ok_or_else(|| {
            format!(
                "the {} mode needs wasm threads, which this browser does not give this page",
                mode.key()
            )
        })
    };
    let run = match mode {
        // Without threads, the one worker is a process fed by messages.
        Mode::Sequential if pool.is_none() => {
            let why = if shared_memory {
                NO_POOL
            } else {
                no_shared_memory()
            };
            start_fed(1, shared.jobs, shared.taken, started_at, tx, why)?
        }
        Mode::Processes if !shared_memory && per_job => {
            return Err(
                "one process per number takes its number from a shared queue, and this page \
                 has no shared memory"
                    .into(),
            );
        }
        Mode::Processes if !shared_memory => {
            let why = no_shared_memory();
            start_fed(workers, shared.jobs, shared.taken, started_at, tx, why)?
        }
        Mode::Processes => {
            start_processes(workers, &numbers, started_at, shared.taken, tx, per_job)?
        }
        Mode::Sequential => {
            let (jobs, taken, cancel) = shared.for_worker();
            let duty = Duty {
                gil: None,
                waits: kind.waits(0),
                per_job: false,
            };
            // The worker reports through `tx`; the job's own receiver is not needed.
            drop(needs_pool()?.submit(pool_worker(0, jobs, taken, cancel, duty, tx))?);
            shared.run(workers, started_at, None)
        }
        Mode::Threads | Mode::ThreadsGil => {
            needs_pool()?;
            let gil =
                (mode == Mode::ThreadsGil).then(|| Arc::new(Gil::with_interval(switch_interval)));
            start_threads(workers, &shared, gil.clone(), kind, per_job, &tx)?;
            shared.run(workers, started_at, gil)
        }
        Mode::Rayon => {
            let pool = needs_pool()?;
            drop(pool.submit(rayon_fixture(
                Arc::clone(&numbers),
                pool.size(),
                Arc::clone(&shared.taken),
                Arc::clone(&shared.no_more),
                Arc::clone(&shared.cancel),
                tx,
            ))?);
            shared.run(pool.size(), started_at, None)
        }
    };
    Ok((run, messages))
}

// tag::pool-start-threads[]
/// Threads of this page's memory, one per worker, each running the book's
/// `worker` loop on the shared queue (with the GIL, for threads-gil).
fn start_threads(
    workers: usize,
    shared: &Shared,
    gil: Option<Arc<Gil>>,
    kind: JobKind,
    per_job: bool,
    tx: &mpsc::UnboundedSender<Message>,
) -> Result<(), String> {
    // step: start
    for id in 0..workers {
        let (jobs, taken, cancel) = shared.for_worker();
        let duty = Duty {
            gil: gil.clone(),
            waits: kind.waits(id),
            per_job,
        };
        let body = pool_worker(id, jobs, taken, cancel, duty, tx.clone());
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
    Ok(())
}
// end::pool-start-threads[]

/// Runs the pool's checking loop for a moment, so that the wasm engine
/// optimises it before any run. Measured in Chromium: a cold page's first
/// `processes` run executed it unoptimised (V8's baseline tier; wasm has no
/// on-stack replacement), 4-5× slower, for the whole run (10.7 s instead of
/// 2.4 s for 80 numbers); with Liftoff disabled, or after any threads run,
/// it did not. Optimised code is shared by every instance of the module,
/// processes included.
pub async fn warm_up(pool: &Pool) {
    use crate::core::primes::BOOK_PRIME;
    let _ = pool
        .run(|| {
            for _ in 0..2 {
                std::hint::black_box(check_cancellable(BOOK_PRIME, &|| false, now_seconds));
            }
        })
        .await;
}
