//! Wasm threads: Web Workers that share this module's `WebAssembly.Memory`.
//!
//! The browser's `threading.Thread(target=f).start()`: [`spawn`] starts a worker
//! that instantiates the same module on the same memory and runs `f` there.

use js_sys::JsString;
use wasm_bindgen::prelude::*;
use web_sys::Worker;

/// What a thread runs. Sent across threads as a raw pointer into shared memory.
type Entry = Box<dyn FnOnce() + Send>;

#[wasm_bindgen]
extern "C" {
    /// The URL of the wasm-bindgen glue, which every thread imports.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: JsString;
}

#[wasm_bindgen(module = "/src/web/thread.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = spawnThread)]
    fn spawn_thread(
        name: &str,
        main_js: &JsString,
        module: JsValue,
        memory: JsValue,
        ptr: u32,
    ) -> Result<Worker, JsValue>;
}

/// Starts a worker named `name` (shown in the browser's devtools) that runs `f`
/// on this module's shared memory.
///
/// The worker reports a failed start or a panic as a
/// `{ type: "spinlab_thread_error", message }` message.
pub fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<Worker, JsValue> {
    let ptr = Box::into_raw(Box::new(Box::new(f) as Entry));
    let glue = GLUE_URL.with(Clone::clone);
    spawn_thread(
        name,
        &glue,
        wasm_bindgen::module(),
        wasm_bindgen::memory(),
        ptr as u32,
    )
    .inspect_err(|_| {
        // The worker never got the pointer: reclaim the closure here.
        drop(unsafe { Box::from_raw(ptr) });
    })
}

/// Called by `thread.js` in the new worker, once the module is instantiated.
#[wasm_bindgen]
pub fn spinlab_thread_entry(ptr: u32) {
    // SAFETY: `ptr` came from `Box::into_raw` in `spawn`, and `thread.js`
    // passes it exactly once.
    let entry = unsafe { Box::from_raw(ptr as *mut Entry) };
    entry();
}
