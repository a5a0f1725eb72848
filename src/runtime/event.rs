//! `threading.Event` for wasm threads: one word of shared memory.
//!
//! `set()` stores 1 and wakes every waiter (`Atomics.notify`). `wait` blocks
//! the calling worker in `Atomics.wait`, as `Event.wait` blocks a Python
//! thread; it traps on the page's main thread, which may not block.
//!
//! Measured in Chromium, two limits shape how spinlab uses it: a worker parked
//! in a blocking wait never shows an `OffscreenCanvas` frame (it only does
//! when its event loop gets a turn), and while the page's main thread is busy
//! a worker's `Atomics.wait` timeout does not fire. So the spinner threads
//! read `done` at each timer tick instead of waiting on it; blocking waits
//! serve workers that have no canvas and a free main thread (the pool).

use std::sync::atomic::{AtomicI32, Ordering};

use js_sys::{Atomics, Int32Array};
use wasm_bindgen::JsCast;

use crate::core::clock::now_seconds;

#[derive(Debug, Default)]
pub struct Event {
    flag: AtomicI32,
}

impl Event {
    pub const fn new() -> Event {
        Event {
            flag: AtomicI32::new(0),
        }
    }

    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst) != 0
    }

    /// The flag as JS sees it: an index into an `Int32Array` over the memory.
    fn word(&self) -> (Int32Array, u32) {
        let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
        (
            Int32Array::new(&memory.buffer()),
            self.flag.as_ptr() as u32 / 4,
        )
    }

    /// The book's `done.set()`.
    pub fn set(&self) {
        self.flag.store(1, Ordering::SeqCst);
        let (words, index) = self.word();
        // Waking waiters may be done from any thread, the main one included.
        let _ = Atomics::notify(&words, index);
    }

    /// The book's `done.wait(timeout)`: `true` once set, `false` on timeout.
    /// Blocks the calling worker; never call it on the page's main thread.
    pub fn wait(&self, timeout_secs: f64) -> bool {
        let deadline = now_seconds() + timeout_secs;
        loop {
            if self.is_set() {
                return true;
            }
            let left = deadline - now_seconds();
            if left <= 0.0 {
                return false;
            }
            // Returns on notify, timeout, or a value that is no longer 0.
            let (words, index) = self.word();
            let _ = Atomics::wait_with_timeout(&words, index, 0, left * 1000.0);
        }
    }
}
