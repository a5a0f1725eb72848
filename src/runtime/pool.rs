//! The thread pool, owned by a dedicated coordinator worker.
//!
//! wasm-bindgen-rayon's pool must not be driven from the page's main thread:
//! rayon's blocking waits spin there (measured: 1.3x on 2 cores instead of 2x,
//! and a frozen page), and a contended `Mutex` traps (`Atomics.wait` is not
//! allowed on the main thread). So the main thread only *sends* jobs over a
//! lock-free channel and *awaits* their results; the coordinator, a worker,
//! builds the pool once and hands each job to rayon.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use web_sys::Worker;

use super::js_error_message;
use super::threads;

type Job = Box<dyn FnOnce() + Send>;

/// How long one attempt at starting the pool may take (measured: under 0.3 s
/// on 2 cores, ≈1 s with a core kept busy; a worker that never loads would
/// otherwise leave `initThreadPool` pending forever), and how many attempts
/// the page makes: Firefox ESR 153 now and then never runs a worker the
/// coordinator starts (no script run, no message, no error; about one page
/// load in 15 in the test suite), and a second coordinator starts normally.
const START_TIMEOUT_MS: u32 = 10_000;
const START_ATTEMPTS: u32 = 3;

/// A handle to the pool, held by the main thread.
pub struct Pool {
    jobs: mpsc::UnboundedSender<Job>,
    size: usize,
    coordinator: Worker,
    /// Turns the coordinator's failures into a reason, as long as the pool lives.
    _watch: threads::Watch,
}

/// Why an attempt failed, and whether another attempt may do better (a
/// worker that never started, as against an error a worker reported).
struct Failed {
    reason: String,
    timed_out: bool,
}

impl Pool {
    /// Starts the coordinator worker and waits until it has built a pool of
    /// `size` threads, trying again where a worker silently never started.
    /// Fails with a readable reason, never hangs. Returns the pool and the
    /// reasons of the attempts that failed before it.
    pub async fn start(size: usize) -> Result<(Pool, Vec<String>), String> {
        let mut failed = Vec::new();
        for _ in 0..START_ATTEMPTS {
            match Pool::start_once(size).await {
                Ok(pool) => return Ok((pool, failed)),
                Err(Failed {
                    reason,
                    timed_out: true,
                }) => failed.push(reason),
                Err(Failed { reason, .. }) => return Err(reason),
            }
        }
        Err(format!(
            "{} attempts failed, the last because {}",
            START_ATTEMPTS,
            failed.pop().unwrap_or_default()
        ))
    }

    async fn start_once(size: usize) -> Result<Pool, Failed> {
        let (jobs, jobs_rx) = mpsc::unbounded::<Job>();
        let (ready_tx, ready_rx) = oneshot::channel::<Result<(), String>>();
        // Set by the coordinator once it runs: a timeout then says which
        // worker never started, the coordinator or one of the pool's threads.
        let running = Arc::new(AtomicBool::new(false));
        let coordinator = threads::spawn("spinlab coordinator", {
            let running = Arc::clone(&running);
            move || {
                running.store(true, Ordering::SeqCst);
                wasm_bindgen_futures::spawn_local(coordinate(size, jobs_rx, ready_tx));
            }
        })
        .map_err(|e| Failed {
            reason: format!(
                "could not start the coordinator worker: {}",
                js_error_message(&e)
            ),
            timed_out: false,
        })?;

        // The coordinator can also fail before it can answer (its module did
        // not load, or it panicked): those reports arrive as worker events.
        let (failed_tx, failed_rx) = oneshot::channel::<Failed>();
        let failed_tx = Rc::new(RefCell::new(Some(failed_tx)));
        let report = move |failed: Failed| {
            if let Some(tx) = failed_tx.borrow_mut().take() {
                let _ = tx.send(failed);
            }
        };
        wasm_bindgen_futures::spawn_local({
            let report = report.clone();
            async move {
                gloo_timers::future::TimeoutFuture::new(START_TIMEOUT_MS).await;
                // A no-op if the pool is up by now.
                report(Failed {
                    reason: format!(
                        "the thread pool did not start within {} s ({})",
                        START_TIMEOUT_MS / 1000,
                        if running.load(Ordering::SeqCst) {
                            "its coordinator ran, but not every one of its threads reported for work"
                        } else {
                            "its coordinator worker never ran"
                        }
                    ),
                    timed_out: true,
                });
            }
        });
        let watch = threads::watch(&coordinator, move |message| {
            report(Failed {
                reason: format!("the coordinator worker failed: {message}"),
                timed_out: false,
            });
        });

        let started = first_of(ready_rx, failed_rx).await;
        match started {
            Ok(()) => Ok(Pool {
                jobs,
                size,
                coordinator,
                _watch: watch,
            }),
            Err(reason) => {
                coordinator.terminate();
                Err(reason)
            }
        }
    }

    /// The number of pool threads.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Sends `f` to a pool thread; its result arrives on the receiver. Does
    /// not borrow the pool beyond the call.
    pub fn submit<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<oneshot::Receiver<R>, String> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .unbounded_send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| "the thread pool has stopped".to_string())?;
        Ok(rx)
    }

    /// Runs `f` on a pool thread and resolves with its result. The main
    /// thread awaits (the coordinator's wake-up reaches it through
    /// `Atomics.waitAsync`); it never blocks.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, String> {
        if let Some(message) = super::panics::broken() {
            return Err(super::panics::explain(&message));
        }
        let since = super::panics::seen();
        super::panics::guarded(since, self.submit(f)?)
            .await?
            .map_err(|_| "the pool thread stopped before it answered".to_string())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.coordinator.terminate();
    }
}

/// The coordinator's event loop: build the pool once, then hand jobs to rayon.
async fn coordinate(
    size: usize,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    ready: oneshot::Sender<Result<(), String>>,
) {
    // No rayon API may be touched before this resolves: it would build
    // rayon's default pool, and this one could then not be installed.
    let built = wasm_bindgen_rayon::init_thread_pool(size).await;
    let failed = built.is_err();
    let _ = ready.send(built.map(drop).map_err(|e| {
        format!(
            "the thread pool could not be built: {}",
            js_error_message(&e)
        )
    }));
    if failed {
        return;
    }
    while let Some(job) = jobs.next().await {
        rayon::spawn(job);
    }
}

/// Resolves with the coordinator's answer, or with the failure reported first.
async fn first_of(
    ready: oneshot::Receiver<Result<(), String>>,
    failed: oneshot::Receiver<Failed>,
) -> Result<(), Failed> {
    let answered = |answer: Result<Result<(), String>, _>| match answer {
        Ok(Ok(())) => Ok(()),
        Ok(Err(reason)) => Err(Failed {
            reason,
            timed_out: false,
        }),
        Err(_) => Err(Failed {
            reason: "the coordinator worker stopped before the pool was built".into(),
            timed_out: false,
        }),
    };
    // `select` polls the answer first: if both are in, the answer wins.
    match select(ready, failed).await {
        Either::Left((answer, _)) => answered(answer),
        Either::Right((Ok(failed), _)) => Err(failed),
        // Nobody is left to report a failure: the answer decides.
        Either::Right((Err(_), ready)) => answered(ready.await),
    }
}
