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
            let why = if crate::runtime::shared_memory() {
                NO_POOL
            } else {
                no_shared_memory()
            };
            return Ok((start_fed(1, jobs, taken, started_at, tx, why)?, messages));
        }
        Mode::Processes if !crate::runtime::shared_memory() && per_job => {
            return Err(
                "one process per number takes its number from a shared queue, and this page \
                 has no shared memory"
                    .into(),
            );
        }
        Mode::Processes if !crate::runtime::shared_memory() => {
            let run = start_fed(workers, jobs, taken, started_at, tx, no_shared_memory())?;
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
                Duty {
                    gil: None,
                    waits: kind.waits(0),
                    per_job: false,
                },
                tx.clone(),
            ))?);
        }
        // tag::pool-start-threads[]
        Mode::Threads | Mode::ThreadsGil => {
            // step: start
            needs_pool()?;
            gil = (mode == Mode::ThreadsGil).then(|| Arc::new(Gil::with_interval(switch_interval)));
            for id in 0..workers {
                let body = pool_worker(
                    id,
                    Arc::clone(&jobs),
                    Arc::clone(&taken),
                    Arc::clone(&cancel),
                    Duty {
                        gil: gil.clone(),
                        waits: kind.waits(id),
                        per_job,
                    },
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
                start_processes(workers, &numbers, started_at, taken, tx, per_job)?,
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
    use crate::core::primes::BOOK_PRIME;
    let _ = pool
        .run(|| {
            for _ in 0..2 {
                std::hint::black_box(check_cancellable(BOOK_PRIME, &|| false, now_seconds));
            }
        })
        .await;
}
