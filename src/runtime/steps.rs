//! Steps: how a run says which step of the book's code it is in
//! (`"start"`, `"slow"`, `"stop"`, …). The models call [`step`]; whoever
//! shows the code (the ui's code panel) listens with [`listen`]. A run that
//! nobody watches (the benchmark's) runs inside [`unwatched`].

use std::cell::{Cell, RefCell};

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

type Listener = Box<dyn Fn(&str)>;

thread_local! {
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
    static MUTED: Cell<u32> = const { Cell::new(0) };
}

/// Sets the one listener to the steps (the code panel).
pub fn listen(listener: impl Fn(&str) + 'static) {
    LISTENER.with_borrow_mut(|slot| *slot = Some(Box::new(listener)));
}

/// Says that the run is now in the steps named in `names` (space-separated;
/// `""`: none).
pub fn step(names: &str) {
    if MUTED.get() > 0 {
        return;
    }
    LISTENER.with_borrow(|listener| {
        if let Some(listener) = listener {
            listener(names);
        }
    });
}

/// [`step`], then waits until it is painted: for a step about to block the
/// main thread, which would otherwise show the previous one all along.
pub async fn step_and_paint(name: &str) {
    step(name);
    if MUTED.get() == 0 {
        next_paint().await;
    }
}

/// Runs `run` with its steps unheard (a benchmark's runs show no code).
pub async fn unwatched<T>(run: impl std::future::Future<Output = T>) -> T {
    MUTED.set(MUTED.get() + 1);
    let out = run.await;
    MUTED.set(MUTED.get() - 1);
    out
}

/// Resolves after the browser has had a chance to paint (a frame, then a
/// task), or after 100 ms where frames are not delivered (a hidden tab).
pub async fn next_paint() {
    let promise = Promise::new(&mut |resolve, _reject| {
        let Some(window) = web_sys::window() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let after_frame = resolve.clone();
        let on_frame = Closure::once_into_js(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(after_frame.unchecked_ref());
            }
        });
        let _ = window.request_animation_frame(on_frame.unchecked_ref());
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
