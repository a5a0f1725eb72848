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

/// How long the pool may take to start before the page gives up and says so
/// (measured: under 0.3 s on 2 cores; a worker that never loads would
/// otherwise leave `initThreadPool` pending forever).
const START_TIMEOUT_MS: u32 = 30_000;

/// A handle to the pool, held by the main thread.
pub struct Pool {
    jobs: mpsc::UnboundedSender<Job>,
    size: usize,
    coordinator: Worker,
    /// Turns the coordinator's failures into a reason, as long as the pool lives.
    _watch: threads::Watch,
}

impl Pool {
    /// Starts the coordinator worker and waits until it has built a pool of
    /// `size` threads. Fails with a readable reason, never hangs on an error
    /// the coordinator reports.
    pub async fn start(size: usize) -> Result<Pool, String> {
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
        .map_err(|e| {
            format!(
                "could not start the coordinator worker: {}",
                js_error_message(&e)
            )
        })?;

        // The coordinator can also fail before it can answer (its module did
        // not load, or it panicked): those reports arrive as worker events.
        let (failed_tx, failed_rx) = oneshot::channel::<String>();
        let failed_tx = Rc::new(RefCell::new(Some(failed_tx)));
        let report = move |message: String| {
            if let Some(tx) = failed_tx.borrow_mut().take() {
                let _ = tx.send(message);
            }
        };
        wasm_bindgen_futures::spawn_local({
            let report = report.clone();
            async move {
                gloo_timers::future::TimeoutFuture::new(START_TIMEOUT_MS).await;
                // A no-op if the pool is up by now.
                report(format!(
                    "the thread pool did not start within {} s ({})",
                    START_TIMEOUT_MS / 1000,
                    if running.load(Ordering::SeqCst) {
                        "its coordinator ran, but not every one of its threads reported for work"
                    } else {
                        "its coordinator worker never ran"
                    }
                ));
            }
        });
        let watch = threads::watch(&coordinator, move |message| {
            report(format!("the coordinator worker failed: {message}"));
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
    failed: oneshot::Receiver<String>,
) -> Result<(), String> {
    let stopped = || Err("the coordinator worker stopped before the pool was built".into());
    // `select` polls the answer first: if both are in, the answer wins.
    match select(ready, failed).await {
        Either::Left((answer, _)) => answer.unwrap_or_else(|_| stopped()),
        Either::Right((Ok(reason), _)) => Err(reason),
        // Nobody is left to report a failure: the answer decides.
        Either::Right((Err(_), ready)) => ready.await.unwrap_or_else(|_| stopped()),
    }
}
