//! Panics in the page's threads, caught and reported instead of hanging.
//!
//! A panic in a wasm thread aborts it (a trap): its destructors never run,
//! so whoever awaits its answer (a closed channel, a worker's "done") would
//! wait forever. So the panic hook, which does run on the panicking thread,
//! logs the message (`console_error_panic_hook`) and sends it to the main
//! thread over a lock-free channel; every run awaits its answers through
//! [`guarded`], which ends with that message instead. The thread pool is
//! then marked broken: a thread that died mid-task may have left a lock in
//! the shared memory held, and rayon's global pool cannot be rebuilt, so the
//! modes that need it are disabled with the reason until the page reloads.
//! (Processes have memories of their own: their panics arrive as the
//! process's error message.)

use std::cell::RefCell;
use std::pin::pin;
use std::sync::OnceLock;

use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use futures_util::future::{Either, select};

/// Test-only (`spinlab.debugPanic("next-worker")`): the next worker a run
/// starts dies mid-run. Shared memory, so a thread sees the page's flag; a
/// process gets it in its payload (`debugDie`) and arms its own.
static DIE_NEXT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Arms [`DIE_NEXT`].
pub fn arm_next_worker() {
    DIE_NEXT.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Disarms [`DIE_NEXT`] (a run has ended without using it).
pub fn disarm() {
    DIE_NEXT.store(false, std::sync::atomic::Ordering::SeqCst);
}

/// Whether this worker is the one to die (once: it disarms the flag).
pub fn take_armed() -> bool {
    DIE_NEXT.swap(false, std::sync::atomic::Ordering::SeqCst)
}

/// The hook's way to the main thread (set once, before any worker starts).
static REPORTS: OnceLock<mpsc::UnboundedSender<String>> = OnceLock::new();

thread_local! {
    /// The first panic's message, once one has happened (main thread).
    static BROKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// How many panics the main thread has heard of (see [`seen`]), and the
    /// latest one's message.
    static PANICS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static LATEST: RefCell<String> = const { RefCell::new(String::new()) };
    /// Runs waiting for their answers (main thread).
    static WAITING: RefCell<Vec<oneshot::Sender<String>>> = const { RefCell::new(Vec::new()) };
}

/// Installs the hook and the main thread's listener. Call once, on the
/// main thread, before starting any worker.
pub fn install() {
    let (tx, mut rx) = mpsc::unbounded::<String>();
    if REPORTS.set(tx).is_err() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        super::census::died();
        if let Some(reports) = REPORTS.get() {
            let _ = reports.unbounded_send(describe(info));
        }
    }));
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(message) = rx.next().await {
            // The first panic is the one that broke the pool.
            BROKEN.with(|b| {
                b.borrow_mut().get_or_insert_with(|| message.clone());
            });
            PANICS.with(|p| p.set(p.get() + 1));
            LATEST.set(message.clone());
            for waiter in WAITING.with(|w| std::mem::take(&mut *w.borrow_mut())) {
                let _ = waiter.send(message.clone());
            }
        }
    });
}

/// A panic in one line: its message and where it happened.
pub fn describe(info: &std::panic::PanicHookInfo<'_>) -> String {
    let place = info.location().map_or(String::new(), |l| {
        format!(" (at {}:{})", l.file(), l.line())
    });
    format!("{}{place}", info.payload_as_str().unwrap_or("no message"))
}

/// Why the thread pool is unusable, if a thread has panicked.
pub fn broken() -> Option<String> {
    BROKEN.with(|b| b.borrow().clone())
}

/// What a run says when a thread panicked.
pub fn explain(message: &str) -> String {
    format!(
        "A worker thread panicked: {message}. It aborted mid-task and may have left a lock in \
         the shared memory held, so the thread pool is out of use until the page reloads \
         (the modes without it still run)"
    )
}

/// How many panics the main thread has heard of so far: a run takes this
/// when it starts and hands it to every [`guarded`] wait, so that a panic
/// that arrived while it was between two waits still ends it.
pub fn seen() -> u64 {
    PANICS.with(std::cell::Cell::get)
}

/// Awaits `future`, or fails with the reason as soon as a thread panics, or
/// at once if one has panicked since `since` (from [`seen`]). (A panic before
/// the run began does not end it, so that runs without the pool still work;
/// what needs the pool checks [`broken`] first.)
pub async fn guarded<F: Future>(since: u64, future: F) -> Result<F::Output, String> {
    if seen() > since {
        return Err(explain(&LATEST.with_borrow(Clone::clone)));
    }
    let (tx, panicked) = oneshot::channel();
    WAITING.with(|w| {
        let mut waiting = w.borrow_mut();
        // Runs that have ended dropped their receivers.
        waiting.retain(|s| !s.is_canceled());
        waiting.push(tx);
    });
    // `select` polls the future first: if both are ready, its output wins.
    match select(pin!(future), panicked).await {
        Either::Left((output, _)) => Ok(output),
        Either::Right((Ok(message), _)) => Err(explain(&message)),
        // No panic can be reported any more: the future decides.
        Either::Right((Err(_), future)) => Ok(future.await),
    }
}
