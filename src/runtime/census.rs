//! The census of workers spinlab started and that still run: threads (in
//! shared memory, so every thread sees one count) and the processes the page
//! holds. For leak checks (`spinlab.stats()`), and kept right when a thread
//! dies in a panic.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads started by `threads::spawn_with` that have not exited.
static LIVE_THREADS: AtomicUsize = AtomicUsize::new(0);
/// Threads started by `threads::spawn_with` since the page loaded.
static STARTED_THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Processes the page holds (a `Process` ends its worker when dropped).
    static LIVE_PROCESSES: Cell<usize> = const { Cell::new(0) };
    /// On a thread `spawn_with` started: whether it still counts in
    /// [`LIVE_THREADS`] (until it exits or dies).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

/// `(live threads, live processes)` started by spinlab, for leak checks.
pub fn live_counts() -> (usize, usize) {
    (
        LIVE_THREADS.load(Ordering::SeqCst),
        LIVE_PROCESSES.with(Cell::get),
    )
}

/// Threads started since the page loaded (each leaves a few hundred bytes
/// of thread-local values behind: see `heap`).
pub fn threads_started() -> usize {
    STARTED_THREADS.load(Ordering::SeqCst)
}

/// A thread is being started.
pub fn thread_started() {
    LIVE_THREADS.fetch_add(1, Ordering::SeqCst);
    STARTED_THREADS.fetch_add(1, Ordering::SeqCst);
}

/// The thread being started never ran.
pub fn thread_start_failed() {
    LIVE_THREADS.fetch_sub(1, Ordering::SeqCst);
    STARTED_THREADS.fetch_sub(1, Ordering::SeqCst);
}

/// On the new thread: it counts until it exits or dies.
pub fn count_current_thread() {
    COUNTED.with(|c| c.set(true));
}

/// This thread no longer counts as live: it is exiting.
pub fn forget_current_thread() -> bool {
    let counted = COUNTED.with(|c| c.replace(false));
    if counted {
        LIVE_THREADS.fetch_sub(1, Ordering::SeqCst);
    }
    counted
}

/// Called by the panic hook: a thread `spawn_with` started is dying (the
/// trap that follows the hook ends it), so it no longer counts, and its
/// worker is closed once the current task is over, whichever callback
/// panicked. (Its stack stays allocated in the shared memory: the pool is
/// out of use after a panic anyway.)
pub fn died() {
    use wasm_bindgen::JsCast;
    if forget_current_thread()
        && let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>()
    {
        scope.close();
    }
}

/// The page holds one more process.
pub fn process_opened() {
    LIVE_PROCESSES.with(|n| n.set(n.get() + 1));
}

/// The page let a process go.
pub fn process_closed() {
    LIVE_PROCESSES.with(|n| n.set(n.get() - 1));
}
