//! Replaying the last pool run under its picture: ▶ at 1×, ¼× or 1/20×,
//! ⏸, a scrubber, ◀ / ▶ one event at a time, and the event at the cursor in
//! words. It draws from what the run recorded ([`crate::core::replay`]);
//! it runs nothing again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    CanvasRenderingContext2d, Element, HtmlButtonElement, HtmlInputElement, HtmlSelectElement,
};

use super::plots::{Row, Timeline, draw_timeline};
use super::{PoolLab, PoolView};
use crate::core::replay::{Event, frame_at, pool_events};
use crate::ui::dom::{control, on_click};

/// What a run left to replay.
#[derive(Default)]
pub(super) struct Recorded {
    started: Vec<Option<f64>>,
    rows: Vec<Row>,
    cancelled: Vec<(u64, usize, f64)>,
    total_ms: f64,
    events: Vec<Event>,
}

/// The replay's controls and where it stands.
pub(super) struct Replay {
    panel: Element,
    buttons: [HtmlButtonElement; 4],
    speed: HtmlSelectElement,
    scrub: HtmlInputElement,
    event: Element,
    recorded: RefCell<Recorded>,
    /// Events shown (0: the run's start), and the moment drawn.
    cursor: Cell<usize>,
    at_ms: Cell<f64>,
    /// Bumped to stop a playing loop.
    generation: Cell<u32>,
}

const PLAY: usize = 0;
const PAUSE: usize = 1;
const BACK: usize = 2;
const FORWARD: usize = 3;

impl Replay {
    pub(super) fn render(section: &Element) -> Result<Replay, JsValue> {
        let panel: Element = control(section, "[data-role=replay]")?;
        let button = |name: &str| control(&panel, &format!("button[data-replay={name}]"));
        Ok(Replay {
            buttons: [
                button("play")?,
                button("pause")?,
                button("back")?,
                button("forward")?,
            ],
            speed: control(&panel, "select[data-role=replay-speed]")?,
            scrub: control(&panel, "input[data-role=replay-scrub]")?,
            event: control(&panel, "[data-role=replay-event]")?,
            panel,
            recorded: RefCell::new(Recorded::default()),
            cursor: Cell::new(0),
            at_ms: Cell::new(0.0),
            generation: Cell::new(0),
        })
    }
}

impl PoolView {
    /// A run began: no replay until it ends.
    pub(super) fn close_replay(&self) {
        let replay = &self.replay;
        replay.generation.set(replay.generation.get() + 1);
        let _ = replay.panel.set_attribute("hidden", "");
    }

    /// A run ended: its record, shown at its end.
    pub(super) fn open_replay(&self, t: &Timeline, total_ms: f64) {
        let replay = &self.replay;
        let events = pool_events(&t.started, &t.rows, &t.cancelled);
        let end = events.len();
        // A worker's clock may put its last answer a hair after the page's end.
        let total_ms = events.last().map_or(total_ms, |e| e.at_ms.max(total_ms));
        *replay.recorded.borrow_mut() = Recorded {
            started: t.started.clone(),
            rows: t.rows.clone(),
            cancelled: t.cancelled.clone(),
            total_ms,
            events,
        };
        replay.scrub.set_max(&end.to_string());
        let _ = replay.panel.remove_attribute("hidden");
        self.show_event(end, total_ms);
    }

    /// The picture and the words at `cursor` events, drawn at `at_ms`.
    fn show_event(&self, cursor: usize, at_ms: f64) {
        let replay = &self.replay;
        let recorded = replay.recorded.borrow();
        let cursor = cursor.min(recorded.events.len());
        replay.cursor.set(cursor);
        replay.at_ms.set(at_ms);
        replay.scrub.set_value(&cursor.to_string());
        let words = match cursor.checked_sub(1).and_then(|i| recorded.events.get(i)) {
            Some(event) => format!("{:.3} s · {}", event.at_ms / 1000.0, event.describe()),
            None => "0.000 s · the run starts".to_string(),
        };
        // Written only when it changes: the line is a live region.
        if replay.event.text_content().as_deref() != Some(words.as_str()) {
            replay.event.set_text_content(Some(&words));
        }
        // aria-disabled, not disabled: a button that disables itself under
        // the keyboard's focus would drop the focus to the page.
        let at_end = |button: &HtmlButtonElement, end: bool| {
            let _ = button.set_attribute("aria-disabled", if end { "true" } else { "false" });
        };
        at_end(&replay.buttons[BACK], cursor == 0);
        at_end(&replay.buttons[FORWARD], cursor == recorded.events.len());
        let frame = frame_at(
            at_ms,
            &recorded.started,
            &recorded.rows,
            &recorded.cancelled,
        );
        let picture = Timeline {
            started: frame.started,
            busy_since: frame.busy_since,
            rows: frame.rows,
            cancelled: frame.cancelled,
            live_until: Some(at_ms),
            span_ms: Some(recorded.total_ms),
        };
        if let Ok(Some(context)) = self.canvas.get_context("2d") {
            let ctx: CanvasRenderingContext2d = context.unchecked_into();
            let (w, h) = (
                f64::from(self.canvas.width()),
                f64::from(self.canvas.height()),
            );
            draw_timeline(&ctx, &picture, w, h, self.scale);
        }
    }

    /// One event back or forward.
    fn step_replay(&self, by: isize) {
        let replay = &self.replay;
        replay.generation.set(replay.generation.get() + 1);
        let cursor = replay.cursor.get().saturating_add_signed(by);
        let at = self.event_time(cursor);
        self.show_event(cursor, at);
    }

    fn event_time(&self, cursor: usize) -> f64 {
        let recorded = self.replay.recorded.borrow();
        match cursor.checked_sub(1) {
            Some(i) => recorded
                .events
                .get(i)
                .map_or(recorded.total_ms, |e| e.at_ms),
            None => 0.0,
        }
    }
}

/// Plays from the cursor (from the start if at the end) at the chosen
/// speed, a frame every 50 ms, until the end or a pause.
async fn play(app: Rc<PoolLab>) {
    let view = &app.view;
    let replay = &view.replay;
    let generation = replay.generation.get() + 1;
    replay.generation.set(generation);
    let (total, end) = {
        let recorded = replay.recorded.borrow();
        (recorded.total_ms, recorded.events.len())
    };
    if replay.cursor.get() >= end {
        view.show_event(0, 0.0);
    }
    let mut last = crate::core::clock::now_seconds();
    while replay.generation.get() == generation {
        gloo_timers::future::TimeoutFuture::new(50).await;
        if replay.generation.get() != generation {
            return;
        }
        // Read at every frame: the speed may change while it plays.
        let speed: f64 = replay.speed.value().parse().unwrap_or(1.0);
        let now = crate::core::clock::now_seconds();
        let at = (replay.at_ms.get() + (now - last) * 1000.0 * speed).min(total);
        last = now;
        let cursor = crate::core::replay::reached(&replay.recorded.borrow().events, at);
        view.show_event(cursor, at);
        if at >= total {
            return;
        }
    }
}

/// Downloads `trace` as `spinlab-pool-trace.json`: a `blob:` URL (a run of
/// thousands of numbers would pass a `data:` URL's limits) on a link made
/// for the click and let go after it.
fn download(trace: &crate::core::report::Value) -> Result<(), JsValue> {
    let json = js_sys::JSON::stringify(&crate::ui::dom::to_js(trace))?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&json), &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link = doc.create_element("a")?;
    link.set_attribute("href", &url)?;
    link.set_attribute("download", "spinlab-pool-trace.json")?;
    link.unchecked_ref::<web_sys::HtmlElement>().click();
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

pub(super) fn wire_replay(app: &Rc<PoolLab>) {
    let replay = &app.view.replay;
    {
        let app = Rc::clone(app);
        on_click(&app.view.trace_button.clone(), move || {
            if let Some(trace) = app.ctx.last_trace() {
                let _ = download(&trace);
            }
        });
    }
    {
        let app = Rc::clone(app);
        on_click(&replay.buttons[PLAY], move || {
            spawn_local(play(Rc::clone(&app)))
        });
    }
    {
        let app = Rc::clone(app);
        on_click(&replay.buttons[PAUSE], move || {
            let replay = &app.view.replay;
            replay.generation.set(replay.generation.get() + 1);
        });
    }
    for (index, by) in [(BACK, -1), (FORWARD, 1)] {
        let app = Rc::clone(app);
        on_click(&replay.buttons[index], move || app.view.step_replay(by));
    }
    let on_scrub = {
        let app = Rc::clone(app);
        Closure::<dyn Fn()>::new(move || {
            let view = &app.view;
            view.replay.generation.set(view.replay.generation.get() + 1);
            let cursor = view.replay.scrub.value().parse().unwrap_or(0);
            view.show_event(cursor, view.event_time(cursor));
        })
    };
    replay
        .scrub
        .set_oninput(Some(on_scrub.as_ref().unchecked_ref()));
    on_scrub.forget(); // the lab lives as long as the page
}
