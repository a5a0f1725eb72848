//! The big picture's first point (what comes back crosses a channel), measured:
//! a payload of `bytes` to a worker and back, [`ROUNDS`] times, once the worker
//! runs (its start-up is the first experiment's). To a process it is copied (a
//! structured clone, the browser's pickling) or transferred (the buffer changes
//! owner); to a thread nothing moves but a reference into the page's shared
//! memory.

use std::sync::Arc;

use futures_channel::mpsc;
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::entry::Entry;
use crate::core::clock::now_seconds;
use crate::core::crossing::{Crossing, ROUNDS, Via};
use crate::runtime::js_error_message;
use crate::runtime::messages::{ToPage, ToWorker};
use crate::runtime::steps::step;
use crate::runtime::threads::{self, Process};

/// How long a run waits for its worker to start before it says so.
const START_TIMEOUT_MS: u32 = 60_000;

/// The bytes at each end of a payload: a round trip must bring them back.
const FIRST: u8 = 0x5a;
const LAST: u8 = 0xa5;

/// Sends `bytes` (already checked against `MAX_BYTES`) `via` and back.
pub async fn crossing(via: Via, bytes: usize) -> Result<Crossing, String> {
    step("start");
    match via {
        Via::Copy | Via::Transfer => to_process(via, bytes).await,
        Via::Share => to_thread(bytes).await,
    }
}

fn ms() -> f64 {
    now_seconds() * 1000.0
}

/// A new buffer of `bytes`, its ends marked.
fn marked_buffer(bytes: usize) -> Uint8Array {
    let payload = Uint8Array::new_with_length(bytes as u32);
    payload.set_index(0, FIRST);
    payload.set_index(bytes as u32 - 1, LAST);
    payload
}

/// What came back, if it is `bytes` long with its ends as they were sent.
fn intact(back: &JsValue, bytes: usize) -> Result<Uint8Array, String> {
    let buffer = back
        .dyn_ref::<ArrayBuffer>()
        .ok_or("the process sent back something other than the bytes")?;
    let payload = Uint8Array::new(buffer);
    if payload.length() as usize != bytes
        || payload.get_index(0) != FIRST
        || payload.get_index(bytes as u32 - 1) != LAST
    {
        return Err(format!(
            "the process sent back {} bytes, not the {bytes} it was sent",
            payload.length()
        ));
    }
    Ok(payload)
}

// tag::crossing-process[]
async fn to_process(via: Via, bytes: usize) -> Result<Crossing, String> {
    // step: start
    let transfer = via == Via::Transfer;
    let options = crate::runtime::object(&[("transfer", transfer.into())]);
    let mut process = Process::spawn(
        "spinlab crossing Process",
        Entry::Crossing.key(),
        &options.into(),
        &Array::new(),
    )?;
    // Started before the clock runs: its start-up is not what is measured.
    let timeout = gloo_timers::future::TimeoutFuture::new(START_TIMEOUT_MS);
    match select(std::pin::pin!(process.recv()), timeout).await {
        Either::Left((Ok(ToPage::Ready), _)) => {}
        Either::Left((Ok(_), _)) => return Err("the crossing process did not start".into()),
        Either::Left((Err(reason), _)) => return Err(reason),
        Either::Right(_) => {
            return Err(format!(
                "the process did not start within {} s",
                START_TIMEOUT_MS / 1000
            ));
        }
    }
    let mut payload = marked_buffer(bytes);
    let (mut round_trips_ms, mut send_ms, mut sender_left) = (Vec::new(), Vec::new(), bytes);
    step("there");
    for _ in 0..ROUNDS {
        // step: there
        let buffer = payload.buffer();
        let t0 = ms();
        if transfer {
            // The buffer changes owner: the page's is left empty.
            process.post_with_transfer(
                &ToWorker::Bytes(buffer.clone().into()),
                &Array::of1(&buffer),
            )?;
        } else {
            // Cloned here, on the page's main thread: the copy is made now.
            process.post(&ToWorker::Bytes(buffer.clone().into()))?;
        }
        let sent = ms();
        let back = process.recv().await?;
        let t1 = ms();
        let ToPage::Bytes(back) = back else {
            return Err("the process sent back something other than the bytes".into());
        };
        sender_left = buffer.byte_length() as usize;
        round_trips_ms.push(t1 - t0);
        send_ms.push(sent - t0);
        payload = intact(&back, bytes)?;
    }
    // step: done
    step("done");
    process.post(&ToWorker::Stop)?; // `conn.send(None)`: the process ends
    Ok(Crossing {
        via,
        bytes,
        round_trips_ms,
        send_ms,
        sender_left,
    })
}
// end::crossing-process[]

/// The crossing process's `main`: sends back each buffer it is sent
/// (moving it back if it was moved here), until it is sent `null`.
pub fn child(payload: JsValue) {
    let transfer = Reflect::get(&payload, &"transfer".into()).is_ok_and(|v| v.is_truthy());
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = {
        let scope = scope.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Ok(ToWorker::Bytes(bytes)) = ToWorker::decode(&event.data()) else {
                scope.close(); // `None`, the end
                return;
            };
            let back = ToPage::Bytes(bytes.clone()).encode();
            let sent = if transfer {
                scope.post_message_with_transfer(&back, &Array::of1(&bytes))
            } else {
                scope.post_message(&back)
            };
            if let Err(e) = sent {
                wasm_bindgen::throw_str(&format!(
                    "could not send the bytes back: {}",
                    js_error_message(&e)
                ));
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the process
    let _ = scope.post_message(&ToPage::Ready.encode());
}

/// What the thread sends the page: `None` once it runs, then each payload
/// it was handed; or why it never started.
type Back = Result<Option<Arc<Vec<u8>>>, String>;

// tag::crossing-thread[]
async fn to_thread(bytes: usize) -> Result<Crossing, String> {
    // step: start
    // The payload lives in the page's shared memory, where the thread runs.
    let mut bytes_here = vec![0u8; bytes];
    bytes_here[0] = FIRST;
    bytes_here[bytes - 1] = LAST;
    let payload = Arc::new(bytes_here);
    let (inbox, mut thread_inbox) = mpsc::unbounded::<Arc<Vec<u8>>>();
    let (thread_outbox, mut outbox) = mpsc::unbounded::<Back>();
    let back = thread_outbox.clone();
    let worker = threads::spawn("spinlab crossing Thread", move || {
        let _ = back.unbounded_send(Ok(None));
        // `while (payload := inbox.get()) is not None: outbox.put(payload)`
        // (A worker may block: it waits in `Atomics.wait`.)
        while let Some(payload) = futures_executor::block_on(thread_inbox.next()) {
            let _ = back.unbounded_send(Ok(Some(payload)));
        }
        threads::exit_current_thread();
    })
    .map_err(|e| format!("cannot start the thread: {}", js_error_message(&e)))?;
    let _watch = threads::watch(&worker, move |reason| {
        let _ = thread_outbox.unbounded_send(Err(format!("the thread failed to start: {reason}")));
    });
    let timeout = gloo_timers::future::TimeoutFuture::new(START_TIMEOUT_MS);
    match select(outbox.next(), timeout).await {
        Either::Left((Some(Ok(None)), _)) => {}
        Either::Left((Some(Err(reason)), _)) => return Err(reason),
        _ => {
            return Err(format!(
                "the thread did not start within {} s",
                START_TIMEOUT_MS / 1000
            ));
        }
    }
    let mut round_trips_ms = Vec::new();
    step("there");
    for _ in 0..ROUNDS {
        // step: there
        let t0 = ms();
        inbox
            .unbounded_send(Arc::clone(&payload))
            .map_err(|_| "the thread ended early")?;
        let back = outbox.next().await;
        let t1 = ms();
        match back {
            // The very same bytes: only the reference went there and back.
            Some(Ok(Some(back))) if Arc::ptr_eq(&back, &payload) => round_trips_ms.push(t1 - t0),
            Some(Err(reason)) => return Err(reason),
            _ => return Err("the thread did not hand the bytes back".into()),
        }
    }
    // step: done
    step("done");
    drop(inbox); // `inbox.put(None)`: the thread ends
    Ok(Crossing {
        via: Via::Share,
        bytes,
        round_trips_ms,
        send_ms: Vec::new(),
        sender_left: bytes,
    })
}
// end::crossing-thread[]
