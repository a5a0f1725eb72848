//! The browser's plumbing, under the book's execution units: wasm threads
//! and processes (workers), the pool coordinator, `threading.Event`, worker
//! panics, the main thread's heartbeat, drawing surfaces and the steps a run
//! announces. Imports the pure core only, never the models or the page.
//! Only on `wasm32`.

pub mod canvas;
pub mod census;
pub mod event;
pub mod heap;
pub mod messages;
pub mod monitor;
pub mod panics;
pub mod pool;
pub mod steps;
pub mod threads;

use wasm_bindgen::{JsCast, JsValue};

/// A JS exception as one readable line (`Error.message`, else its string
/// form; no error name), without its closing full stop: the page's sentences
/// put one after it (WebKit's "The object can not be cloned." read "…
/// cloned.." inside one).
pub fn js_error_message(value: &JsValue) -> String {
    let message = match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    };
    match message.strip_suffix('.') {
        Some(bare) if !bare.ends_with('.') => bare.to_string(),
        _ => message,
    }
}

/// Whether this page can share memory with its workers: cross-origin
/// isolated, and given `SharedArrayBuffer` (WebKitGTK withholds it from an
/// isolated page unless JavaScriptCore's option is on).
pub fn shared_memory() -> bool {
    isolated()
        && js_sys::Reflect::has(&js_sys::global(), &"SharedArrayBuffer".into()).unwrap_or(false)
}

/// Whether this context is cross-origin isolated (and so, in most browsers, has SharedArrayBuffer).
pub fn isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .is_ok_and(|v| v.is_truthy())
}

/// A plain JS object from `(key, value)` pairs: the messages workers are
/// sent and send, `window.spinlab`'s methods and its live `stats()`. The
/// page's answers (reports, capabilities, a stop's note) cross as
/// `core::report::Value`, converted in one place (`ui::dom::to_js`).
pub fn object(fields: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}
