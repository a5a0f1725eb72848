//! The big picture's second point (starting a unit is not cheap), measured:
//! `count` coroutines, threads or processes started at once, each putting one
//! message on a queue as its first instruction; the run lasts until every
//! message is in.

use futures_channel::mpsc;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use super::entry::Entry;
use crate::core::big_picture::{StartCost, Units};
use crate::core::clock::epoch_ms;
use crate::runtime::messages::ToPage;
use crate::runtime::steps::step;
use crate::runtime::threads::{self, Process};

/// How long a run may wait for its last unit before it says so: a worker
/// whose script never loads would otherwise leave it waiting for ever.
const ANSWER_TIMEOUT_MS: u32 = 60_000;

/// Starts `count` `units` (already checked against `Units::max_count`)
/// and measures them.
pub async fn start_cost(units: Units, count: usize) -> Result<StartCost, String> {
    step("start");
    let t0 = epoch_ms();
    let mut started = Vec::with_capacity(count);
    let first = match units {
        Units::Coroutines => coroutines(count, &mut started).await?,
        Units::Threads => threads(count, &mut started).await?,
        Units::Processes => processes(count, &mut started).await?,
    };
    let total_ms = epoch_ms() - t0;
    let first_instruction_ms = first
        .iter()
        .zip(&started)
        .map(|(at, since)| (at - since).max(0.0))
        .collect();
    Ok(StartCost {
        units,
        count,
        total_ms,
        first_instruction_ms,
    })
}

/// A unit's answer: its index and when its first instruction ran (epoch
/// ms), or why it never ran.
type Answer = Result<(usize, f64), String>;

/// Each unit's first-instruction time (epoch ms), by index, once all are in.
async fn gather(
    count: usize,
    mut answers: mpsc::UnboundedReceiver<Answer>,
    what: &str,
) -> Result<Vec<f64>, String> {
    step("wait");
    let mut at = vec![f64::NAN; count];
    let mut heard = 0;
    let timeout = gloo_timers::future::TimeoutFuture::new(ANSWER_TIMEOUT_MS);
    let mut timeout = std::pin::pin!(timeout);
    while heard < count {
        match select(answers.next(), timeout.as_mut()).await {
            Either::Left((Some(answer), _)) => {
                let (i, t) = answer?;
                at[i] = t;
                heard += 1;
            }
            Either::Left((None, _)) | Either::Right(_) => break,
        }
    }
    if heard < count {
        return Err(format!(
            "only {heard} of {count} {what} answered within {} s",
            ANSWER_TIMEOUT_MS / 1000
        ));
    }
    Ok(at)
}

// tag::start-cost-coroutines[]
async fn coroutines(count: usize, started: &mut Vec<f64>) -> Result<Vec<f64>, String> {
    // step: start
    let (tx, answers) = mpsc::unbounded();
    for i in 0..count {
        let tx = tx.clone();
        started.push(epoch_ms());
        // `asyncio.create_task(coroutine(queue, i))`
        wasm_bindgen_futures::spawn_local(async move {
            let _ = tx.unbounded_send(Ok((i, epoch_ms())));
        });
    }
    // step: wait
    // The tasks run once this one awaits: on the page's own event loop.
    gather(count, answers, "coroutines").await
}
// end::start-cost-coroutines[]

// tag::start-cost-threads[]
async fn threads(count: usize, started: &mut Vec<f64>) -> Result<Vec<f64>, String> {
    // step: start
    let (tx, answers) = mpsc::unbounded();
    let mut watches = Vec::with_capacity(count);
    for i in 0..count {
        let answer = tx.clone();
        started.push(epoch_ms());
        // `Thread(target=answer, args=(queue, i)).start()`
        let worker = threads::spawn(&format!("spinlab start-cost Thread-{}", i + 1), move || {
            let _ = answer.unbounded_send(Ok((i, epoch_ms())));
            threads::exit_current_thread();
        })
        .map_err(|e| {
            format!(
                "cannot start thread {}: {}",
                i + 1,
                crate::runtime::js_error_message(&e)
            )
        })?;
        // A thread that fails to start says so, instead of never answering;
        // the watch also keeps its `Worker` referenced until the run ends.
        // (One whose script never arrives, no error either, ends the run at
        // its timeout, saying how many answered.)
        let failed = tx.clone();
        watches.push(threads::watch(&worker, move |reason| {
            let _ =
                failed.unbounded_send(Err(format!("thread {} failed to start: {reason}", i + 1)));
        }));
    }
    // step: wait
    gather(count, answers, "threads").await
}
// end::start-cost-threads[]

// tag::start-cost-processes[]
async fn processes(count: usize, started: &mut Vec<f64>) -> Result<Vec<f64>, String> {
    // step: start
    let (tx, answers) = mpsc::unbounded();
    let mut processes = Vec::with_capacity(count);
    for i in 0..count {
        started.push(epoch_ms());
        // `Process(target=answer, args=(queue, i)).start()`
        let mut process = Process::spawn(
            &format!("spinlab start-cost Process-{}", i + 1),
            Entry::StartCost.key(),
            &JsValue::UNDEFINED,
            &Array::new(),
        )?;
        // Its one message: the time of its first instruction.
        let mut messages = process.take_messages();
        let tx = tx.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = match messages.next().await {
                Some(Ok(ToPage::Up { at_ms })) => Ok((i, at_ms)),
                Some(Ok(_)) => Err("a process answered without its time".to_string()),
                Some(Err(reason)) => Err(reason),
                None => Err("a process ended without a word".to_string()),
            };
            let _ = tx.unbounded_send(answer);
        });
        processes.push(process);
    }
    // step: wait
    gather(count, answers, "processes").await
    // `processes` ends here: each has closed itself already, or is ended now.
}
// end::start-cost-processes[]

/// A start-cost process's `main`: its first instruction posts the time.
pub fn child(_payload: JsValue) {
    let at = epoch_ms();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope.post_message(&ToPage::Up { at_ms: at }.encode());
    scope.close();
}
