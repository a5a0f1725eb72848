//! A new process's first call: the entry point it was started for.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;

use super::entry::Entry;

/// Called by `thread.js` in a new process, once its own instance is up.
#[wasm_bindgen]
pub fn spinlab_process_entry(entry: &str, payload: JsValue) {
    crate::runtime::threads::process_started(&payload);
    match Entry::ALL.into_iter().find(|e| e.key() == entry) {
        Some(Entry::Spin) => super::process::child(payload),
        Some(Entry::Calibrate) => super::calibrate::child(payload),
        Some(Entry::Offload) => super::coroutine::offload_child(payload),
        Some(Entry::PoolWorker) => super::pool::child(payload),
        Some(Entry::PoolFed) => super::pool::fed_child(payload),
        Some(Entry::QueueWorker) => super::pool::queue_child(payload),
        Some(Entry::LockCount) => super::lock::child(payload),
        Some(Entry::StartCost) => super::start_cost::child(payload),
        Some(Entry::Crossing) => super::crossing::child(payload),
        Some(Entry::Errors) => super::errors::child(payload),
        Some(Entry::Panic) => panic!("debugPanic: a forced panic in a process"),
        None => wasm_bindgen::throw_str(&format!("no process entry point named {entry:?}")),
    }
}
