//! The benchmark's runs: the pool lab's workers measured without drawing,
//! and the other way to feed a process, one message a job.

use std::sync::Arc;

use futures_util::StreamExt;
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use super::start::start;
use crate::core::clock::{epoch_ms, now_seconds};
use crate::core::primes::PrimeResult;
use crate::core::protocol::{Message, Mode};
use crate::models::entry::Entry;
use crate::runtime::messages::{ToPage, ToWorker};
use crate::runtime::pool::Pool;
use crate::runtime::threads::Process;

/// What a run without the lab's table and timeline measured (the benchmark).
pub struct QuietRun {
    pub total_ms: f64,
    /// When the last worker had started, from the run's start.
    pub startup_ms: f64,
    /// That start-up, cut into `protocol::BOOT_STAGES` (empty where the
    /// workers were not started for the run: `rayon`, `sequential`).
    pub boot_ms: Vec<f64>,
    /// When the last check ended, from the run's start: the rest of
    /// `total_ms` went to the last result's way to the page and the pills.
    pub last_end_ms: f64,
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
    use crate::core::protocol::Report;
    crate::runtime::monitor::begin_gap("pool");
    let since = crate::runtime::panics::seen();
    let (run, mut messages) = start(
        mode,
        workers,
        numbers,
        pool,
        crate::core::protocol::SWITCH_INTERVAL,
        crate::core::protocol::JobKind::Cpu,
        false,
    )?;
    let mut report = Report::new(run.workers);
    let mut results = Vec::new();
    let mut startup_ms = 0.0f64;
    let mut boot_ms = Vec::new();
    let mut last_end_ms = 0.0f64;
    while let Some(message) = crate::runtime::panics::guarded(since, messages.next()).await? {
        match &message {
            Message::Started { at_ms, boot, .. } => {
                // The last one up sets the start-up: its stages are kept.
                if at_ms - run.started_at >= startup_ms {
                    startup_ms = at_ms - run.started_at;
                    boot_ms = boot.map_or(Vec::new(), |b| b.stages(run.started_at, *at_ms).into());
                }
            }
            Message::Result { result, end_ms, .. } => {
                results.push(*result);
                last_end_ms = last_end_ms.max(end_ms - run.started_at);
            }
            Message::Failed { reason, .. } => return Err(reason.clone()),
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
        boot_ms,
        last_end_ms,
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
        Entry::QueueWorker.key(),
        &JsValue::UNDEFINED,
        &Array::new(),
    )?;
    if process.recv().await? != ToPage::Ready {
        return Err("the message queue's process did not start".into());
    }
    let t0 = now_seconds();
    for &n in numbers {
        process.post(&ToWorker::Check(n))?;
    }
    for _ in numbers {
        if !matches!(process.recv().await?, ToPage::Answer(Some(_))) {
            return Err("the message queue's process gave no answer".into());
        }
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
            let answer = match ToWorker::decode(&event.data()) {
                Ok(ToWorker::Check(n)) => Some(crate::core::primes::check(n).prime),
                _ => None,
            };
            let _ = reply.post_message(&ToPage::Answer(answer).encode());
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the process
    let _ = scope.post_message(&ToPage::Ready.encode());
}
