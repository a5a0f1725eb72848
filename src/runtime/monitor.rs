//! The event-loop monitor: the main thread writes a heartbeat into shared
//! memory from a timer task every [`BEAT_MS`]; a wasm thread reads it and
//! draws the last 10 s on an `OffscreenCanvas`. The drawing needs nothing
//! from the main thread, so it keeps going, and shows the flat line, while
//! the main thread is frozen.
//!
//! The same heartbeat measures each run's `mainThreadMaxGapMs`: the longest
//! the main thread went without running a task.
//!
//! Both cost little on purpose, as every run shares the machine's cores with
//! them (measured, headless Chromium, 2 cores, the page idle for 10 s: 16.5 %
//! of a core with a heartbeat per animation frame and the strip drawn at
//! 30 Hz wherever it was; a bare `requestAnimationFrame` loop alone took
//! 7.4 %). So the heartbeat is a timer, which asks the browser for no frames,
//! and the strip is drawn only while it is near the screen; it samples the
//! heartbeat all the time, so its 10 s are whole when it comes back.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlCanvasElement, OffscreenCanvasRenderingContext2d};

use super::canvas::Style;
use super::{object, threads};
use crate::clock::epoch_ms;
use crate::monitor::{LONG_TASK_MS, Strip, WINDOW_MS};

/// The main thread's latest heartbeat, epoch ms as `f64` bits.
static HEARTBEAT: AtomicU64 = AtomicU64::new(0);

/// Samples the monitor thread has taken: proof that it runs during a freeze.
static MONITOR_TICKS: AtomicU32 = AtomicU32::new(0);

/// Whether the strip is on or near the screen (set by the main thread's
/// `IntersectionObserver`, read by the monitor thread before each drawing).
static STRIP_SHOWN: AtomicBool = AtomicBool::new(true);

/// The heartbeat's period: a frame's worth at 60 Hz.
pub const BEAT_MS: u32 = 16;

/// How many samples the monitor has taken so far (0 without threads).
pub fn monitor_ticks() -> u32 {
    MONITOR_TICKS.load(Ordering::Relaxed)
}

/// The main thread's gaps between frames, for the run being measured.
#[derive(Default)]
struct GapMeter {
    last_beat: Cell<f64>,
    window_start: Cell<Option<f64>>,
    max_gap: Cell<f64>,
}

impl GapMeter {
    fn beat(&self, now: f64) {
        if let Some(start) = self.window_start.get() {
            let since = self.last_beat.get().max(start);
            self.max_gap.set(self.max_gap.get().max(now - since));
        }
        self.last_beat.set(now);
    }
}

thread_local! {
    static METER: GapMeter = GapMeter::default();
}

/// Starts the main thread's heartbeat: a beat from a timer task every
/// [`BEAT_MS`], for as long as the page lives.
pub fn start_heartbeat() {
    gloo_timers::callback::Interval::new(BEAT_MS, || {
        let now = epoch_ms();
        HEARTBEAT.store(now.to_bits(), Ordering::Relaxed);
        METER.with(|m| m.beat(now));
    })
    .forget();
}

/// Starts measuring the main thread's longest gap.
pub fn begin_gap() {
    METER.with(|m| {
        m.window_start.set(Some(epoch_ms()));
        m.max_gap.set(0.0);
    });
}

/// The longest gap since [`begin_gap`], counting the one still going on now
/// (a run that blocked the main thread ends before the next frame).
pub fn end_gap() -> f64 {
    METER.with(|m| {
        let now = epoch_ms();
        let since = m.last_beat.get().max(m.window_start.get().unwrap_or(now));
        m.window_start.set(None);
        m.max_gap.get().max(now - since)
    })
}

/// Hands `canvas` to a new wasm thread that draws the strip until the page closes.
pub fn start_strip(canvas: &HtmlCanvasElement, style: &Style) -> Result<(), JsValue> {
    watch_visibility(canvas)?;
    let offscreen = canvas.transfer_control_to_offscreen()?;
    let payload = object(&[
        ("canvas", offscreen.clone().into()),
        ("style", style.to_js()),
    ]);
    threads::spawn_with(
        "spinlab monitor",
        &payload,
        &Array::of1(&offscreen),
        |payload| {
            let get = |k: &str| Reflect::get(&payload, &k.into()).unwrap_or_default();
            let canvas: web_sys::OffscreenCanvas = get("canvas").unchecked_into();
            let style = Style::from_js(&get("style"));
            let Some(context) = canvas
                .get_context("2d")
                .ok()
                .flatten()
                .map(JsCast::unchecked_into::<OffscreenCanvasRenderingContext2d>)
            else {
                return;
            };
            let mut strip = Strip::default();
            let (width, height) = (f64::from(canvas.width()), f64::from(canvas.height()));
            // ~30 samples a second from a timer on this thread's own event loop: a
            // worker's timers keep firing while the main thread is busy (its
            // atomic waits and wasm futures do not; see `models::spin_in_worker`).
            let interval = gloo_timers::callback::Interval::new(33, move || {
                let now = epoch_ms();
                strip.sample(now, f64::from_bits(HEARTBEAT.load(Ordering::Relaxed)));
                MONITOR_TICKS.fetch_add(1, Ordering::Relaxed);
                if STRIP_SHOWN.load(Ordering::Relaxed) {
                    draw(&context, &strip, now, width, height, &style);
                }
            });
            interval.forget(); // draws for as long as the page lives
        },
    )?;
    Ok(())
}

/// Keeps [`STRIP_SHOWN`] up to date: true while `canvas` is within a
/// screen's height of the viewport (so it is drawn before it scrolls in,
/// even if the main thread then freezes).
fn watch_visibility(canvas: &HtmlCanvasElement) -> Result<(), JsValue> {
    use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};
    let on_change = Closure::<dyn FnMut(Array)>::new(|entries: Array| {
        if let Some(entry) = entries.iter().last() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            STRIP_SHOWN.store(entry.is_intersecting(), Ordering::Relaxed);
        }
    });
    let options = IntersectionObserverInit::new();
    options.set_root_margin("100% 0px");
    let observer =
        IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options)?;
    observer.observe(canvas);
    on_change.forget(); // observes for as long as the page lives
    Ok(())
}

const GREEN: &str = "#2fb344";
const RED: &str = "#e03131";

fn draw(
    ctx: &OffscreenCanvasRenderingContext2d,
    strip: &Strip,
    now: f64,
    width: f64,
    height: f64,
    style: &Style,
) {
    let s = style.scale;
    let x = |t: f64| width * (1.0 - (now - t) / WINDOW_MS);
    let base = height * 0.72;
    let top = height * 0.30;
    ctx.set_fill_style_str(&style.paper);
    ctx.fill_rect(0.0, 0.0, width, height);

    // Long tasks: red bands with their length.
    ctx.set_font(&format!("600 {}px system-ui, sans-serif", 12.0 * s));
    for stall in &strip.stalls {
        let (x0, x1) = (x(stall.start).max(0.0), x(stall.end.unwrap_or(now)));
        ctx.set_global_alpha(0.18);
        ctx.set_fill_style_str(RED);
        ctx.fill_rect(x0, 0.0, (x1 - x0).max(1.0), height);
        ctx.set_global_alpha(1.0);
        let ms = stall.duration(now);
        let label = if ms >= 1000.0 {
            format!("{:.1} s", ms / 1000.0)
        } else {
            format!("{ms:.0} ms")
        };
        let label = if stall.end.is_none() {
            format!("frozen {label}")
        } else {
            label
        };
        ctx.set_fill_style_str(RED);
        let _ = ctx.fill_text(&label, (x0 + 4.0 * s).min(width - 90.0 * s), 15.0 * s);
    }

    // The heartbeat: a tick for every sample that saw a new frame, the flat
    // line where none came.
    ctx.set_line_width(1.5 * s);
    ctx.begin_path();
    ctx.set_stroke_style_str(GREEN);
    for (t, advanced) in &strip.samples {
        if *advanced {
            ctx.move_to(x(*t), base);
            ctx.line_to(x(*t), top);
        }
    }
    ctx.stroke();
    ctx.begin_path();
    ctx.set_stroke_style_str(&style.ink);
    ctx.move_to(0.0, base);
    ctx.line_to(width, base);
    ctx.stroke();

    // Axis and legend.
    ctx.set_fill_style_str(&style.ink);
    ctx.set_global_alpha(0.65);
    ctx.set_font(&format!("{}px system-ui, sans-serif", 11.0 * s));
    let _ = ctx.fill_text("−10 s", 4.0 * s, height - 6.0 * s);
    let _ = ctx.fill_text("now", width - 26.0 * s, height - 6.0 * s);
    let status = match strip.current_stall() {
        Some(stall) => format!(
            "main thread frozen for {:.1} s",
            stall.duration(now) / 1000.0
        ),
        None => format!(
            "main thread: a tick per heartbeat (a task every {BEAT_MS} ms); red = none for ≥ {LONG_TASK_MS:.0} ms"
        ),
    };
    let _ = ctx.fill_text(&status, width * 0.28, height - 6.0 * s);
    ctx.set_global_alpha(1.0);
}
