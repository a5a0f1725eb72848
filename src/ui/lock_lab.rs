//! The lock lab: threads, threads under the GIL, coroutines and processes
//! add 1 to one counter, with or without a lock; the page shows what a
//! correct program counts, what was counted, and what was lost.
//! `spinlab.runLock` runs the same code as the buttons.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlButtonElement, HtmlInputElement, HtmlSelectElement};

use super::code::CodePanel;
use super::context::Panel;
use super::dom::{
    Options, Output, bool_option, buttons_for, control, key_option, on_click, publish,
    read_switch_interval, set_width_percent, slot, switch_interval_option, template,
    whole_number_option,
};
use super::scheduler::SchedulerView;
use crate::core::clock;
use crate::core::lock::{DEFAULT_INCREMENTS, DEFAULT_WORKERS, INCREMENTS, Outcome, Units, WORKERS};
use crate::core::protocol::SWITCH_INTERVAL;
use crate::listings::lock as lock_listing;
use crate::models::lock::{LockPlan, count};
use crate::runtime::steps::next_paint;

/// The lock panel with the page's context.
pub type LockLab = Panel<LockView>;

/// The lab's controls (written in `index.html`) and its output.
pub struct LockView {
    buttons: Vec<(Units, HtmlButtonElement)>,
    lock: HtmlInputElement,
    await_between: HtmlInputElement,
    workers: HtmlInputElement,
    increments: HtmlInputElement,
    interval: HtmlSelectElement,
    bars: Element,
    output: Output,
    code: CodePanel,
    /// "You are the scheduler", last in the lab.
    pub scheduler: Rc<SchedulerView>,
}

impl LockView {
    pub fn render(doc: &Document) -> Result<LockView, JsValue> {
        let section = super::dom::find(doc, "[data-experiment=lock]")?;
        let buttons = buttons_for(&section, "data-units", Units::ALL, Units::key)?;
        let bars = control(&section, "[data-role=counter-bars]")?;
        let output = Output::render(doc, &section)?;
        let code = CodePanel::render(doc, &section)?;
        code.show(&lock_listing(Units::Threads));
        let scheduler = SchedulerView::render(&section)?;
        Ok(LockView {
            buttons,
            lock: control(&section, "input[data-role=lock]")?,
            await_between: control(&section, "input[data-role=await-between]")?,
            workers: control(&section, "input[data-role=workers]")?,
            increments: control(&section, "input[data-role=increments]")?,
            interval: control(&section, "select[data-role=switch-interval]")?,
            bars,
            output,
            code,
            scheduler,
        })
    }

    pub fn wire(&self, app: &Rc<LockLab>) {
        for (units, button) in &self.buttons {
            let (app, units) = (Rc::clone(app), *units);
            on_click(button, move || {
                let view = &app.view;
                let plan = view.plan_from_controls(units);
                let app = Rc::clone(&app);
                // The outcome, error included, is already on the page.
                spawn_local(async move {
                    let _ = match plan {
                        Ok(plan) => run_lock(&app, plan).await,
                        Err(message) => Err(app.view.output_error(&message)),
                    };
                });
            });
        }
    }

    /// What the controls ask for, checked as `runLock`'s options are.
    fn plan_from_controls(&self, units: Units) -> Result<LockPlan, String> {
        let number = |input: &HtmlInputElement, name: &str, range: (usize, usize)| {
            let value = input.value_as_number();
            whole_number_option(&value.into(), name, range.0, range.1)?
                .ok_or_else(|| format!("{name} must be a whole number"))
        };
        Ok(LockPlan {
            units,
            lock: self.lock.checked(),
            workers: number(&self.workers, "workers", (*WORKERS.start(), *WORKERS.end()))?,
            increments: number(
                &self.increments,
                "increments",
                (*INCREMENTS.start() as usize, *INCREMENTS.end() as usize),
            )? as u64,
            await_between: units == Units::Coroutines && self.await_between.checked(),
            switch_interval: read_switch_interval(&self.interval),
        })
    }

    pub fn set_running(&self, running: bool, pool_available: bool) {
        for (units, button) in &self.buttons {
            button.set_disabled(running || (*units != Units::Processes && !pool_available));
        }
        for input in [
            &self.lock,
            &self.await_between,
            &self.workers,
            &self.increments,
        ] {
            input.set_disabled(running);
        }
        self.interval.set_disabled(running);
    }

    /// Shows a refused request's reason; returns it.
    pub fn output_error(&self, message: &str) -> String {
        self.output.say(message, "error");
        message.to_string()
    }

    /// Two bars: what a correct program counts, and what was counted.
    fn show_bars(&self, outcome: &Outcome) {
        let Some(doc) = self.bars.owner_document() else {
            return;
        };
        self.bars.set_text_content(None);
        let expected = outcome.expected().max(1) as f64;
        for (label, value, class) in [
            ("expected", outcome.expected(), "expected"),
            (
                "got",
                outcome.got,
                if outcome.lost() > 0 { "lossy" } else { "exact" },
            ),
        ] {
            let text = format!("{label} {}", crate::core::primes::with_commas(value));
            let _ = bar(&doc, class, &text, 100.0 * value as f64 / expected)
                .and_then(|row| self.bars.append_child(&row));
        }
    }
}

/// A copy of `<template id="bar">`: `text` on a fill `percent` wide.
fn bar(doc: &Document, class: &str, text: &str, percent: f64) -> Result<Element, JsValue> {
    let row = template(doc, "bar")?;
    row.set_class_name(&format!("{} {class}", row.class_name()));
    set_width_percent(&slot(&row, "fill")?, percent);
    slot(&row, "label")?.set_text_content(Some(text));
    Ok(row)
}

/// One run of the lab: errors are shown on the page and returned.
pub async fn run_lock(app: &LockLab, plan: LockPlan) -> Result<JsValue, String> {
    let view = &app.view;
    view.code.show(&lock_listing(plan.units));
    let _running = app.begin().await.map_err(|m| view.output_error(&m))?;
    view.output.say(
        &format!(
            "{} {} counting to {} each{}…",
            plan.workers,
            plan.units.key(),
            crate::core::primes::with_commas(plan.increments),
            if plan.lock { ", with a lock" } else { "" }
        ),
        "running",
    );
    next_paint().await;
    let t0 = clock::now_seconds();
    let counted = count(plan, app.pool.as_ref())
        .await
        .map_err(|m| view.output_error(&m))?;
    let outcome = Outcome {
        units: plan.units,
        lock: plan.lock,
        await_between: plan.await_between,
        workers: plan.workers,
        increments: plan.increments,
        got: counted.got,
        own: counted.own,
        parent: counted.parent,
        elapsed_ms: (clock::now_seconds() - t0) * 1000.0,
        lock_wait_ms: counted.lock_wait_secs * 1000.0,
        gil: counted
            .handovers
            .map(|h| (h, plan.switch_interval.as_secs_f64() * 1000.0)),
    };
    view.show_bars(&outcome);
    view.output.append_transcript(&outcome.transcript());
    let notes: Vec<String> = outcome.notes().iter().map(|n| format!("# {n}")).collect();
    view.output.append_transcript(&notes);
    // The lesson's good path, or the pitfall: colours with one meaning.
    let (verdict, kind) = match outcome.lost() {
        0 => ("exact".to_string(), "good"),
        lost => (format!("lossy, {lost} updates lost"), "pitfall"),
    };
    view.output.say(&format!("Done: {verdict}."), kind);
    Ok(publish(outcome))
}

/// Reads `{ units, lock?, workers?, increments?, awaitBetween?, switchIntervalMs? }`.
pub fn lock_options(options: &JsValue) -> Result<LockPlan, String> {
    let known = [
        "units",
        "lock",
        "workers",
        "increments",
        "awaitBetween",
        "switchIntervalMs",
    ];
    let options = Options::read(options, "runLock", &known)?;
    if options.is_empty() {
        return Err(
            "runLock needs options: { units: \"threads\" | \"threads-gil\" | \"coroutines\" | \
             \"processes\", lock?, workers?, increments?, awaitBetween? }"
                .into(),
        );
    }
    let get = |key: &str| options.get(key);
    let units = key_option(
        &get("units"),
        "units",
        "one of threads, threads-gil, coroutines, processes",
        Units::parse,
    )?;
    let flag = |name: &str| bool_option(&get(name), name).map(|b| b.unwrap_or(false));
    let (lock, await_between) = (flag("lock")?, flag("awaitBetween")?);
    if await_between && units != Units::Coroutines {
        return Err("awaitBetween is only used with units: \"coroutines\"".into());
    }
    let workers =
        whole_number_option(&get("workers"), "workers", *WORKERS.start(), *WORKERS.end())?
            .unwrap_or(DEFAULT_WORKERS);
    let increments = whole_number_option(
        &get("increments"),
        "increments",
        *INCREMENTS.start() as usize,
        *INCREMENTS.end() as usize,
    )?
    .map_or(DEFAULT_INCREMENTS, |n| n as u64);
    let interval = switch_interval_option(&get("switchIntervalMs"))?;
    if interval.is_some() && units != Units::ThreadsGil {
        return Err("switchIntervalMs is only used with units: \"threads-gil\"".into());
    }
    Ok(LockPlan {
        units,
        lock,
        workers,
        increments,
        await_between,
        switch_interval: interval.unwrap_or(SWITCH_INTERVAL),
    })
}
