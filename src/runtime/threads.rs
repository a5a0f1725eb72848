//! Wasm threads and wasm "processes": Web Workers running this module.
//!
//! - [`spawn`]: the browser's `threading.Thread(target=f).start()`. The worker
//!   instantiates this module on the page's **shared** memory and runs `f`.
//! - [`Process::spawn`]: `multiprocessing.Process`. The worker instantiates the
//!   module on a **fresh** memory of its own and runs a named entry point with
//!   a structured-cloned payload (the browser's pickling); it talks back only
//!   by messages.

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{Array, JsString, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::messages::{ToPage, ToWorker};
use super::{census, js_error_message};

/// What a thread runs, given the payload. Sent as a raw pointer into shared memory.
type Entry = Box<dyn FnOnce(JsValue) + Send>;

#[wasm_bindgen]
extern "C" {
    /// The URL of the wasm-bindgen glue, which every worker imports.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: JsString;
}

#[wasm_bindgen(module = "/src/runtime/thread.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = spawnThread)]
    fn spawn_thread(
        name: &str,
        main_js: &JsString,
        module: JsValue,
        memory: JsValue,
        ptr: u32,
        payload: &JsValue,
        transfer: &Array,
    ) -> Result<Worker, JsValue>;

    #[wasm_bindgen(catch, js_name = spawnProcess)]
    fn spawn_process(
        name: &str,
        main_js: &JsString,
        module: JsValue,
        entry: &str,
        payload: &JsValue,
        transfer: &Array,
    ) -> Result<Worker, JsValue>;

    #[wasm_bindgen(js_name = exitThread)]
    fn exit_thread();

    #[wasm_bindgen(js_name = bootStamps)]
    fn boot_stamps_js() -> Array;

    #[wasm_bindgen(js_name = bareWorkers)]
    fn bare_workers_js(count: u32, glue: Option<JsString>) -> js_sys::Promise;
}

/// The browser's floor under a worker's start-up: the ms from starting
/// `count` module workers whose script only answers until the last answer
/// (each is ended after); with `import_glue`, whose script imports the
/// page's glue first: the floor under a worker that runs this module.
pub async fn bare_workers(count: usize, import_glue: bool) -> Result<f64, String> {
    let glue = import_glue.then(|| GLUE_URL.with(Clone::clone));
    let ms = wasm_bindgen_futures::JsFuture::from(bare_workers_js(count as u32, glue))
        .await
        .map_err(|e| format!("bare workers: {}", js_error_message(&e)))?;
    ms.as_f64()
        .ok_or_else(|| "bare workers: no time came back".to_string())
}

/// When this worker's start went by, as `thread.js` recorded it (epoch ms:
/// asked for, created, its script run, the glue imported, the module
/// instantiated); empty where this file did not start the worker (the
/// page, a rayon worker).
pub fn boot_stamps() -> Vec<f64> {
    boot_stamps_js()
        .iter()
        .map(|t| t.as_f64().unwrap_or(f64::NAN))
        .collect()
}

/// Ends the current thread once its current task is over: frees its stack
/// and thread-local storage in the shared memory and closes its worker
/// (see thread.js).
pub fn exit_current_thread() {
    census::forget_current_thread();
    exit_thread();
}

/// The URL of `name` in the folder of the wasm-bindgen glue (`pkg/`), which
/// holds the module's other files: right wherever the page is deployed
/// (`./x build --dist` puts them under a content-hashed folder).
pub fn beside_glue(name: &str) -> String {
    let glue = String::from(GLUE_URL.with(Clone::clone));
    match glue.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/{name}"),
        None => name.to_string(),
    }
}

/// Starts a worker named `name` (shown in devtools) that runs `f` on this
/// module's shared memory. `f` gets `payload`, moved or copied there with
/// `transfer` (an `OffscreenCanvas`, say).
///
/// The worker reports a failed start or a panic as a failure message
/// (`thread.js`'s `failure`, read back as [`ToPage::Failed`]).
pub fn spawn_with(
    name: &str,
    payload: &JsValue,
    transfer: &Array,
    f: impl FnOnce(JsValue) + Send + 'static,
) -> Result<Worker, JsValue> {
    let ptr = Box::into_raw(Box::new(Box::new(f) as Entry));
    let glue = GLUE_URL.with(Clone::clone);
    census::thread_started();
    spawn_thread(
        name,
        &glue,
        wasm_bindgen::module(),
        wasm_bindgen::memory(),
        ptr as u32,
        payload,
        transfer,
    )
    .inspect_err(|_| {
        // The worker never got the pointer: reclaim the closure here.
        drop(unsafe { Box::from_raw(ptr) });
        census::thread_start_failed();
    })
}

/// Handlers on a thread's worker that turn a failed start (its script did
/// not load, its module did not instantiate: `thread.js` posts its
/// `failure`) into `report(reason)`, instead of a thread that
/// silently never runs. Removed when dropped.
pub struct Watch {
    worker: Worker,
    _handlers: [Closure<dyn FnMut(web_sys::Event)>; 2],
}

pub fn watch(worker: &Worker, report: impl Fn(String) + 'static) -> Watch {
    let report = std::rc::Rc::new(report);
    let on_message = {
        let report = std::rc::Rc::clone(&report);
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let data = event.unchecked_into::<MessageEvent>().data();
            if let Ok(ToPage::Failed(reason)) = ToPage::decode(&data) {
                report(reason);
            }
        })
    };
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        // Handled here (the run reports it): not an uncaught error.
        event.prevent_default();
        report(error_text(&event));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Watch {
        worker: worker.clone(),
        _handlers: [on_message, on_error],
    }
}

/// What a worker's `error` event says: an `ErrorEvent`'s message, or, for
/// the plain `Event` a browser fires when the script did not load, that.
fn error_text(event: &web_sys::Event) -> String {
    event
        .dyn_ref::<web_sys::ErrorEvent>()
        .map(web_sys::ErrorEvent::message)
        .unwrap_or_else(|| "its script could not be loaded".into())
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
    }
}

/// [`spawn_with`] without a payload.
pub fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<Worker, JsValue> {
    spawn_with(name, &JsValue::UNDEFINED, &Array::new(), move |_| f())
}

/// Called by `thread.js` in the new worker, once the module is instantiated.
#[wasm_bindgen]
pub fn spinlab_thread_entry(ptr: u32, payload: JsValue) {
    // SAFETY: `ptr` came from `Box::into_raw` in `spawn_with`, and `thread.js`
    // passes it exactly once.
    let entry = unsafe { Box::from_raw(ptr as *mut Entry) };
    census::count_current_thread();
    entry(payload);
}

/// A worker with its own wasm instance and memory, seen from the page: its
/// messages arrive, in order, on [`Process::recv`].
pub struct Process {
    worker: Worker,
    messages: mpsc::UnboundedReceiver<Result<ToPage, String>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Process {
    /// Starts a process that runs `entry` (see `spinlab_process_entry`) with
    /// `payload`. It shares the compiled module with the page, as `fork()`
    /// shares code, but instantiates it on a fresh memory.
    pub fn spawn(
        name: &str,
        entry: &str,
        payload: &JsValue,
        transfer: &Array,
    ) -> Result<Process, String> {
        if payload.is_object() && super::panics::take_armed() {
            // Test-only: the process arms its own flag (see `debugPanic`).
            let _ = Reflect::set(payload, &"debugDie".into(), &JsValue::TRUE);
        }
        let glue = GLUE_URL.with(Clone::clone);
        let worker = spawn_process(
            name,
            &glue,
            wasm_bindgen::module(),
            entry,
            payload,
            transfer,
        )
        .map_err(|e| format!("could not start the process: {}", js_error_message(&e)))?;
        let (tx, messages) = mpsc::unbounded();
        let on_message = {
            let tx = tx.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let item = match ToPage::decode(&event.data()) {
                    Ok(ToPage::Failed(reason)) => Err(format!("the process failed: {reason}")),
                    other => other,
                };
                let _ = tx.unbounded_send(item);
            })
        };
        // A plain `Event` where the script did not load (not an `ErrorEvent`,
        // whose `message` would then be read off an object without one).
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            // Handled here (the run reports it): not an uncaught error.
            event.prevent_default();
            let _ = tx.unbounded_send(Err(format!("the process failed: {}", error_text(&event))));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        census::process_opened();
        Ok(Process {
            worker,
            messages,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// The next message the process posted.
    pub async fn recv(&mut self) -> Result<ToPage, String> {
        self.messages
            .next()
            .await
            .unwrap_or_else(|| Err("the process ended without a word".into()))
    }

    /// Hands the process's messages to another reader (the pool's report loop).
    pub fn take_messages(&mut self) -> mpsc::UnboundedReceiver<Result<ToPage, String>> {
        std::mem::replace(&mut self.messages, mpsc::unbounded().1)
    }

    /// The process's worker, to post to it from a task that does not own it
    /// (posting to a terminated worker does nothing).
    pub fn handle(&self) -> Worker {
        self.worker.clone()
    }

    pub fn post(&self, message: &ToWorker) -> Result<(), String> {
        self.worker
            .post_message(&message.encode())
            .map_err(|e| format!("could not reach the process: {}", js_error_message(&e)))
    }

    /// Posts `message`, moving the objects in `transfer` (an `ArrayBuffer`,
    /// say) to the process: the page's are left empty.
    pub fn post_with_transfer(&self, message: &ToWorker, transfer: &Array) -> Result<(), String> {
        self.worker
            .post_message_with_transfer(&message.encode(), transfer)
            .map_err(|e| format!("could not reach the process: {}", js_error_message(&e)))
    }
}

impl Drop for Process {
    /// A process is ended with it (`Process.terminate()`); by then it has
    /// usually exited on its own.
    fn drop(&mut self) {
        self.worker.terminate();
        census::process_closed();
    }
}

/// Sets up a new process once its own instance is up, before its entry
/// point runs (the models' `spinlab_process_entry`, called by `thread.js`).
pub fn process_started(payload: &JsValue) {
    // A process has a memory, and so a panic hook, of its own: its panics
    // reach the page as the process's error, with their message.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
            let reason = format!("it panicked: {}", super::panics::describe(info));
            let _ = scope.post_message(&ToPage::Failed(reason).encode());
        }
    }));
    if Reflect::get(payload, &"debugDie".into()).is_ok_and(|v| v.is_truthy()) {
        super::panics::arm_next_worker();
    }
}
