//! The lock lab on this page's execution units: threads of the page's
//! memory (with or without the simulated GIL), coroutines on one event loop,
//! and processes with memories of their own. The counting itself is the
//! core's (`crate::core::lock`); this file starts the units and collects what
//! they counted.

use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_channel::oneshot;
use js_sys::{Atomics, Int32Array, Reflect, SharedArrayBuffer};
use wasm_bindgen::{JsCast, JsValue};

use super::entry::Entry;
use crate::core::clock::now_seconds;
use crate::core::lock::{Units, count_locked, count_racy, count_under_gil, run_coroutines};
use crate::core::protocol::Gil;
use crate::runtime::messages::ToPage;
use crate::runtime::pool::Pool;
use crate::runtime::threads::{self, Process};
use crate::runtime::{js_error_message, object};

/// The module's `counter` when processes share nothing: every instance has
/// its own. Only processes count in it, so the page's stays 0.
static PROCESS_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What a run counted.
pub struct Counted {
    /// The shared counter at the end (for processes sharing nothing: the
    /// smallest of their own counters).
    pub got: u64,
    /// Time the units spent waiting for the lock, summed.
    pub lock_wait_secs: f64,
    /// Thread + GIL: how many times a holder was made to hand the GIL over.
    pub handovers: Option<u64>,
    /// Processes sharing nothing: each one's own counter, in order of start.
    pub own: Vec<(usize, u64)>,
    /// Processes sharing nothing: the page's own `counter`.
    pub parent: u64,
}

/// What a run asks for.
#[derive(Clone, Copy, Debug)]
pub struct LockPlan {
    pub units: Units,
    pub lock: bool,
    pub workers: usize,
    pub increments: u64,
    pub await_between: bool,
    pub switch_interval: Duration,
}

/// Runs `plan` to the end.
pub async fn count(plan: LockPlan, pool: Option<&Pool>) -> Result<Counted, String> {
    let needs_threads = || {
        pool.ok_or_else(|| {
            format!(
                "the {} need wasm threads, which this browser does not give this page",
                plan.units.key()
            )
        })
    };
    match plan.units {
        Units::Threads | Units::ThreadsGil => {
            needs_threads()?;
            count_on_threads(plan).await
        }
        Units::Coroutines => {
            let (workers, increments, pause, lock) =
                (plan.workers, plan.increments, plan.await_between, plan.lock);
            let got = needs_threads()?
                .run(move || run_coroutines(workers, increments, pause, lock))
                .await?;
            Ok(Counted {
                got,
                lock_wait_secs: 0.0,
                handovers: None,
                own: Vec::new(),
                parent: 0,
            })
        }
        Units::Processes => count_in_processes(plan).await,
    }
}

/// Where the counting threads wait until all are up, so that they count
/// together (a thread takes tens of ms to start: else the first could be
/// done before the last begins). Unlike a `Barrier`, the page can call the
/// start off when a thread fails to start, and no thread waits forever.
struct StartLine {
    workers: usize,
    up: AtomicUsize,
    off: AtomicBool,
}

impl StartLine {
    fn new(workers: usize) -> StartLine {
        StartLine {
            workers,
            up: AtomicUsize::new(0),
            off: AtomicBool::new(false),
        }
    }

    /// On a counting thread: waits until every thread is up; `false` when
    /// the run was called off.
    fn wait(&self) -> bool {
        self.up.fetch_add(1, Ordering::SeqCst);
        while self.up.load(Ordering::SeqCst) < self.workers {
            if self.off.load(Ordering::SeqCst) {
                return false;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        !self.off.load(Ordering::SeqCst)
    }
}

// tag::lock-threads[]
/// `workers` threads of the page's memory on one counter: an atomic read
/// and write apart (no lock), a `Mutex` (lock), or under the GIL.
async fn count_on_threads(plan: LockPlan) -> Result<Counted, String> {
    let racy = Arc::new(AtomicU64::new(0));
    let locked = Arc::new(Mutex::new(0u64));
    let gil = (plan.units == Units::ThreadsGil)
        .then(|| Arc::new(Gil::with_interval(plan.switch_interval)));
    let gil_lock = Arc::new(Mutex::new(()));
    let start = Arc::new(StartLine::new(plan.workers));
    let mut done = Vec::new();
    for id in 0..plan.workers {
        let (racy, locked, gil, gil_lock, line) = (
            Arc::clone(&racy),
            Arc::clone(&locked),
            gil.clone(),
            Arc::clone(&gil_lock),
            Arc::clone(&start),
        );
        let (tx, rx) = oneshot::channel::<f64>();
        let increments = plan.increments;
        let lock = plan.lock;
        let spawned = threads::spawn(&format!("spinlab counter Thread-{}", id + 1), move || {
            if !line.wait() {
                let _ = tx.send(0.0);
                return threads::exit_current_thread();
            }
            let waited = match (&gil, lock) {
                (Some(gil), _) => {
                    let lock = lock.then_some(&*gil_lock);
                    count_under_gil(&racy, gil, lock, increments, &now_seconds)
                }
                (None, true) => count_locked(&locked, increments, &now_seconds),
                (None, false) => {
                    count_racy(&racy, increments);
                    0.0
                }
            };
            let _ = tx.send(waited);
            threads::exit_current_thread();
        });
        if let Err(e) = spawned {
            // The threads already up go home instead of waiting forever.
            start.off.store(true, Ordering::SeqCst);
            return Err(format!("cannot start a thread: {}", js_error_message(&e)));
        }
        done.push(rx);
    }
    let mut lock_wait_secs = 0.0;
    for rx in done {
        lock_wait_secs += rx
            .await
            .map_err(|_| "a counting thread ended without a word")?;
    }
    let got = if plan.lock && gil.is_none() {
        *locked.lock().expect("the counter's lock")
    } else {
        racy.load(Ordering::SeqCst)
    };
    Ok(Counted {
        got,
        lock_wait_secs,
        handovers: gil.map(|g| g.switches()),
        own: Vec::new(),
        parent: 0,
    })
}
// end::lock-threads[]

// tag::lock-processes[]
/// `workers` processes: each counts in its own memory, or, with the lock,
/// in a `SharedArrayBuffer` (`multiprocessing.Value`: the counter and its
/// lock in shared memory).
async fn count_in_processes(plan: LockPlan) -> Result<Counted, String> {
    let shared = if plan.lock {
        if !crate::runtime::shared_memory() {
            return Err(
                "a counter shared by processes needs shared memory, which this page \
                        lacks (it is not cross-origin isolated, or the browser withholds \
                        SharedArrayBuffer)"
                    .into(),
            );
        }
        // [lock word, counter]
        Some(Int32Array::new(&SharedArrayBuffer::new(8)))
    } else {
        None
    };
    let payload = |id: usize| {
        object(&[
            ("id", (id as u32).into()),
            ("increments", (plan.increments as f64).into()),
            (
                "shared",
                shared.clone().map_or(JsValue::UNDEFINED, Into::into),
            ),
        ])
    };
    let mut processes = Vec::new();
    for id in 1..=plan.workers {
        let name = format!("spinlab counter Process-{id}");
        processes.push(Process::spawn(
            &name,
            Entry::LockCount.key(),
            &payload(id),
            &js_sys::Array::new(),
        )?);
    }
    let mut own = Vec::new();
    let mut lock_wait_secs = 0.0;
    for (i, process) in processes.iter_mut().enumerate() {
        let ToPage::Counted { count, waited_secs } = process.recv().await? else {
            return Err("a process answered without its count".into());
        };
        own.push((i + 1, count));
        lock_wait_secs += waited_secs;
    }
    let got = match &shared {
        Some(shared) => Atomics::load(shared, 1).map_err(|e| js_error_message(&e))? as u64,
        None => own.iter().map(|(_, c)| *c).min().unwrap_or(0),
    };
    Ok(Counted {
        got,
        lock_wait_secs,
        handovers: None,
        own: if shared.is_some() { Vec::new() } else { own },
        parent: PROCESS_COUNTER.load(Ordering::SeqCst),
    })
}

/// A counting process: its own `counter`, or the shared one under its lock.
pub fn child(payload: JsValue) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let increments = Reflect::get(&payload, &"increments".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u64;
    let shared = Reflect::get(&payload, &"shared".into())
        .ok()
        .and_then(|v| v.dyn_into::<Int32Array>().ok());
    let (count, waited) = match shared {
        None => {
            count_racy(&PROCESS_COUNTER, increments);
            (PROCESS_COUNTER.load(Ordering::SeqCst), 0.0)
        }
        Some(shared) => {
            let mut waited = 0.0;
            for _ in 0..increments {
                let t0 = now_seconds();
                // The lock word: 0 free, 1 taken; sleep on it while taken.
                while Atomics::compare_exchange(&shared, 0, 0, 1).unwrap_or(1) != 0 {
                    let _ = Atomics::wait(&shared, 0, 1);
                }
                waited += now_seconds() - t0;
                let value = Atomics::load(&shared, 1).unwrap_or(0);
                crate::core::lock::busy();
                let _ = Atomics::store(&shared, 1, value + 1);
                let _ = Atomics::store(&shared, 0, 0);
                let _ = Atomics::notify_with_count(&shared, 0, 1);
            }
            (Atomics::load(&shared, 1).unwrap_or(0) as u64, waited)
        }
    };
    let _ = scope.post_message(
        &ToPage::Counted {
            count,
            waited_secs: waited,
        }
        .encode(),
    );
    scope.close();
}
// end::lock-processes[]
