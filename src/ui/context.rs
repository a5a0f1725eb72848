//! What the page's panels share, knowing none of them: the thread pool, the
//! calibration, and the one-run-at-a-time guard, which tells whoever
//! listens when a run begins and ends.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_channel::oneshot;

use crate::core::primes::Calibration;
use crate::core::report::Value;
use crate::core::trace::Trace;
use crate::runtime::pool::Pool;

type Listener = Box<dyn Fn(bool, bool)>;

/// The page's shared state.
pub struct Context {
    pub pool: Option<Pool>,
    /// The prime whose check takes ≈3 s here, or why there is none; `None`
    /// while it is measured (after the page is ready: nothing waits for it
    /// but the runs, which begin once it is in).
    calibration: RefCell<Option<Result<Calibration, String>>>,
    /// Those waiting for the calibration (`calibrated`).
    waiting: RefCell<Vec<oneshot::Sender<()>>>,
    busy: Cell<bool>,
    /// Runs started since the page loaded (`spinlab.stats().runsStarted`):
    /// a test counts them instead of watching a window of time.
    runs_started: Cell<u32>,
    /// Called with `(running, pool available)` when a run begins or ends.
    listeners: RefCell<Vec<Listener>>,
    /// The last run's trace (`spinlab.lastTrace()`), in the Trace Event
    /// Format (`core::trace`).
    last_trace: RefCell<Option<Value>>,
}

impl Context {
    pub fn new(pool: Option<Pool>) -> Context {
        Context {
            pool,
            calibration: RefCell::new(None),
            waiting: RefCell::new(Vec::new()),
            busy: Cell::new(false),
            runs_started: Cell::new(0),
            listeners: RefCell::new(Vec::new()),
            last_trace: RefCell::new(None),
        }
    }

    /// Keeps `trace` as the last run's.
    pub fn keep_trace(&self, trace: &Trace) {
        *self.last_trace.borrow_mut() = Some(trace.into());
    }

    /// The last run's trace, if a run left one.
    pub fn last_trace(&self) -> Option<Value> {
        self.last_trace.borrow().clone()
    }

    /// Calls `listener(running, pool_available)` whenever a run begins or
    /// ends (a panel disabling its buttons).
    pub fn on_running(&self, listener: impl Fn(bool, bool) + 'static) {
        self.listeners.borrow_mut().push(Box::new(listener));
    }

    /// The calibration, once measured (`Err` says why there is none, or
    /// that it is still being measured).
    pub fn calibration(&self) -> Result<Calibration, String> {
        self.calibration
            .borrow()
            .clone()
            .unwrap_or_else(|| Err("the page is still calibrating".into()))
    }

    /// The calibration, waiting for it if it is still being measured.
    pub async fn calibrated(&self) -> Result<Calibration, String> {
        loop {
            let known = self.calibration.borrow().clone();
            if let Some(calibration) = known {
                return calibration;
            }
            let (tx, rx) = oneshot::channel();
            self.waiting.borrow_mut().push(tx);
            // A dropped sender (never: the context outlives its waiters) would
            // only send this loop round again.
            let _ = rx.await;
        }
    }

    /// The measured calibration, handed to whoever waits for it.
    pub fn settle_calibration(&self, calibration: Result<Calibration, String>) {
        *self.calibration.borrow_mut() = Some(calibration);
        for waiting in self.waiting.borrow_mut().drain(..) {
            let _ = waiting.send(());
        }
    }

    /// Whether the calibration is still being measured.
    pub fn calibrating(&self) -> bool {
        self.calibration.borrow().is_none()
    }

    /// One run at a time, page-wide: while it runs, every listener has been
    /// told, and a second run (button or promise) is refused with a reason.
    /// The run is the page's at once, and goes on once the calibration is
    /// in: it measures on a pool thread, and a run beside it would slow both.
    pub async fn begin(&self) -> Result<Running<'_>, String> {
        if self.busy.get() {
            return Err(
                "Another run is already running: wait for it to finish, then try again.".into(),
            );
        }
        self.busy.set(true);
        self.runs_started.set(self.runs_started.get() + 1);
        self.set_running(true);
        let running = Running(self);
        let _ = self.calibrated().await;
        Ok(running)
    }

    pub fn runs_started(&self) -> u32 {
        self.runs_started.get()
    }

    /// Tells the listeners; also used once at start-up (`false`).
    pub fn set_running(&self, running: bool) {
        // A panicked thread takes the pool out of use (see `panics`).
        let pool = self.pool.is_some() && crate::runtime::panics::broken().is_none();
        for listener in self.listeners.borrow().iter() {
            listener(running, pool);
        }
        if let Some(message) = crate::runtime::panics::broken() {
            super::dom::set_status(&crate::runtime::panics::explain(&message));
        }
    }

    /// This machine's division rate (calibrated), or the one measured on
    /// the project's machine when calibration failed.
    pub fn divisions_per_sec(&self) -> f64 {
        self.calibration().map_or(435e6, |c| c.divisions_per_sec)
    }
}

/// A run in progress, for as long as it lives: the buttons come back however
/// the run ends.
pub struct Running<'a>(&'a Context);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.busy.set(false);
        // `debugPanic("next-worker")` arms the next run only.
        crate::runtime::panics::disarm();
        self.0.set_running(false);
    }
}

/// A panel's view with the page's context: what its runs and buttons are
/// handed (the context's pool and calibration read as its own fields).
pub struct Panel<V> {
    pub ctx: Rc<Context>,
    pub view: V,
}

impl<V> std::ops::Deref for Panel<V> {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}
