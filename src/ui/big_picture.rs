//! The big picture lab: the chapter's opening claims, measured in this
//! browser. Starting a coroutine, a thread or a process (`runStartCost`):
//! many at once, the cost per unit on a log scale, and the claim's sentence
//! filled in from the runs. Crossing memory (`runCrossing`): its part of the
//! view is `crossing.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlButtonElement};

use super::code::CodePanel;
use super::context::Panel;
use super::crossing::CrossingView;
use super::dom::{
    Options, Output, buttons_for, control, find, key_option, on_click, publish, set_width_percent,
    slot, template, whole_number_option,
};
use super::pool_lab::PoolLab;
use super::pool_lab::run::compare_per_job;
use crate::core::big_picture::{StartCost, Units, claim, duration, per_job_claim};
use crate::core::crossing::{Crossing, SIZES, Via, check_bytes, size};
use crate::core::protocol::Mode;
use crate::listings::{crossing as crossing_listing, start_cost as start_cost_listing};
use crate::models::crossing::crossing;
use crate::models::start_cost::start_cost;
use crate::runtime::steps::next_paint;

/// The big picture panel with the page's context.
pub type BigPictureLab = Panel<BigPictureView>;

/// The lab's buttons (written in `index.html`), its chart and its output.
pub struct BigPictureView {
    buttons: Vec<(Units, HtmlButtonElement)>,
    claim: Element,
    chart: Element,
    crossing: CrossingView,
    per_job: Vec<(Mode, HtmlButtonElement)>,
    per_job_claim: Element,
    output: Output,
    code: CodePanel,
    /// Each run's cost per unit, in order.
    measured: RefCell<Vec<(Units, f64)>>,
}

/// The chart's scale: 0.1 µs to 1 s a unit, logarithmic.
const CHART_FROM_MS: f64 = 1e-4;
const CHART_TO_MS: f64 = 1e3;

impl BigPictureView {
    pub fn render(doc: &Document) -> Result<BigPictureView, JsValue> {
        let section = find(doc, "[data-experiment=big-picture]")?;
        let buttons = buttons_for(&section, "data-units", Units::ALL, Units::key)?;
        let claim = find(doc, "[data-experiment=big-picture] [data-role=claim]")?;
        let chart = control(&section, "[data-role=start-cost-chart]")?;
        let crossing = CrossingView::render(&section)?;
        let per_job = buttons_for(
            &section,
            "data-per-job",
            [Mode::Processes, Mode::Threads],
            Mode::key,
        )?;
        let per_job_claim = control(&section, "[data-role=per-job-claim]")?;
        let output = Output::render(doc, &section)?;
        let code = CodePanel::render(doc, &section)?;
        code.show(&start_cost_listing(Units::Threads));
        let view = BigPictureView {
            buttons,
            claim,
            chart,
            crossing,
            per_job,
            per_job_claim,
            output,
            code,
            measured: RefCell::new(Vec::new()),
        };
        view.show_chart();
        Ok(view)
    }

    pub fn wire(&self, app: &Rc<BigPictureLab>) {
        for (units, button) in &self.buttons {
            let (app, units) = (Rc::clone(app), *units);
            on_click(button, move || {
                let app = Rc::clone(&app);
                // The outcome, error included, is already on the page.
                spawn_local(async move {
                    let _ = run_start_cost(&app, units, units.default_count()).await;
                });
            });
        }
        for (via, button) in self.crossing.buttons() {
            let (app, via) = (Rc::clone(app), *via);
            on_click(button, move || {
                let app = Rc::clone(&app);
                let bytes = app.view.crossing.chosen_bytes();
                spawn_local(async move {
                    let _ = run_crossing(&app, via, bytes).await;
                });
            });
        }
        let app = Rc::clone(app);
        on_click(&self.crossing.sweep, move || {
            let app = Rc::clone(&app);
            spawn_local(async move {
                let _ = run_crossing_sweep(&app).await;
            });
        });
    }

    /// Threads need the page's shared memory (the pool's condition).
    pub fn set_running(&self, running: bool, pool_available: bool) {
        for (units, button) in &self.buttons {
            button.set_disabled(running || (*units == Units::Threads && !pool_available));
        }
        self.crossing.set_running(running, pool_available);
        // Threads need the pool's memory; per-job processes, a shared queue.
        for (_, button) in &self.per_job {
            button.set_disabled(running || !pool_available);
        }
    }

    /// The per-job buttons run the pool lab's runs (its table and timeline
    /// show them); the claim's sentence is filled in here.
    pub fn wire_per_job(&self, app: &Rc<BigPictureLab>, pool_lab: &Rc<PoolLab>) {
        for (mode, button) in &self.per_job {
            let (app, pool_lab, mode) = (Rc::clone(app), Rc::clone(pool_lab), *mode);
            on_click(button, move || {
                let (app, pool_lab) = (Rc::clone(&app), Rc::clone(&pool_lab));
                spawn_local(async move {
                    let view = &app.view;
                    view.output.say(
                        "Running the book's 20 numbers on a pool, then one worker per number: \
                         see the pool lab below…",
                        "running",
                    );
                    match compare_per_job(&pool_lab, mode).await {
                        Ok((pool_workers, pool_ms, per_job_workers, per_job_ms)) => {
                            let units = if mode == Mode::Processes {
                                Units::Processes
                            } else {
                                Units::Threads
                            };
                            let sentence = per_job_claim(
                                units,
                                (pool_workers, pool_ms),
                                (per_job_workers, per_job_ms),
                            );
                            view.per_job_claim.set_text_content(Some(&sentence));
                            view.output.say(&sentence, "done");
                        }
                        Err(message) => {
                            view.output_error(&message);
                        }
                    }
                });
            });
        }
    }

    /// Shows a refused request's reason; returns it.
    pub fn output_error(&self, message: &str) -> String {
        self.output.say(message, "error");
        message.to_string()
    }

    /// One bar a kind, its last run's cost per unit on a log scale, with
    /// the claim's sentence above.
    fn show_chart(&self) {
        let measured = self.measured.borrow();
        self.claim.set_text_content(Some(&claim(&measured)));
        let Some(doc) = self.chart.owner_document() else {
            return;
        };
        self.chart.set_text_content(None);
        let span = (CHART_TO_MS / CHART_FROM_MS).log10();
        for units in Units::ALL {
            let last = measured.iter().rev().find(|(u, _)| *u == units);
            let label = match last {
                Some((_, ms)) => format!("{}: {}", units.one(), duration(*ms)),
                None => format!("{}: not started yet", units.one()),
            };
            let share = last.map_or(0.0, |(_, ms)| {
                ((ms.max(CHART_FROM_MS) / CHART_FROM_MS).log10() / span).min(1.0)
            });
            let _ = bar(&doc, units, &label, 100.0 * share)
                .and_then(|row| self.chart.append_child(&row));
        }
    }
}

/// A copy of `<template id="bar">` for `units`: `label` on a fill
/// `percent` wide.
fn bar(doc: &Document, units: Units, label: &str, percent: f64) -> Result<Element, JsValue> {
    let row = template(doc, "bar")?;
    row.set_attribute("data-units", units.key())?;
    set_width_percent(&slot(&row, "fill")?, percent);
    slot(&row, "label")?.set_text_content(Some(label));
    Ok(row)
}

/// One start-cost run: errors are shown on the page and returned.
pub async fn run_start_cost(
    app: &BigPictureLab,
    units: Units,
    count: usize,
) -> Result<JsValue, String> {
    let view = &app.view;
    let count = units
        .check_count(count)
        .map_err(|m| view.output_error(&m))?;
    if units == Units::Threads && app.pool.is_none() {
        return Err(view.output_error(NO_SHARED_MEMORY));
    }
    view.code.show(&start_cost_listing(units));
    let _running = app.begin().await.map_err(|m| view.output_error(&m))?;
    view.output.say(
        &format!(
            "Starting {} {} at once…",
            crate::core::primes::with_commas(count as u64),
            units.key()
        ),
        "running",
    );
    next_paint().await;
    let run: Result<StartCost, String> = start_cost(units, count).await;
    crate::runtime::steps::step("");
    let run = run.map_err(|m| view.output_error(&m))?;
    view.measured.borrow_mut().push((units, run.per_unit_ms()));
    view.show_chart();
    view.output.append_transcript(&run.transcript());
    let notes: Vec<String> = run.notes().iter().map(|n| format!("# {n}")).collect();
    view.output.append_transcript(&notes);
    view.output.say(
        &format!(
            "{} {}: {} each to start and hear from.",
            crate::core::primes::with_commas(count as u64),
            units.key(),
            duration(run.per_unit_ms())
        ),
        "done",
    );
    Ok(publish(run))
}

/// Reads `{ units, count? }`.
pub fn start_cost_options(options: &JsValue) -> Result<(Units, usize), String> {
    let options = Options::read(options, "runStartCost", &["units", "count"])?;
    if options.is_empty() {
        return Err(
            "runStartCost needs options: { units: \"coroutines\" | \"threads\" | \"processes\", count? }"
                .into(),
        );
    }
    let units = key_option(
        &options.get("units"),
        "units",
        r#""coroutines", "threads" or "processes""#,
        Units::parse,
    )?;
    let count = whole_number_option(&options.get("count"), "count", 1, units.max_count())?
        .unwrap_or(units.default_count());
    Ok((units, count))
}

/// One crossing run: errors are shown on the page and returned.
pub async fn run_crossing(app: &BigPictureLab, via: Via, bytes: usize) -> Result<JsValue, String> {
    let view = &app.view;
    let bytes = check_bytes(bytes).map_err(|m| view.output_error(&m))?;
    if via == Via::Share && app.pool.is_none() {
        return Err(view.output_error(NO_SHARED_MEMORY));
    }
    let _running = app.begin().await.map_err(|m| view.output_error(&m))?;
    let run = cross(app, via, bytes).await?;
    view.output.say(
        &format!(
            "{} {} and back: {} (the median of {}).",
            size(bytes),
            match via {
                Via::Copy => "copied to a process",
                Via::Transfer => "moved to a process",
                Via::Share => "shared with a thread",
            },
            duration(run.round_trip_ms()),
            run.round_trips_ms.len()
        ),
        "done",
    );
    Ok(publish(run))
}

/// Every size of the table, all three ways (sharing only where the page
/// has shared memory), as one run of the lab: each crossing is reported.
pub async fn run_crossing_sweep(app: &BigPictureLab) -> Result<(), String> {
    let view = &app.view;
    let _running = app.begin().await.map_err(|m| view.output_error(&m))?;
    for bytes in SIZES {
        for via in Via::ALL {
            if via == Via::Share && app.pool.is_none() {
                continue;
            }
            publish(cross(app, via, bytes).await?);
        }
    }
    view.output.say(
        "Every size, all three ways: see the table and the plot.",
        "done",
    );
    Ok(())
}

/// Measures one crossing and shows it: the listing, the transcript, the
/// notes, the plot and the table.
async fn cross(app: &BigPictureLab, via: Via, bytes: usize) -> Result<Crossing, String> {
    let view = &app.view;
    view.code.show(&crossing_listing(via));
    view.output.say(
        &format!("Sending {} to {} and back…", size(bytes), via.unit()),
        "running",
    );
    next_paint().await;
    let run = crossing(via, bytes).await;
    crate::runtime::steps::step("");
    let run = run.map_err(|m| view.output_error(&m))?;
    view.crossing.record(via, bytes, run.round_trip_ms());
    view.output.append_transcript(&run.transcript());
    let notes: Vec<String> = run.notes().iter().map(|n| format!("# {n}")).collect();
    view.output.append_transcript(&notes);
    Ok(run)
}

/// Why threads and sharing are refused without the page's shared memory.
const NO_SHARED_MEMORY: &str = "Threads need this page's shared memory, which this browser \
     does not give it: see the capabilities above.";

/// Reads `{ bytes, via }`.
pub fn crossing_options(options: &JsValue) -> Result<(Via, usize), String> {
    let options = Options::read(options, "runCrossing", &["bytes", "via"])?;
    if options.is_empty() {
        return Err(
            "runCrossing needs options: { bytes: 1 to 67108864, via: \"copy\" | \"transfer\" | \"share\" }"
                .into(),
        );
    }
    let via = key_option(
        &options.get("via"),
        "via",
        r#""copy", "transfer" or "share""#,
        Via::parse,
    )?;
    let bytes = whole_number_option(
        &options.get("bytes"),
        "bytes",
        1,
        crate::core::crossing::MAX_BYTES,
    )?
    .ok_or("bytes is missing: it must be a whole number from 1 to 67108864 (64 MB)")?;
    Ok((via, bytes))
}
