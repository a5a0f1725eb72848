//! Spinner with processes: `spin` runs in a worker with its **own** wasm
//! instance and memory, the browser's `multiprocessing.Process`.
//!
//! ```python
//! def supervisor() -> int:
//!     done = Event()                  # multiprocessing.Event
//!     spinner = Process(target=spin, args=('thinking!', done))
//!     print(f'spinner object: {spinner}')
//!     spinner.start()
//!     result = slow()
//!     done.set()
//!     spinner.join()
//!     return result
//! ```
//! Nothing is shared: the canvas and the style travel by `postMessage`
//! (structured clone, the browser's pickling), `done` arrives as a message,
//! and the spinner's frame count comes back in its exit message. Starting a
//! fresh instance costs time, which the supervisor measures.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, HtmlCanvasElement, MessageEvent};

use super::{Outcome, Slow, slow_on_main_thread, spin_in_worker};
use crate::core::clock::now_seconds;
use crate::runtime::canvas::{Style, offscreen_payload, surface_from_payload};
use crate::runtime::messages::{ToPage, ToWorker};
use crate::runtime::steps::{step, step_and_paint};
use crate::runtime::threads::Process;

// tag::process-supervisor[]
pub async fn supervisor(
    id: u32,
    canvas: &HtmlCanvasElement,
    style: &Style,
    slow: Slow,
) -> Result<Outcome, String> {
    // step: start
    let (payload, transfer) = offscreen_payload(canvas, style, "a process")?;
    let t_start = now_seconds();
    let mut spinner = Process::spawn(
        &format!("spinlab Process-{id}"),
        super::entry::Entry::Spin.key(),
        &payload,
        &transfer,
    )?;
    // Wait until the child runs: its start-up is the cost a process adds.
    if spinner.recv().await? != ToPage::Ready {
        return Err("the spinner process did not start".into());
    }
    let startup_ms = (now_seconds() - t_start) * 1000.0;

    // step: slow
    step_and_paint("slow").await;
    let t0 = now_seconds();
    let prime = slow_on_main_thread(slow).await;
    let elapsed_ms = (now_seconds() - t0) * 1000.0;
    // step: stop
    step("stop");
    spinner.post(&ToWorker::Stop)?; // done.set()
    let ToPage::Spun { frames } = spinner.recv().await?
    /* spinner.join() */
    else {
        return Err("the spinner process did not exit cleanly".into());
    };
    // step: done
    Ok(Outcome {
        prime,
        elapsed_ms,
        frames,
        startup_ms: Some(startup_ms),
        ..Outcome::default()
    })
}
// end::process-supervisor[]

/// The child process's `main`: spin until the parent says done, report the
/// frames drawn, exit.
pub fn child(payload: JsValue) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let surface = surface_from_payload(&payload)
        .unwrap_or_else(|e| wasm_bindgen::throw_str(&format!("no canvas: {e}")));
    // `done`: set by the parent's "done" message.
    let done = Rc::new(Cell::new(false));
    let frames = Arc::new(AtomicU32::new(0));
    let wake = spin_in_worker(
        surface,
        Arc::clone(&frames),
        {
            let done = Rc::clone(&done);
            move || done.get()
        },
        {
            let scope = scope.clone();
            move || {
                let frames = frames.load(Ordering::SeqCst);
                let _ = scope.post_message(&ToPage::Spun { frames }.encode());
                scope.close();
            }
        },
    );
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if ToWorker::decode(&event.data()) == Ok(ToWorker::Stop) {
            done.set(true);
            wake();
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget(); // lives as long as the process
    let _ = scope.post_message(&ToPage::Ready.encode());
    if crate::runtime::panics::take_armed() {
        // Test-only (`spinlab.debugPanic("next-worker")`): die mid-spin.
        gloo_timers::callback::Timeout::new(150, || {
            panic!("debugPanic: the spinner process died mid-run")
        })
        .forget();
    }
}
