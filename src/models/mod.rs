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
pub mod pool;
pub mod process;
pub mod thread;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

use crate::spinner::{FRAME_MS, MESSAGE, NapVia, status};

/// What `slow()` does.
#[derive(Clone, Copy, Debug)]
pub enum Slow {
    /// The book's `time.sleep(3)` / `asyncio.sleep(3)`.
    Sleep,
    /// The book's `is_prime(n)`; `nap` only matters to the napping coroutine.
    Prime { n: u64, nap: NapPlan },
}

/// How the napping coroutine naps: after `every` divisions, via `via`.
#[derive(Clone, Copy, Debug)]
pub struct NapPlan {
    pub every: u64,
    pub via: NapVia,
}

/// What a supervisor measured.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// `is_prime`'s answer; `None` when `slow()` slept.
    pub prime: Option<bool>,
    /// How long `slow()` took.
    pub elapsed_ms: f64,
    /// Frames the spinner drew while `slow()` ran.
    pub frames: u32,
    /// How long the spinner's thread or process took to start.
    pub startup_ms: Option<f64>,
    /// Naps taken by the napping coroutine.
    pub naps: u32,
    /// Time spent dividing, naps excluded (napping coroutine only).
    pub compute_ms: Option<f64>,
}

/// Where a spinner draws: a 2D canvas, on the page or offscreen in a worker.
pub trait Surface {
    fn draw(&self, text: &str);
    fn blank(&self);
}

/// The colours and scale the page hands to a spinner, so that a worker draws
/// in the page's theme. Crosses to workers as a plain object.
#[derive(Clone, Debug)]
pub struct Style {
    pub scale: f64,
    pub ink: String,
    pub paper: String,
}

impl Style {
    pub fn to_js(&self) -> JsValue {
        crate::web::object(&[
            ("scale", self.scale.into()),
            ("ink", self.ink.as_str().into()),
            ("paper", self.paper.as_str().into()),
        ])
        .into()
    }

    pub fn from_js(value: &JsValue) -> Style {
        let get = |k: &str| Reflect::get(value, &k.into()).unwrap_or_default();
        Style {
            scale: get("scale").as_f64().unwrap_or(1.0),
            ink: get("ink").as_string().unwrap_or_else(|| "#e6e6e3".into()),
            paper: get("paper").as_string().unwrap_or_else(|| "#15171c".into()),
        }
    }
}

/// A 2D canvas context that draws the spinner's line like a terminal would.
pub struct Canvas2d<C> {
    context: C,
    style: Style,
    width: f64,
    height: f64,
}

macro_rules! canvas_surface {
    ($context:ty) => {
        impl Surface for Canvas2d<$context> {
            fn draw(&self, text: &str) {
                self.blank();
                let px = 22.0 * self.style.scale;
                self.context.set_fill_style_str(&self.style.ink);
                self.context.set_font(&format!(
                    "600 {px}px ui-monospace, Menlo, Consolas, monospace"
                ));
                let _ = self.context.fill_text(
                    text,
                    14.0 * self.style.scale,
                    self.height / 2.0 + px * 0.35,
                );
            }

            fn blank(&self) {
                self.context.set_fill_style_str(&self.style.paper);
                self.context.fill_rect(0.0, 0.0, self.width, self.height);
            }
        }
    };
}
canvas_surface!(web_sys::CanvasRenderingContext2d);
canvas_surface!(web_sys::OffscreenCanvasRenderingContext2d);

impl<C: JsCast> Canvas2d<C> {
    fn from_context(
        context: Result<Option<js_sys::Object>, JsValue>,
        width: u32,
        height: u32,
        style: Style,
    ) -> Result<Self, JsValue> {
        Ok(Canvas2d {
            context: context?.ok_or("no 2d context")?.unchecked_into::<C>(),
            style,
            width: f64::from(width),
            height: f64::from(height),
        })
    }
}

impl Canvas2d<web_sys::OffscreenCanvasRenderingContext2d> {
    /// The surface of an `OffscreenCanvas` transferred to this worker.
    pub fn offscreen(canvas: &web_sys::OffscreenCanvas, style: Style) -> Result<Self, JsValue> {
        Self::from_context(
            canvas.get_context("2d"),
            canvas.width(),
            canvas.height(),
            style,
        )
    }
}

impl Canvas2d<web_sys::CanvasRenderingContext2d> {
    /// The surface of a canvas on the page (the coroutine's spinner).
    pub fn onscreen(canvas: &web_sys::HtmlCanvasElement, style: Style) -> Result<Self, JsValue> {
        Self::from_context(
            canvas.get_context("2d"),
            canvas.width(),
            canvas.height(),
            style,
        )
    }
}

/// Transfers `canvas` to a worker-to-be: the payload (`{ canvas, style }`)
/// and its transfer list. `who` names the worker in the error.
pub fn offscreen_payload(
    canvas: &web_sys::HtmlCanvasElement,
    style: &Style,
    who: &str,
) -> Result<(JsValue, js_sys::Array), String> {
    let offscreen = canvas.transfer_control_to_offscreen().map_err(|e| {
        format!(
            "cannot hand the canvas to {who}: {}",
            crate::web::js_error_message(&e)
        )
    })?;
    let payload = crate::web::object(&[
        ("canvas", offscreen.clone().into()),
        ("style", style.to_js()),
    ]);
    Ok((payload.into(), js_sys::Array::of1(&offscreen)))
}

/// The worker side of [`offscreen_payload`]: the canvas's surface.
pub fn surface_from_payload(
    payload: &JsValue,
) -> Result<Canvas2d<web_sys::OffscreenCanvasRenderingContext2d>, String> {
    let get = |k: &str| Reflect::get(payload, &k.into()).unwrap_or_default();
    let canvas: web_sys::OffscreenCanvas = get("canvas").unchecked_into();
    Canvas2d::offscreen(&canvas, Style::from_js(&get("style")))
        .map_err(|e| crate::web::js_error_message(&e))
}

/// `slow()` run by the main thread (thread and process models): `is_prime`
/// really blocks it; a sleep is an awaited timer, because the main thread
/// may not block in a sleep. Returns the answer, if it computed one.
pub async fn slow_on_main_thread(slow: Slow) -> Option<bool> {
    match slow {
        Slow::Sleep => {
            gloo_timers::future::TimeoutFuture::new(crate::spinner::SLEEP_MS).await;
            None
        }
        Slow::Prime { n, .. } => Some(crate::primes::check(n).prime),
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
    struct Spin<S: Surface> {
        spinner: Spinner<S>,
        is_done: Box<dyn Fn() -> bool>,
        on_exit: Box<dyn FnOnce()>,
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
        spin.spinner.frame();
        let again = Rc::clone(slot);
        spin.timer = Some(gloo_timers::callback::Timeout::new(FRAME_MS, move || {
            tick(&again)
        }));
    }

    let slot: Slot<S> = Rc::new(RefCell::new(Some(Spin {
        spinner: Spinner::new(surface, frames),
        is_done: Box::new(is_done),
        on_exit: Box::new(on_exit),
        timer: None,
    })));
    tick(&slot);
    move || {
        if slot.borrow().as_ref().is_some_and(|spin| (spin.is_done)()) {
            tick(&slot);
        }
    }
}
