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
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlCanvasElement, OffscreenCanvasRenderingContext2d};

use super::canvas::Style;
use super::{object, threads};
use crate::core::clock::epoch_ms;
use crate::core::monitor::{LONG_TASK_MS, Strip, WINDOW_MS, place_labels, run_code};

/// The main thread's latest heartbeat, epoch ms as `f64` bits.
static HEARTBEAT: AtomicU64 = AtomicU64::new(0);

/// Samples the monitor thread has taken: proof that it runs during a freeze.
static MONITOR_TICKS: AtomicU32 = AtomicU32::new(0);

/// Which strips are on or near the screen, a bit each (set by the main
/// thread's `IntersectionObserver`, read by the monitor thread before each
/// drawing).
static STRIPS_SHOWN: AtomicU32 = AtomicU32::new(u32::MAX);

/// The run going on now, as [`crate::core::monitor::run_code`] codes it, so the
/// monitor thread names the stalls it sees.
static CURRENT_RUN: AtomicU32 = AtomicU32::new(0);

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

/// Starts measuring the main thread's longest gap, during the run named
/// `run` (one of [`crate::core::monitor::RUNS`]; the strip names its stalls so).
pub fn begin_gap(run: &str) {
    CURRENT_RUN.store(run_code(run), Ordering::Relaxed);
    METER.with(|m| {
        m.window_start.set(Some(epoch_ms()));
        m.max_gap.set(0.0);
    });
}

/// The longest gap since [`begin_gap`], counting the one still going on now
/// (a run that blocked the main thread ends before the next frame).
pub fn end_gap() -> f64 {
    CURRENT_RUN.store(0, Ordering::Relaxed);
    METER.with(|m| {
        let now = epoch_ms();
        let since = m.last_beat.get().max(m.window_start.get().unwrap_or(now));
        m.window_start.set(None);
        m.max_gap.get().max(now - since)
    })
}

/// Hands the `canvases` (the introduction's strip, the spinner lab's) to
/// one new wasm thread that samples the heartbeat and draws each strip that
/// is near the screen, until the page closes.
pub fn start_strips(canvases: &[HtmlCanvasElement], style: &Style) -> Result<(), JsValue> {
    let offscreens = Array::new();
    for (i, canvas) in canvases.iter().enumerate() {
        watch_visibility(canvas, i as u32)?;
        let offscreen = canvas.transfer_control_to_offscreen()?;
        offscreens.push(&offscreen);
    }
    let payload = object(&[
        ("canvases", offscreens.clone().into()),
        ("style", style.to_js()),
    ]);
    threads::spawn_with("spinlab monitor", &payload, &offscreens, |payload| {
        let get = |k: &str| Reflect::get(&payload, &k.into()).unwrap_or_default();
        let style = Style::from_js(&get("style"));
        let strips: Vec<(OffscreenCanvasRenderingContext2d, f64, f64)> =
            Array::from(&get("canvases"))
                .iter()
                .filter_map(|canvas| {
                    let canvas: web_sys::OffscreenCanvas = canvas.unchecked_into();
                    let context = canvas.get_context("2d").ok().flatten()?;
                    let size = (f64::from(canvas.width()), f64::from(canvas.height()));
                    Some((context.unchecked_into(), size.0, size.1))
                })
                .collect();
        let mut strip = Strip::default();
        // ~30 samples a second from a timer on this thread's own event loop: a
        // worker's timers keep firing while the main thread is busy (its
        // atomic waits and wasm futures do not; see `models::spin_in_worker`).
        let interval = gloo_timers::callback::Interval::new(33, move || {
            let now = epoch_ms();
            let beat = f64::from_bits(HEARTBEAT.load(Ordering::Relaxed));
            strip.sample(now, beat, CURRENT_RUN.load(Ordering::Relaxed));
            MONITOR_TICKS.fetch_add(1, Ordering::Relaxed);
            let shown = STRIPS_SHOWN.load(Ordering::Relaxed);
            for (i, (context, width, height)) in strips.iter().enumerate() {
                if shown & (1 << i) != 0 {
                    draw(context, &strip, now, *width, *height, &style);
                }
            }
        });
        interval.forget(); // draws for as long as the page lives
    })?;
    Ok(())
}

/// Keeps strip `index`'s bit of [`STRIPS_SHOWN`] up to date: set while
/// `canvas` is within a screen's height of the viewport (so it is drawn
/// before it scrolls in, even if the main thread then freezes).
fn watch_visibility(canvas: &HtmlCanvasElement, index: u32) -> Result<(), JsValue> {
    use web_sys::{IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};
    let on_change = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
        if let Some(entry) = entries.iter().last() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            let bit = 1 << index;
            match entry.is_intersecting() {
                true => STRIPS_SHOWN.fetch_or(bit, Ordering::Relaxed),
                false => STRIPS_SHOWN.fetch_and(!bit, Ordering::Relaxed),
            };
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

    // Long tasks: red bands, each labelled with its run and length where
    // the label does not overlap a longer stall's.
    ctx.set_font(&format!("600 {}px system-ui, sans-serif", 12.0 * s));
    let mut wanted = Vec::new();
    let mut labels = Vec::new();
    for stall in &strip.stalls {
        let (x0, x1) = (x(stall.start).max(0.0), x(stall.end.unwrap_or(now)));
        ctx.set_global_alpha(0.18);
        ctx.set_fill_style_str(RED);
        ctx.fill_rect(x0, 0.0, (x1 - x0).max(1.0), height);
        ctx.set_global_alpha(1.0);
        let label = stall.label(now);
        let width = ctx.measure_text(&label).map_or(90.0 * s, |m| m.width());
        wanted.push((x0 + 4.0 * s, width, stall.duration(now)));
        labels.push(label);
    }
    ctx.set_fill_style_str(RED);
    for (label, at) in labels.iter().zip(place_labels(&wanted, width, 6.0 * s)) {
        if let Some(at) = at {
            let _ = ctx.fill_text(label, at, 15.0 * s);
        }
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
        None => {
            format!("a tick per task (every {BEAT_MS} ms); red: none for ≥ {LONG_TASK_MS:.0} ms")
        }
    };
    // Centred between the axis's ends, and left out where it would touch them.
    let measure = |text: &str| ctx.measure_text(text).map_or(0.0, |m| m.width());
    let (from, to) = (
        4.0 * s + measure("−10 s") + 12.0 * s,
        width - 26.0 * s - 12.0 * s,
    );
    let w = measure(&status);
    if w <= to - from {
        let _ = ctx.fill_text(&status, from + (to - from - w) / 2.0, height - 6.0 * s);
    }
    ctx.set_global_alpha(1.0);
}
