//! The spinner lab: "A Concurrent Hello World" and "The Real Impact of the
//! GIL", re-enacted. Its buttons and `spinlab.runSpinner` run the same code.
//!
//! This file holds the panel (its controls, written in `index.html` and
//! bound here; what links read of it; the calibration line). Beside it:
//! `options` (what to run, checked) and `run` (one run of the spinner, and
//! the buttons that start it).

pub mod options;
pub mod run;

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    Document, Element, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, HtmlSelectElement,
};

use self::options::{NapEvery, SlowRequest, SpinnerRequest};
use super::code::CodePanel;
use super::context::Panel;
use super::dom::{
    Output, buttons_for, control, element, find, hidpi_canvas, read_switch_interval,
    set_width_percent, slot, template,
};
use crate::core::link::{Link, SlowKind};
use crate::core::primes::parse_number;
use crate::core::spinner::run::Conclusion;
use crate::core::spinner::{Model, NapVia, Offload};
use crate::listings;
use crate::models::coroutine;

/// The lab panel with the page's context.
pub type SpinnerLab = Panel<LabView>;

/// The lab's controls, bound in `[data-experiment=spinner]`, and its
/// output, built there.
pub struct LabView {
    models: Vec<(Model, HtmlButtonElement)>,
    /// `slow()`'s radio buttons, one per kind.
    slows: Vec<(SlowKind, HtmlInputElement)>,
    number: HtmlInputElement,
    /// `n`'s presets: `calibrated` (≈3 s here) and `book` (the book's prime).
    presets: Vec<(&'static str, HtmlButtonElement)>,
    nap_every: HtmlSelectElement,
    nap_via: HtmlSelectElement,
    offload: HtmlSelectElement,
    switch_interval: HtmlSelectElement,
    stage: Element,
    /// The stage and the monitor, side by side or stacked: in view while a
    /// run goes.
    run_view: Element,
    /// Thread + GIL's frame lateness histogram.
    pub(super) lateness: Element,
    stats: Element,
    /// What tells the models apart: the frames bar and the main thread's line.
    evidence: Element,
    frames_bar: Element,
    frames_text: Element,
    main_thread: Element,
    calibration_note: Element,
    /// The event-loop monitor's canvas, for `monitor::start_strips` (none
    /// without threads).
    pub monitor: Option<HtmlCanvasElement>,
    output: Output,
    code: CodePanel,
    /// `Thread-N`, `Process-N`, `Task-N`, counted per kind like Python does
    /// in one process (this page).
    counters: [Cell<u32>; 3],
    /// The page's stand-in for a pid, in `<Process … parent=NNN initial>`.
    parent: u32,
    /// A nested 0 ms timer's measured delay (the clamp), once known.
    nested_timer_ms: Cell<Option<f64>>,
    /// Whether a run with `sleep` has chosen `is_prime` for the next one
    /// (once: the chapter's next step).
    offered_prime: Cell<bool>,
}

/// Marks a spinner's stage after a run (`None`: before one). A run that
/// froze the spinner dims it and says how long no frame came; any other
/// says what the spinner drew before it blanked its line, as the book's
/// `spin` does at the end.
pub fn mark_stage(stage: &Element, run: Option<&Conclusion>) {
    let Some(c) = run else {
        let _ = stage.remove_attribute("data-state");
        return;
    };
    let (state, text) = match c.frozen_secs {
        Some(secs) if c.frames_share < 0.5 => ("frozen", format!("no frame for {secs:.1} s")),
        _ => (
            "done",
            format!(
                "drew {} frames, then cleared its line",
                c.report.spinner_frames
            ),
        ),
    };
    let _ = stage.set_attribute("data-state", state);
    if let Some(doc) = stage.owner_document()
        && let Ok(note) = element(&doc, "span", "stage-note", &text)
    {
        let _ = stage.append_child(&note);
    }
}

impl LabView {
    /// Binds the controls `index.html` writes beside the prose (the models,
    /// `slow()`'s choices, the nap, the offload, the switch interval) and
    /// renders what runs fill in under them.
    pub fn render(doc: &Document, has_pool: bool) -> Result<LabView, JsValue> {
        let section = find(doc, "[data-experiment=spinner]")?;
        let models = buttons_for(&section, "data-model", Model::ALL, Model::key)?;
        for (model, button) in &models {
            if model.needs_threads(Offload::Thread) && !has_pool {
                button.set_title("Needs wasm threads, which this browser does not give this page.");
            }
        }
        let slows = SlowKind::ALL
            .into_iter()
            .map(|kind| {
                let selector = format!("input[name=slow][value=\"{}\"]", kind.key());
                Ok((kind, control(&section, &selector)?))
            })
            .collect::<Result<Vec<_>, JsValue>>()?;
        let number = control(&section, "[data-role=spinner-number]")?;
        let presets = buttons_for(&section, "data-preset", ["calibrated", "book"], |p| p)?;
        let offload: HtmlSelectElement = control(&section, "[data-role=offload]")?;
        if !has_pool {
            // Without shared memory only a process can take the work.
            offload.set_value("process");
        }

        let output = Output::render(doc, &section)?;
        // The verdict under the spinner and its monitor, before the figures.
        output.message_after(&find(
            doc,
            "[data-experiment=spinner] [data-role=run-view]",
        )?)?;
        let code = CodePanel::render(doc, &section)?;
        code.show(&listings::spinner(
            Model::Thread,
            SlowKind::Sleep,
            Offload::Thread,
        ));
        let monitor_box = find(doc, "[data-experiment=spinner] [data-role=monitor]")?;
        let monitor = if has_pool {
            let (canvas, _) = hidpi_canvas(doc, &monitor_box, 96.0, "strip")?;
            canvas.set_attribute("role", "img")?;
            canvas.set_attribute(
                "aria-label",
                "Event-loop monitor: the main thread's gaps over the last 10 s; each run's longest gap is in its statistics and transcript",
            )?;
            Some(canvas)
        } else {
            let message = "The monitor needs wasm threads, which this page does not have.";
            monitor_box.append_child(&element(doc, "p", "message", message)?.into())?;
            None
        };
        let role = |name: &str| {
            find(
                doc,
                &format!("[data-experiment=spinner] [data-role={name}]"),
            )
        };
        Ok(LabView {
            code,
            models,
            slows,
            number,
            presets,
            nap_every: control(&section, "[data-role=nap-every]")?,
            nap_via: control(&section, "[data-role=nap-via]")?,
            offload,
            switch_interval: control(&section, "[data-role=switch-interval]")?,
            stage: role("spinner")?,
            run_view: role("run-view")?,
            lateness: role("lateness")?,
            stats: role("stats")?,
            evidence: role("evidence")?,
            frames_bar: role("frames-bar")?,
            frames_text: role("frames-text")?,
            main_thread: role("main-thread")?,
            calibration_note: role("calibration")?,
            monitor,
            output,
            counters: Default::default(),
            // Drawn once per page load, in the range Linux gives pids.
            parent: 1000 + (js_sys::Math::random() * 98_000.0) as u32,
            nested_timer_ms: Cell::new(None),
            offered_prime: Cell::new(false),
        })
    }

    /// Sets the controls a link carries; returns the model button it asks
    /// for, to be focused (a link never starts a run).
    pub fn apply_link(&self, link: &Link) -> Option<HtmlButtonElement> {
        if let Some(slow) = link.slow {
            self.check_slow(slow);
        }
        if let Some(n) = link.n {
            self.number.set_value(&n.to_string());
        }
        let model = link.model?;
        self.models
            .iter()
            .find(|(m, _)| *m == model)
            .map(|(_, button)| button.clone())
    }

    /// What the controls say now, for the page's address: only what differs
    /// from the page's defaults (sleep; `default_n`, the calibrated prime).
    pub fn read_link(&self, link: &mut Link, default_n: Option<u64>) {
        link.slow = Some(self.slow()).filter(|&slow| slow != SlowKind::Sleep);
        link.n = parse_number(&self.number.value())
            .ok()
            .filter(|n| Some(*n) != default_n);
    }

    /// Shows a refused request's reason.
    pub fn output_error(&self, message: &str) {
        self.output.say(message, "error");
    }

    /// Measures the nested-timer clamp in the background (about 0.1 s of timers).
    pub fn measure_timer_clamp(app: &Rc<SpinnerLab>) {
        let app = Rc::clone(app);
        spawn_local(async move {
            let ms = coroutine::nested_timer_ms().await;
            app.view.nested_timer_ms.set(Some(ms));
            app.view.show_calibration(&app);
        });
    }

    /// Until the prime is calibrated (after the page is ready), its preset
    /// says so; pressed meanwhile, it waits for it.
    pub fn calibrating(&self, calibrating: bool) {
        if let Some((_, preset)) = self
            .presets
            .iter()
            .find(|(which, _)| *which == "calibrated")
        {
            preset.set_text_content(Some(match calibrating {
                true => "calibrating…",
                false => "calibrated ≈3 s",
            }));
        }
    }

    pub fn show_calibration(&self, app: &SpinnerLab) {
        let text = match &app.calibration() {
            Err(_) if app.calibrating() => {
                "Calibrating: timing the book's number to find the prime that takes ≈3 s here…"
                    .to_string()
            }
            Ok(c) => {
                if self.number.value().is_empty() {
                    self.number.set_value(&c.prime.to_string());
                }
                format!(
                    "Calibrated here: is_prime({}) should take ≈{:.1} s ({:.0} million divisions a second){}.",
                    c.prime,
                    c.expected_secs,
                    c.divisions_per_sec / 1e6,
                    if c.capped {
                        "; capped at the largest u64 prime"
                    } else {
                        ""
                    }
                )
            }
            Err(reason) => format!("No calibration ({reason}): the book's number is the default."),
        };
        let text = match self.nested_timer_ms.get() {
            Some(ms) => format!(
                "{text} A nested setTimeout(0) here waits {ms:.1} ms (the clamp after 5 nested timers)."
            ),
            None => text,
        };
        self.calibration_note.set_text_content(Some(&text));
    }

    pub fn set_running(&self, running: bool, has_pool: bool) {
        for (model, button) in &self.models {
            // The offload button stays: its process offload needs no threads.
            button.set_disabled(running || (model.needs_threads(Offload::Process) && !has_pool));
        }
        self.number.set_disabled(running);
        for (_, radio) in &self.slows {
            radio.set_disabled(running);
        }
        for (_, preset) in &self.presets {
            preset.set_disabled(running);
        }
        self.nap_every.set_disabled(running);
        self.nap_via.set_disabled(running);
        self.offload.set_disabled(running);
        self.switch_interval.set_disabled(running);
    }

    /// The `slow()` chosen (sleep if none is).
    fn slow(&self) -> SlowKind {
        self.slows
            .iter()
            .find(|(_, radio)| radio.checked())
            .map_or(SlowKind::Sleep, |(kind, _)| *kind)
    }

    fn check_slow(&self, slow: SlowKind) {
        for (kind, radio) in &self.slows {
            radio.set_checked(*kind == slow);
        }
    }

    fn request_from_controls(&self, model: Model) -> SpinnerRequest {
        let slow = match self.slow() {
            SlowKind::Sleep => SlowRequest::Sleep,
            SlowKind::BlockingSleep => SlowRequest::BlockingSleep,
            SlowKind::Prime => SlowRequest::Prime(Some(self.number.value())),
        };
        SpinnerRequest {
            model,
            slow,
            nap_every: match self.nap_every.value().as_str() {
                "book" => Some(NapEvery::Book),
                _ => None,
            },
            nap_via: NapVia::parse(&self.nap_via.value()).unwrap_or(NapVia::Yield),
            offload: Offload::parse(&self.offload.value()).unwrap_or_default(),
            switch_interval: (model == Model::ThreadGil)
                .then(|| read_switch_interval(&self.switch_interval)),
        }
    }

    /// The id [`Self::next_id`] gave this model's last run.
    fn counter(&self, model: Model) -> u32 {
        self.counters[Self::counter_index(model).0].get()
    }

    fn counter_index(model: Model) -> (usize, u32) {
        match model {
            Model::Thread | Model::ThreadGil => (0, 1),
            Model::Process => (1, 1),
            _ => (2, 2),
        }
    }

    fn next_id(&self, model: Model) -> u32 {
        // `asyncio.run(supervisor())` makes supervisor a task too: each
        // coroutine run takes two numbers, and `spin` has the second.
        let (index, step) = Self::counter_index(model);
        let counter = &self.counters[index];
        counter.set(counter.get() + step);
        counter.get()
    }

    /// A fresh canvas for this run's spinner: a canvas handed to a worker
    /// cannot be taken back.
    fn fresh_canvas(&self) -> Result<(HtmlCanvasElement, f64), JsValue> {
        // On a phone the options stand between the buttons and the stage:
        // the run is watched, so the stage and its monitor come into view
        // (no scroll when they are in view already).
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        self.run_view
            .scroll_into_view_with_scroll_into_view_options(&options);
        self.stage.set_text_content(None);
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        hidpi_canvas(&doc, &self.stage, 52.0, "spinner")
    }

    /// The spinner's stage: see [`mark_stage`].
    fn set_stage(&self, run: Option<&Conclusion>) {
        mark_stage(&self.stage, run);
    }

    /// The evidence that tells the models apart: frames against those
    /// expected, as a bar, and what the main thread did.
    fn show_evidence(&self, c: &Conclusion) {
        let _ = self.evidence.remove_attribute("hidden");
        let kind = if c.frames_share >= 0.8 {
            "good"
        } else {
            "pitfall"
        };
        let _ = self.evidence.set_attribute("data-kind", kind);
        let frames = &c.report;
        let text = format!(
            "The spinner drew {} frames in {:.1} s; 10 a second would be {:.0}",
            frames.spinner_frames,
            frames.elapsed_ms / 1000.0,
            frames.spinner_frames_expected
        );
        let _ = self.frames_bar.set_attribute("aria-label", &text);
        if let Ok(Some(bar)) = self.frames_bar.query_selector("span") {
            set_width_percent(&bar, 100.0 * c.frames_share);
        }
        self.frames_text.set_text_content(Some(&format!("{text}.")));
        self.main_thread.set_text_content(Some(&c.main_thread));
    }

    fn show_stats(&self, rows: &[(&str, &str, String)]) {
        self.stats.set_text_content(None);
        let Some(doc) = self.stats.owner_document() else {
            return;
        };
        for (key, label, value) in rows {
            let _ = stat(&doc, key, label, value).and_then(|row| self.stats.append_child(&row));
        }
    }
}

/// A copy of `<template id="stat">`: a figure of the run, named `key`.
fn stat(doc: &Document, key: &str, label: &str, value: &str) -> Result<Element, JsValue> {
    let row = template(doc, "stat")?;
    row.set_attribute("data-stat", key)?;
    slot(&row, "label")?.set_text_content(Some(label));
    slot(&row, "value")?.set_text_content(Some(value));
    Ok(row)
}
