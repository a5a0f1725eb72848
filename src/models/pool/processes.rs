//! The `processes` mode (and `sequential` without threads): workers with a
//! wasm instance and memory of their own. The page's half starts them and
//! turns their messages into the protocol's; the process's half, its `main`,
//! runs the book's `worker`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{Array, Atomics, Int32Array, Reflect, SharedArrayBuffer};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use super::run::{CANCEL, Control, HEAD, PoolRun, die_if_armed};
use crate::core::clock::{epoch_ms, now_seconds};
use crate::core::protocol::{
    Boot, Job, JobQueue, Message, check_cancellable, one_job, work_on, worker,
};
use crate::runtime::messages::{ToPage, ToWorker};
use crate::runtime::object;
use crate::runtime::threads::{Process, boot_stamps};

pub(super) fn start_processes(
    workers: usize,
    numbers: &[u64],
    started_at: f64,
    taken: Arc<AtomicUsize>,
    tx: mpsc::UnboundedSender<Message>,
    per_job: bool,
) -> Result<PoolRun, String> {
    // Without cross-origin isolation the browser withholds SharedArrayBuffer
    // (measured: constructing one anyway took the whole tab down): `start`
    // feeds those processes by messages instead.
    debug_assert!(crate::runtime::shared_memory());
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
            ("perJob", per_job.into()),
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
pub(super) fn start_fed(
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
                    let _ = to.post_message(&ToWorker::from(job).encode());
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

/// Turns a process's messages into protocol messages for the report loop.
/// A process that failed never says done: its report loop learns it, and
/// why, from [`Message::Failed`].
async fn forward(
    worker: usize,
    mut from: mpsc::UnboundedReceiver<Result<ToPage, String>>,
    to: mpsc::UnboundedSender<Message>,
    mut feed: impl FnMut(&Message),
) {
    while let Some(item) = from.next().await {
        let message = match item {
            Ok(ToPage::Pool(message)) => Some(message),
            Ok(_) => None,
            Err(reason) => {
                let _ = to.unbounded_send(Message::Failed { worker, reason });
                return;
            }
        };
        if let Some(message) = message {
            if to.unbounded_send(message.clone()).is_err() {
                return;
            }
            feed(&message);
        }
    }
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
        let _ = scope.post_message(&ToPage::Pool(message.clone()).encode());
        die_if_armed(&message);
    };
    post(Message::Started {
        worker: id,
        at_ms: epoch_ms(),
        boot: Boot::from_stamps(&boot_stamps()),
    });
    let next = || {
        // `jobs.get()`: take the next position; past the numbers lie the pills.
        let i = Atomics::add(&shared, HEAD, 1).unwrap_or(i32::MAX);
        match numbers.get(i as usize) {
            Some(&n) if i >= 0 => Job::Check(n),
            _ => Job::Stop,
        }
    };
    // A per-job process takes one number, then stops.
    let per_job = get("perJob").is_truthy();
    let next: Box<dyn FnMut() -> Job> = if per_job {
        Box::new(one_job(next))
    } else {
        Box::new(next)
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
            let _ = scope.post_message(&ToPage::Pool(message.clone()).encode());
            die_if_armed(&message);
        }
    };
    let on_message = {
        let (scope, post) = (scope.clone(), post.clone());
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            // A number to check (the page sends only valid ones); anything
            // else is the pill.
            let job = match ToWorker::decode(&event.data()) {
                Ok(ToWorker::Check(n)) => Job::Check(n),
                _ => Job::Stop,
            };
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
        boot: Boot::from_stamps(&boot_stamps()),
    });
}
