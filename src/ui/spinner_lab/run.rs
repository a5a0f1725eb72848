//! One spinner run, from its request to its report, and the lab's buttons that start one.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use web_sys::HtmlCanvasElement;

use super::options::{NapEvery, SlowRequest, SpinnerRequest};
use super::{LabView, SpinnerLab};
use crate::core::primes::{BOOK_PRIME, Calibration, parse_number, slow_check_note};
use crate::core::protocol::SWITCH_INTERVAL;
use crate::core::spinner::run::{
    Conclusion, GilTurns, Measured, NapPlan, Plan, Slow, conclude, offload_note,
};
use crate::core::spinner::{
    BOOK_NAP_EVERY, Model, NAP_SLICE_SECS, SlowKind, lateness_histogram, spinner_object,
    spinner_object_note,
};
use crate::models::{coroutine, process, thread, thread_gil};
use crate::runtime::canvas::Style;
use crate::runtime::js_error_message;
use crate::runtime::monitor;
use crate::runtime::steps::next_paint;
use crate::ui::code;
use crate::ui::context::Context;
use crate::ui::dom::{element, on_click, publish, set_width_percent, slot, template};

impl LabView {
    pub fn wire(&self, app: &Rc<SpinnerLab>) {
        for (model, button) in &self.models {
            let (app, model) = (Rc::clone(app), *model);
            on_click(button, move || {
                let request = app.view.request_from_controls(model);
                let app = Rc::clone(&app);
                spawn_local(async move {
                    // The outcome, error included, is already on the page.
                    let _ = run_spinner(&app, request).await;
                });
            });
        }
        for (which, preset) in &self.presets {
            let (app, which) = (Rc::clone(app), *which);
            on_click(preset, move || {
                // Set at once (the address, written after this click, then
                // carries it); pressed while calibrating, once the prime is
                // in, and the address told by a change.
                if which == "book" || !app.calibrating() {
                    return set_preset(&app, which, app.calibration());
                }
                let app = Rc::clone(&app);
                spawn_local(async move {
                    set_preset(&app, which, app.calibrated().await);
                    let change = web_sys::Event::new_with_event_init_dict("change", &{
                        let init = web_sys::EventInit::new();
                        init.set_bubbles(true);
                        init
                    });
                    if let Ok(change) = change {
                        let _ = app.view.number.dispatch_event(&change);
                    }
                });
            });
        }
    }
}

/// `n` set to a preset's number (`calibrated`, `book`), `slow()` to is_prime.
fn set_preset(app: &SpinnerLab, which: &str, calibration: Result<Calibration, String>) {
    let value = match (which, calibration) {
        ("calibrated", Ok(c)) => c.prime,
        _ => BOOK_PRIME,
    };
    app.view.number.set_value(&value.to_string());
    app.view.check_slow(crate::core::spinner::SlowKind::Prime);
}

/// One run of the spinner lab. Errors are shown on the page and returned.
pub async fn run_spinner(app: &SpinnerLab, request: SpinnerRequest) -> Result<JsValue, String> {
    let outcome = spinner(app, request).await;
    if let Err(message) = &outcome {
        app.view.output.say(message, "error");
    }
    outcome
}

/// The run in four steps: read the request, run the engine, conclude
/// (pure: `spinner::run::conclude`), render.
async fn spinner(app: &SpinnerLab, request: SpinnerRequest) -> Result<JsValue, String> {
    // The default n is the calibrated prime.
    // Begun first: a second press meanwhile is refused at once, and the
    // plan reads the calibrated prime, which `begin` waits for.
    let _running = app.begin().await?;
    let plan = plan(app, &request)?;
    let lab = &app.view;
    for (m, button) in &lab.models {
        let pressed = if *m == plan.model { "true" } else { "false" };
        let _ = button.set_attribute("aria-pressed", pressed);
    }
    let (canvas, scale) = lab.fresh_canvas().map_err(|e| js_error_message(&e))?;
    let head = head(app, &plan);
    lab.output.append_transcript(&head);
    lab.code.show(&crate::listings::spinner(
        plan.model,
        plan.slow.kind(),
        plan.offload,
    ));
    crate::runtime::steps::step("start");
    lab.output.say(plan.watch_for(), "running");
    lab.show_stats(&[]);
    lab.set_stage(None);
    next_paint().await;
    let measured = engine(app, &plan, &canvas, &Style::from_page(scale)).await?;
    crate::runtime::steps::step("done");
    let conclusion = conclude(&plan, &head, &measured);
    lab.show_conclusion(&conclusion, measured.outcome.gil.as_ref());
    if plan.slow.kind() == SlowKind::Sleep && !lab.offered_prime.replace(true) {
        // The hello world has run with sleep: the chapter's next step.
        lab.check_slow(SlowKind::Prime);
        let next = "Next, the chapter's question: slow() is now is_prime(n). Press Coroutine \
                    and watch its spinner freeze, then Thread.";
        lab.output
            .say(&format!("{} {next}", conclusion.verdict), "done");
    }
    Ok(publish(conclusion.report))
}

/// Reads a request into a plan, refusing what this page cannot run.
pub fn plan(ctx: &Context, request: &SpinnerRequest) -> Result<Plan, String> {
    let model = request.model;
    let offload = request.offload;
    let needs_threads = model.needs_threads(offload);
    if needs_threads && let Some(message) = crate::runtime::panics::broken() {
        return Err(crate::runtime::panics::explain(&message));
    }
    if needs_threads && ctx.pool.is_none() {
        return Err(if model == Model::CoroutineOffload {
            "A thread offload needs wasm threads, which this browser does not give this page \
             (see the capabilities above); offload: \"process\" works here."
                .to_string()
        } else {
            format!(
                "The {} model needs wasm threads, which this browser does not give this page: see the capabilities above.",
                model.key()
            )
        });
    }
    let slow = match &request.slow {
        SlowRequest::Sleep => Slow::Sleep,
        SlowRequest::BlockingSleep => Slow::BlockingSleep,
        SlowRequest::Prime(text) => {
            let calibration = ctx.calibration().ok();
            let n = match text.as_deref().map(str::trim) {
                None | Some("") => calibration.map_or(BOOK_PRIME, |c| c.prime),
                Some(text) => parse_number(text).map_err(|e| format!("Cannot check: {e}."))?,
            };
            let every = match request.nap_every {
                Some(NapEvery::Book) => BOOK_NAP_EVERY,
                Some(NapEvery::Divisions(k)) => k,
                None => ((ctx.divisions_per_sec() * NAP_SLICE_SECS) as u64).max(1),
            };
            let nap = NapPlan {
                every,
                via: request.nap_via,
            };
            Slow::Prime { n, nap }
        }
    };
    let switch_interval = request.switch_interval.unwrap_or(SWITCH_INTERVAL);
    Ok(Plan {
        model,
        slow,
        offload,
        switch_interval_ms: switch_interval.as_secs_f64() * 1000.0,
    })
}

/// The transcript's first lines, written before the run: what runs, and
/// the spinner object as Python would print it.
pub fn head(app: &SpinnerLab, plan: &Plan) -> Vec<String> {
    let lab = &app.view;
    let model = plan.model;
    let id = lab.next_id(model);
    let file = crate::listings::spinner(model, plan.slow.kind(), plan.offload).program;
    // Where Python would say `spin` is: its line in the file on show.
    let spin_at = match code::program_text(file) {
        Ok(text) => format!(
            "{file}:{}",
            crate::core::python::line_of(&crate::core::python::runnable(&text), "async def spin")
                .unwrap_or(0)
        ),
        Err(_) => format!("{file}:?"),
    };
    let mut head = vec![
        format!("# {}: {}", model.key(), plan.what_runs()),
        format!(
            "spinner object: {}",
            spinner_object(model, id, lab.parent, &spin_at)
        ),
        format!("# note: {}", spinner_object_note(model)),
    ];
    if model == Model::CoroutineOffload {
        head.push(format!("# note: {}", offload_note(plan.offload)));
    }
    if let Some(note) = plan
        .slow
        .n()
        .and_then(|n| slow_check_note(n, app.divisions_per_sec()))
    {
        head.push(format!("# note: {note}"));
    }
    head
}

/// Runs the book's `supervisor()` in the plan's model, drawing on `canvas`,
/// and measures it with the event-loop monitor.
pub async fn engine(
    app: &SpinnerLab,
    plan: &Plan,
    canvas: &HtmlCanvasElement,
    style: &Style,
) -> Result<Measured, String> {
    let id = app.view.counter(plan.model);
    let slow = plan.slow;
    monitor::begin_gap(plan.model.key());
    let ticks_before = monitor::monitor_ticks();
    let outcome = match plan.model {
        Model::Thread => thread::supervisor(id, canvas, style, slow).await,
        Model::ThreadGil => match app.pool.as_ref() {
            Some(pool) => {
                let interval = std::time::Duration::from_secs_f64(plan.switch_interval_ms / 1000.0);
                thread_gil::supervisor(id, canvas, style, slow, interval, pool).await
            }
            None => Err("the Thread + GIL model needs the thread pool".into()),
        },
        Model::Process => process::supervisor(id, canvas, style, slow).await,
        model => {
            let offload = (model == Model::CoroutineOffload).then_some(plan.offload);
            coroutine::supervisor(model, canvas, style, slow, offload, app.pool.as_ref()).await
        }
    };
    let gap_ms = monitor::end_gap();
    Ok(Measured {
        outcome: outcome?,
        gap_ms,
        monitor_ticks: monitor::monitor_ticks() - ticks_before,
        nested_timer_ms: app.view.nested_timer_ms.get(),
    })
}

impl LabView {
    /// Shows what a run concluded.
    fn show_conclusion(&self, c: &Conclusion, gil: Option<&GilTurns>) {
        self.output.append_transcript(&c.lines);
        show_lateness(&self.lateness, gil);
        self.show_stats(&c.stats);
        self.show_evidence(c);
        self.set_stage(Some(c));
        let kind = if c.frozen_secs.is_some() && c.frames_share < 0.5 {
            "frozen"
        } else {
            "done"
        };
        self.output.say(&c.verdict, kind);
    }
}

/// The Thread + GIL lateness histogram under the spinner (hidden for the
/// other models).
fn show_lateness(into: &web_sys::Element, gil: Option<&GilTurns>) {
    into.set_text_content(None);
    let Some(gil) = gil else {
        let _ = into.set_attribute("hidden", "");
        return;
    };
    let _ = into.remove_attribute("hidden");
    let Some(doc) = into.owner_document() else {
        return;
    };
    let histogram = lateness_histogram(&gil.lateness_ms);
    let most = histogram.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    if let Ok(caption) = element(
        &doc,
        "figcaption",
        "",
        &format!(
            "How late each frame was against its 100 ms schedule (switch interval {} ms)",
            gil.interval_ms
        ),
    ) {
        let _ = into.append_child(&caption);
    }
    for (label, count) in histogram {
        let _ = bucket(&doc, label, count, (100 * count / most) as f64)
            .and_then(|row| into.append_child(&row));
    }
}

/// A copy of `<template id="bucket">`: `count` frames this late, on a bar
/// `percent` wide.
fn bucket(
    doc: &web_sys::Document,
    label: &str,
    count: usize,
    percent: f64,
) -> Result<web_sys::Element, JsValue> {
    let row = template(doc, "bucket")?;
    row.set_attribute("data-bucket", label)?;
    slot(&row, "label")?.set_text_content(Some(label));
    set_width_percent(&slot(&row, "bar")?, percent);
    slot(&row, "count")?.set_text_content(Some(&count.to_string()));
    Ok(row)
}
