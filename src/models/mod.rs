//! The spinner lab's execution models, one file each, in the book's words:
//! `supervisor()` starts `spin("thinking!")`, runs `slow()`, stops the
//! spinner and returns the answer.
//!
//! - [`thread`]: `spin` on a wasm thread (shared memory), `slow` on the main thread;
//! - [`process`]: `spin` in a worker with its own wasm instance and memory;
//! - [`coroutine`]: `spin` and `slow` as futures on the main thread's event
//!   loop, with the stop-gap (naps) and the fix (a pool thread) beside it.

pub mod calibrate;
pub mod coroutine;
pub mod crossing;
pub mod dispatch;
pub mod entry;
pub mod errors;
pub mod lock;
pub mod pool;
pub mod process;
pub mod start_cost;
pub mod thread;
pub mod thread_gil;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::core::spinner::{FRAME_MS, MESSAGE, status};
use crate::runtime::canvas::Surface;

pub use crate::core::spinner::run::{GilTurns, NapPlan, Outcome, Slow};

/// `slow()` run by the main thread (thread and process models): `is_prime`
/// really blocks it; a sleep is an awaited timer, because the main thread
/// may not block in a sleep. Returns the answer, if it computed one.
pub async fn slow_on_main_thread(slow: Slow) -> Option<bool> {
    match slow {
        // The book's `time.sleep(3)` here; it holds no event loop of Python's.
        Slow::Sleep | Slow::BlockingSleep => {
            gloo_timers::future::TimeoutFuture::new(crate::core::spinner::SLEEP_MS).await;
            None
        }
        Slow::Prime { n, .. } => Some(crate::core::primes::check(n).prime),
    }
}

/// The book's `spin` as a value: each [`Spinner::frame`] draws the next
/// `\\|/-` frame; dropping it blanks the line (the book's clean-up after the
/// loop). In `Drop`, so it also runs when a coroutine spinner is cancelled at
/// its `await`, the book's `except asyncio.CancelledError: break`.
pub struct Spinner<S: Surface> {
    surface: S,
    next: u32,
    frames: Arc<AtomicU32>,
}

impl<S: Surface> Spinner<S> {
    pub fn new(surface: S, frames: Arc<AtomicU32>) -> Spinner<S> {
        Spinner {
            surface,
            next: 0,
            frames,
        }
    }

    pub fn frame(&mut self) {
        self.surface.draw(&status(self.next, MESSAGE));
        self.next += 1;
        self.frames.fetch_add(1, Ordering::SeqCst);
    }
}

impl<S: Surface> Drop for Spinner<S> {
    fn drop(&mut self) {
        self.surface.blank();
    }
}

/// `spin` in a worker (thread or process): draw a frame, `done.wait(.1)`,
/// repeat; then blank the line and call `on_exit`.
///
/// Driven by timer callbacks, not by Rust futures or atomic waits: measured in
/// Chromium, while the page's main thread is busy a worker's
/// `Atomics.wait`/`Atomics.waitAsync` timeouts do not fire (and wasm-bindgen's
/// futures wake workers through `Atomics.waitAsync`), but its timers do. So
/// `done.wait(.1)` is a 100 ms timer that then checks `is_done`; the returned
/// function ends the wait early (call it when `done` is set).
pub fn spin_in_worker<S: Surface + 'static>(
    surface: S,
    frames: Arc<AtomicU32>,
    is_done: impl Fn() -> bool + 'static,
    on_exit: impl FnOnce() + 'static,
) -> impl Fn() + 'static {
    spin_in_worker_gated(surface, frames, is_done, on_exit, |draw| draw())
}

/// [`spin_in_worker`], each frame drawn through `gate`, which calls the
/// drawing it is handed when it may (the GIL's spinner draws holding it).
pub fn spin_in_worker_gated<S: Surface + 'static>(
    surface: S,
    frames: Arc<AtomicU32>,
    is_done: impl Fn() -> bool + 'static,
    on_exit: impl FnOnce() + 'static,
    gate: impl Fn(&mut dyn FnMut()) + 'static,
) -> impl Fn() + 'static {
    type Gate = Box<dyn Fn(&mut dyn FnMut())>;
    struct Spin<S: Surface> {
        spinner: Spinner<S>,
        is_done: Box<dyn Fn() -> bool>,
        on_exit: Box<dyn FnOnce()>,
        gate: Gate,
        timer: Option<gloo_timers::callback::Timeout>,
    }
    type Slot<S> = Rc<RefCell<Option<Spin<S>>>>;

    fn tick<S: Surface + 'static>(slot: &Slot<S>) {
        let mut guard = slot.borrow_mut();
        let Some(spin) = guard.as_mut() else { return };
        if (spin.is_done)() {
            let spin = guard.take().expect("checked above");
            drop(guard);
            drop(spin.timer);
            drop(spin.spinner); // blanks the line
            (spin.on_exit)();
            return;
        }
        let Spin { spinner, gate, .. } = spin;
        gate(&mut || spinner.frame());
        let again = Rc::clone(slot);
        spin.timer = Some(gloo_timers::callback::Timeout::new(FRAME_MS, move || {
            tick(&again)
        }));
    }

    let slot: Slot<S> = Rc::new(RefCell::new(Some(Spin {
        spinner: Spinner::new(surface, frames),
        is_done: Box::new(is_done),
        on_exit: Box::new(on_exit),
        gate: Box::new(gate),
        timer: None,
    })));
    tick(&slot);
    move || {
        if slot.borrow().as_ref().is_some_and(|spin| (spin.is_done)()) {
            tick(&slot);
        }
    }
}
