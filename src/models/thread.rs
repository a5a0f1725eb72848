//! Spinner with threads: `spin` runs on a wasm thread that shares the page's
//! memory; the main thread runs `slow()`.
//!
//! ```python
//! def supervisor() -> int:
//!     done = Event()
//!     spinner = Thread(target=spin, args=('thinking!', done))
//!     print(f'spinner object: {spinner}')
//!     spinner.start()
//!     result = slow()
//!     done.set()
//!     spinner.join()
//!     return result
//! ```
//! Differences the page states: `slow()` with `is_prime` really blocks the main
//! thread (nothing else can run there); `sleep` becomes an awaited timer,
//! because the main thread may not block in a sleep; `join()` is awaited too.
//! The spinner keeps turning because its thread draws on an `OffscreenCanvas`.
//! `done` is a `threading.Event` in the shared memory; the spinner's
//! `done.wait(.1)` is a timer (see [`spin_in_worker`] for why).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::HtmlCanvasElement;

use super::{Outcome, Slow, slow_on_main_thread, spin_in_worker_gated};
use crate::core::clock::now_seconds;
use crate::runtime::canvas::{Style, offscreen_payload, surface_from_payload};
use crate::runtime::event::Event;
use crate::runtime::steps::{step, step_and_paint};
use crate::runtime::{js_error_message, threads};

// tag::thread-supervisor[]
pub async fn supervisor(
    id: u32,
    canvas: &HtmlCanvasElement,
    style: &Style,
    slow: Slow,
) -> Result<Outcome, String> {
    // step: start
    let done = Arc::new(Event::new());
    let frames = Arc::new(AtomicU32::new(0));
    // `spinner.start()`: CPython's returns once the new thread runs; so does this.
    let (worker, joined_rx, startup_ms) =
        start_spinner_thread(id, canvas, style, &done, &frames, |draw| draw()).await?;

    // step: slow
    step_and_paint("slow").await;
    let t0 = now_seconds();
    let prime = slow_on_main_thread(slow).await;
    let elapsed_ms = (now_seconds() - t0) * 1000.0;
    // step: stop
    step("stop");
    let frames_during = frames.load(Ordering::SeqCst);
    done.set();
    let _ = worker.post_message(&"done".into());
    // `spinner.join()`, awaited: the main thread may not block on a join.
    let joined = joined_rx.await;
    if joined.is_err() {
        worker.terminate();
        return Err("the spinner thread ended without finishing".into());
    }
    // step: done
    Ok(Outcome {
        prime,
        elapsed_ms,
        frames: frames_during,
        startup_ms: Some(startup_ms),
        ..Outcome::default()
    })
}
// end::thread-supervisor[]

/// `Thread(target=spin, args=('thinking!', done)).start()` for the thread
/// models: a wasm thread drawing on `canvas` (handed over as an
/// `OffscreenCanvas`), each frame through `gate`, until `done` is set.
/// Returns once the thread runs, as CPython's `start()` does: its worker, a
/// receiver that resolves when it has ended (the `join()`), and how long it
/// took to start.
pub async fn start_spinner_thread(
    id: u32,
    canvas: &HtmlCanvasElement,
    style: &Style,
    done: &Arc<Event>,
    frames: &Arc<AtomicU32>,
    gate: impl Fn(&mut dyn FnMut()) + Send + 'static,
) -> Result<(web_sys::Worker, oneshot::Receiver<()>, f64), String> {
    let (started, started_rx) = oneshot::channel::<Result<(), String>>();
    let (joined, joined_rx) = oneshot::channel::<()>();
    let (payload, transfer) = offscreen_payload(canvas, style, "a thread")?;
    let t_start = now_seconds();
    let spinner = {
        let (done, frames) = (Arc::clone(done), Arc::clone(frames));
        move |payload: wasm_bindgen::JsValue| {
            let surface = match surface_from_payload(&payload) {
                Ok(surface) => surface,
                Err(e) => {
                    let _ = started.send(Err(e));
                    return threads::exit_current_thread();
                }
            };
            let is_done = {
                let done = Arc::clone(&done);
                move || done.is_set()
            };
            let on_exit = move || {
                let _ = joined.send(());
                threads::exit_current_thread();
            };
            let wake = spin_in_worker_gated(surface, frames, is_done, on_exit, gate);
            // `done.set()` posts a wake-up too, so the spinner ends at once.
            let on_message = Closure::<dyn FnMut()>::new(wake);
            let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            on_message.forget(); // lives as long as the thread
            // Started once the first frame is drawn: a worker's first text
            // drawing needs the main thread (measured: drawn after the main
            // thread blocks, it waits for it, and holds up other workers' text).
            let _ = started.send(Ok(()));
        }
    };
    let worker = threads::spawn_with(
        &format!("spinlab Thread-{id} (spin)"),
        &payload,
        &transfer,
        spinner,
    )
    .map_err(|e| format!("cannot start the thread: {}", js_error_message(&e)))?;
    started_rx
        .await
        .map_err(|_| "the spinner thread stopped before it started".to_string())??;
    Ok((worker, joined_rx, (now_seconds() - t_start) * 1000.0))
}
