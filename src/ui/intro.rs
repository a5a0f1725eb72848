//! The introduction's one press: the book's `supervisor()` with `slow()` =
//! `is_prime(n)`, its spinner in a thread, then in a coroutine, side by
//! side above the event-loop monitor. Each run is the spinner lab's own
//! (its plan, engine and report, `spinlab:report` included); this file only
//! draws them here.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlButtonElement, HtmlCanvasElement};

use super::dom::{control, find, hidpi_canvas, on_click, publish};
use super::spinner_lab::options::{SlowRequest, SpinnerRequest};
use super::spinner_lab::run::{engine, head, plan};
use super::spinner_lab::{SpinnerLab, mark_stage};
use crate::core::spinner::run::{Conclusion, conclude, first_lesson};
use crate::core::spinner::{Model, NapVia, Offload};
use crate::runtime::canvas::Style;
use crate::runtime::js_error_message;
use crate::runtime::steps::next_paint;

/// The two models the introduction runs, in order.
const MODELS: [Model; 2] = [Model::Thread, Model::Coroutine];

/// The introduction's controls and spinners, written in `index.html`.
pub struct IntroView {
    button: HtmlButtonElement,
    wait: Element,
    /// Each model's spinner stage and its result line.
    units: [(Model, Element, Element); 2],
    lesson: Element,
    /// The monitor's canvas, for `monitor::start_strips` (none without threads).
    pub monitor: Option<HtmlCanvasElement>,
}

impl IntroView {
    pub fn render(doc: &Document, has_pool: bool) -> Result<IntroView, JsValue> {
        let section = find(doc, "[data-experiment=intro]")?;
        let unit = |model: Model| -> Result<(Model, Element, Element), JsValue> {
            let at = |role: &str| {
                find(
                    doc,
                    &format!(
                        "[data-experiment=intro] [data-role={role}][data-model={}]",
                        model.key()
                    ),
                )
            };
            Ok((model, at("spinner")?, at("result")?))
        };
        let monitor_box = find(doc, "[data-experiment=intro] [data-role=intro-monitor]")?;
        let monitor = match has_pool {
            true => Some(hidpi_canvas(doc, &monitor_box, 72.0, "strip")?.0),
            false => None,
        };
        Ok(IntroView {
            button: control(&section, "button[data-role=first-run]")?,
            wait: find(doc, "[data-experiment=intro] [data-role=first-wait]")?,
            units: [unit(MODELS[0])?, unit(MODELS[1])?],
            lesson: find(doc, "[data-experiment=intro] [data-role=first-lesson]")?,
            monitor,
        })
    }

    /// Until the prime is calibrated (after the page is ready), the line
    /// beside the button says so; a press meanwhile waits for it.
    pub fn calibrating(&self, calibrating: bool) {
        match calibrating {
            true => {
                self.wait.set_text_content(Some("calibrating…"));
                let _ = self.button.set_attribute("aria-busy", "true");
            }
            false => {
                self.wait.set_text_content(Some("about 7 s"));
                let _ = self.button.remove_attribute("aria-busy");
            }
        }
    }

    /// How long a press takes here, once the calibration is known.
    pub fn show_expected(&self, expected_secs: Option<f64>) {
        if let Some(secs) = expected_secs {
            // No longer than "calibrating…": on a phone both fit beside the button.
            let text = format!("≈{:.0} s here", 2.0 * secs + 0.5);
            self.wait.set_text_content(Some(&text));
        }
    }

    pub fn set_running(&self, running: bool, has_pool: bool) {
        self.button.set_disabled(running || !has_pool);
        if !has_pool {
            self.button.set_title("The thread's spinner needs wasm threads, which this browser does not give this page.");
        }
    }

    pub fn wire(&self, intro: &Rc<IntroLab>) {
        let intro = Rc::clone(intro);
        on_click(&self.button, move || {
            let intro = Rc::clone(&intro);
            spawn_local(async move {
                if let Err(message) = first_run(&intro).await {
                    intro.view.say(&message, "error");
                }
            });
        });
    }

    fn say(&self, text: &str, kind: &str) {
        self.lesson.set_text_content(Some(text));
        let _ = self.lesson.set_attribute("data-kind", kind);
    }

    fn unit(&self, model: Model) -> (&Element, &Element) {
        let (_, stage, result) = self
            .units
            .iter()
            .find(|(m, ..)| *m == model)
            .unwrap_or(&self.units[0]);
        (stage, result)
    }

    /// A fresh canvas on `model`'s stage, marked as running.
    fn fresh_canvas(&self, model: Model) -> Result<(HtmlCanvasElement, f64), JsValue> {
        let (stage, result) = self.unit(model);
        stage.set_text_content(None);
        mark_stage(stage, None);
        let _ = stage.set_attribute("data-state", "running");
        result.set_text_content(Some("Running: slow() is is_prime(n)…"));
        let doc = stage.owner_document().ok_or("no document")?;
        hidpi_canvas(&doc, stage, 52.0, "spinner")
    }

    fn show(&self, model: Model, c: &Conclusion) {
        let (stage, result) = self.unit(model);
        let _ = stage.remove_attribute("data-state");
        mark_stage(stage, Some(c));
        result.set_text_content(Some(&c.short()));
        let _ = result.set_attribute(
            "data-kind",
            if c.frames_share >= 0.8 {
                "good"
            } else {
                "pitfall"
            },
        );
    }
}

/// The introduction with the spinner lab it borrows its runs from.
pub struct IntroLab {
    pub view: IntroView,
    pub lab: Rc<SpinnerLab>,
}

/// Runs the thread's spinner, then the coroutine's, as one run of the page.
async fn first_run(intro: &IntroLab) -> Result<(), String> {
    let (view, lab) = (&intro.view, &intro.lab);
    let request = |model| SpinnerRequest {
        model,
        slow: SlowRequest::Prime(None),
        nap_every: None,
        nap_via: NapVia::Yield,
        offload: Offload::Thread,
        switch_interval: None,
    };
    // Begun first: a second press meanwhile is refused at once, and the
    // plans read the calibrated prime, which `begin` waits for.
    let _running = lab.begin().await?;
    let plans = [
        plan(lab, &request(MODELS[0]))?,
        plan(lab, &request(MODELS[1]))?,
    ];
    view.say("", "running");
    let mut conclusions = Vec::new();
    for plan in &plans {
        let (canvas, scale) = view
            .fresh_canvas(plan.model)
            .map_err(|e| js_error_message(&e))?;
        let head = head(lab, plan);
        next_paint().await;
        let measured = engine(lab, plan, &canvas, &Style::from_page(scale)).await?;
        let conclusion = conclude(plan, &head, &measured);
        view.show(plan.model, &conclusion);
        publish(conclusion.report.clone());
        conclusions.push(conclusion);
    }
    view.say(&first_lesson(&conclusions[0], &conclusions[1]), "done");
    Ok(())
}
