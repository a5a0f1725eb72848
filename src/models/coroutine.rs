//! Spinner with coroutines: `spin` and `slow` are futures on the main thread's
//! event loop, the browser's asyncio.
//!
//! ```python
//! async def supervisor() -> int:
//!     spinner = asyncio.create_task(spin('thinking!'))
//!     print(f'spinner object: {spinner}')
//!     result = await slow()
//!     spinner.cancel()
//!     return result
//! ```
//! `create_task` is `spawn_local` of an abortable future; `cancel()` aborts it,
//! which takes effect at its `await` and drops it, running its clean-up.
//! Three variants of `slow()` with `is_prime`:
//! - `coroutine`: computes right there, the book's `spinner_prime_async_broken.py`:
//!   the event loop is frozen, the spinner may never draw a frame;
//! - `coroutine-nap`: the book's stop-gap, naps every so many divisions;
//! - `coroutine-offload`: awaits the computation elsewhere, the fix: on a
//!   pool thread (`asyncio.to_thread`) or in a fresh process
//!   (`loop.run_in_executor(ProcessPoolExecutor(), …)`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_channel::oneshot;
use futures_util::future::{AbortHandle, abortable};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlCanvasElement;

use super::{NapPlan, Outcome, Slow, Spinner};
use crate::core::clock::now_seconds;
use crate::core::primes::{TrialDivision, check};
use crate::core::spinner::{FRAME_MS, Model, NapVia, Offload, SLEEP_MS};
use crate::runtime::canvas::{Canvas2d, Style, Surface};
use crate::runtime::js_error_message;
use crate::runtime::messages::ToPage;
use crate::runtime::pool::Pool;
use crate::runtime::steps::{step, step_and_paint};
use crate::runtime::threads::Process;

// tag::coroutine-supervisor[]
pub async fn supervisor(
    model: Model,
    canvas: &HtmlCanvasElement,
    style: &Style,
    slow: Slow,
    offload: Option<Offload>,
    pool: Option<&Pool>,
) -> Result<Outcome, String> {
    // step: start
    let surface = Canvas2d::onscreen(canvas, style.clone()).map_err(|e| js_error_message(&e))?;
    let frames = Arc::new(AtomicU32::new(0));
    // Shown before the task is created: a blocking slow() paints nothing
    // until it returns, and the task has not run yet either way.
    step_and_paint("slow").await;
    let (cancel, finished) = create_spinner_task(surface, Arc::clone(&frames));
    // step: slow
    let t0 = now_seconds();
    let mut outcome = Outcome::default();
    outcome.prime = match (model, slow) {
        (Model::CoroutineOffload, slow) if offload == Some(Offload::Process) => {
            // `await loop.run_in_executor(executor, is_prime, n)`.
            in_a_process(slow).await?
        }
        (Model::CoroutineOffload, Slow::Sleep | Slow::BlockingSleep) => {
            // `await asyncio.to_thread(time.sleep, 3)`: a pool thread really sleeps.
            on_a_pool_thread(pool, || {
                std::thread::sleep(Duration::from_millis(u64::from(SLEEP_MS)))
            })
            .await?;
            None
        }
        (_, Slow::Sleep) => {
            gloo_timers::future::TimeoutFuture::new(SLEEP_MS).await;
            None
        }
        // `time.sleep(3)` inside the coroutine: the book's experiment. The
        // event loop is this page's, so its thread is held for 3 s, on
        // purpose (the page says so): nothing else runs, the spinner task
        // included, which has not even started.
        (_, Slow::BlockingSleep) => {
            hold_the_thread(f64::from(SLEEP_MS));
            None
        }
        (Model::CoroutineNap, Slow::Prime { n, nap }) => {
            let run = is_prime_napping(n, nap).await;
            outcome.naps = run.naps;
            outcome.compute_ms = Some(run.compute_ms);
            Some(run.prime)
        }
        (Model::CoroutineOffload, Slow::Prime { n, .. }) => {
            Some(on_a_pool_thread(pool, move || check(n).prime).await?)
        }
        // The broken one: a blocking call inside a coroutine freezes the loop.
        (_, Slow::Prime { n, .. }) => Some(check(n).prime),
    };
    outcome.elapsed_ms = (now_seconds() - t0) * 1000.0;
    outcome.frames = frames.load(Ordering::SeqCst);
    // step: stop
    step("stop");
    cancel.abort(); // spinner.cancel()
    // The cancellation lands at the spinner's await; its clean-up runs then.
    let _ = finished.await;
    // step: done
    Ok(outcome)
}
// end::coroutine-supervisor[]

/// `asyncio.create_task(spin('thinking!'))`: the spinner, scheduled on the
/// main thread's event loop but not yet running. Its `done.wait(.1)` is
/// `await asyncio.sleep(.1)`: it never learns that `slow()` is over; it is
/// cancelled instead. Returns its `Task.cancel()` and a receiver that
/// resolves once it has stopped, its clean-up done.
pub fn create_spinner_task<S: Surface + 'static>(
    surface: S,
    frames: Arc<AtomicU32>,
) -> (AbortHandle, oneshot::Receiver<()>) {
    let (task, cancel) = abortable(async move {
        // Built when the task first runs: a task cancelled before it ever ran
        // draws nothing and has nothing to clean up, as in asyncio.
        let mut spinner = Spinner::new(surface, frames);
        loop {
            spinner.frame();
            gloo_timers::future::TimeoutFuture::new(FRAME_MS).await;
        }
    });
    let (finished, finished_rx) = oneshot::channel::<()>();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = task.await;
        let _ = finished.send(());
    });
    (cancel, finished_rx)
}

async fn on_a_pool_thread<R: Send + 'static>(
    pool: Option<&Pool>,
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, String> {
    match pool {
        Some(pool) => pool.run(f).await,
        None => {
            Err("coroutine-offload needs the thread pool, which this browser does not have".into())
        }
    }
}

/// `slow()`'s work in a fresh process (its own wasm instance and memory):
/// `n` goes there as a decimal string, the answer comes back as a message.
async fn in_a_process(slow: Slow) -> Result<Option<bool>, String> {
    let n = match slow {
        Slow::Sleep | Slow::BlockingSleep => JsValue::NULL,
        Slow::Prime { n, .. } => n.to_string().into(),
    };
    let payload = crate::runtime::object(&[("n", n)]);
    let mut process = Process::spawn(
        "spinlab executor process",
        super::entry::Entry::Offload.key(),
        &payload.into(),
        &js_sys::Array::new(),
    )?;
    match process.recv().await? {
        ToPage::Answer(prime) => Ok(prime),
        _ => Err("the executor process gave no answer".into()),
    }
}

/// The executor process's `main`: sleep 3 s or check `n`, post the answer
/// (`prime: null` after a sleep), exit.
pub fn offload_child(payload: JsValue) {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let n = Reflect::get(&payload, &"n".into())
        .ok()
        .and_then(|n| n.as_string())
        .and_then(|n| n.parse::<u64>().ok());
    let answer = move |scope: web_sys::DedicatedWorkerGlobalScope, prime: Option<bool>| {
        let _ = scope.post_message(&ToPage::Answer(prime).encode());
        scope.close();
    };
    match n {
        Some(n) => answer(scope, Some(check(n).prime)),
        None => {
            gloo_timers::callback::Timeout::new(SLEEP_MS, move || answer(scope, None)).forget();
        }
    }
}

/// What the napping `is_prime` measured.
pub struct NapRun {
    pub prime: bool,
    pub naps: u32,
    /// Time spent dividing, naps excluded.
    pub compute_ms: f64,
}

/// The book's stop-gap: `is_prime` as a coroutine that gives the event loop a
/// turn every `plan.every` divisions. Same divisions as `is_prime`.
pub async fn is_prime_napping(n: u64, plan: NapPlan) -> NapRun {
    let mut division = TrialDivision::new(n);
    let mut run = NapRun {
        prime: false,
        naps: 0,
        compute_ms: 0.0,
    };
    loop {
        let t = now_seconds();
        let answer = division.step(plan.every.max(1));
        run.compute_ms += (now_seconds() - t) * 1000.0;
        if let Some(prime) = answer {
            run.prime = prime;
            return run;
        }
        nap(plan.via).await;
        run.naps += 1;
    }
}

/// One nap: the book's `await asyncio.sleep(0)`.
pub async fn nap(via: NapVia) {
    match via {
        NapVia::Timeout => gloo_timers::future::TimeoutFuture::new(0).await,
        NapVia::Yield => yield_to_event_loop().await,
    }
}

/// A nap that lets every due timer and a rendering opportunity come first, in
/// every engine: a 0 ms timer (the HTML spec runs timers in the order of
/// their due time, so the spinner's frame timer, due earlier, runs first),
/// then a message the window posts to itself, a fresh task, so that the next
/// nap's timer is not set from inside a timer's task: timers never nest and
/// the 4 ms clamp never applies. Measured with 1 ms of work between naps
/// (medians of 40): a plain 0 ms timer 4.2-4.3 ms a nap in Chromium, Firefox
/// and WebKit alike once nested; this 0.02-0.06 ms. A `MessageChannel`
/// message instead cost 1.0-1.2 ms in WebKit.
///
/// Not `scheduler.yield()`: its continuation is queued ahead of timers by
/// design, and where `Atomics.waitAsync` resumes the future within that
/// continuation (Firefox 153) a loop of naps let the spinner's timer run
/// once in 3 s.
async fn yield_to_event_loop() {
    gloo_timers::future::TimeoutFuture::new(0).await;
    let promise = Promise::new(&mut |resolve, _| {
        HOPS.with(|hops| hops.waiting.borrow_mut().push_back(resolve));
    });
    HOPS.with(|hops| hops.post());
    let _ = JsFuture::from(promise).await;
}

/// The page's self-posted messages, one per nap, each resolving the oldest
/// nap waiting (messages from the same window arrive in order).
struct Hops {
    waiting: Rc<RefCell<VecDeque<Function>>>,
    window: Option<web_sys::Window>,
}

/// The message's data: what tells a nap's message from any other.
const HOP: &str = "spinlab:nap";

impl Hops {
    fn new() -> Hops {
        let waiting: Rc<RefCell<VecDeque<Function>>> = Rc::default();
        let window = web_sys::window();
        if let Some(window) = &window {
            let queue = Rc::clone(&waiting);
            let me = window.clone();
            let listener =
                Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                    let from_me = e
                        .source()
                        .is_some_and(|s| JsValue::from(s) == JsValue::from(&me));
                    if from_me
                        && e.data().as_string().as_deref() == Some(HOP)
                        && let Some(resolve) = queue.borrow_mut().pop_front()
                    {
                        let _ = resolve.call0(&JsValue::NULL);
                    }
                });
            let _ = window
                .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref());
            // The listener lives as long as the page.
            listener.forget();
        }
        Hops { waiting, window }
    }

    /// Posts one nap's message to this window (same origin only); where
    /// there is no window (a worker), the nap resolves at once after its timer.
    fn post(&self) {
        let posted = self
            .window
            .as_ref()
            .is_some_and(|w| w.post_message(&HOP.into(), "/").is_ok());
        if !posted && let Some(resolve) = self.waiting.borrow_mut().pop_front() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }
}

thread_local! {
    static HOPS: Hops = Hops::new();
}

/// How long a 0 ms timer takes when timers nest (a timer set from a timer
/// callback, 20 deep): the clamp the HTML spec imposes after 5 levels. For
/// comparison with the naps, whose timers do not nest here: each `await`
/// resumes through `Atomics.waitAsync`, a fresh task.
pub async fn nested_timer_ms() -> f64 {
    const DEPTH: u32 = 20;
    fn chain(left: u32, done: js_sys::Function) {
        let timer = gloo_timers::callback::Timeout::new(0, move || {
            if left == 0 {
                let _ = done.call0(&JsValue::NULL);
            } else {
                chain(left - 1, done);
            }
        });
        timer.forget();
    }
    let t0 = now_seconds();
    let promise = Promise::new(&mut |resolve, _| chain(DEPTH - 1, resolve));
    let _ = JsFuture::from(promise).await;
    (now_seconds() - t0) * 1000.0 / f64::from(DEPTH)
}

/// `time.sleep(ms)` on the page's main thread: it may not block in a
/// wait, so it is held in a loop that reads the clock until the time is
/// up. Only the blocking-sleep experiment calls it.
fn hold_the_thread(ms: f64) {
    let until = now_seconds() + ms / 1000.0;
    while now_seconds() < until {
        std::hint::spin_loop();
    }
}
