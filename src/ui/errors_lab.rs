//! The errors panel (`[data-experiment=errors]`, in the big picture): the
//! same failing work in a thread, a process and a coroutine, and where each
//! error went, side by side. `spinlab.runErrors({ model })` runs the same
//! code as the buttons: read the request, run the units
//! (`models::errors`), build the report (`crate::core::errors`), render it.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlButtonElement};

use super::code::CodePanel;
use super::context::Panel;
use super::dom::{Options, Output, buttons_for, control, key_option, on_click, publish};
use crate::core::errors::{ErrorsModel, Report, report};
use crate::core::python::errors_lines;
use crate::runtime::steps::next_paint;

/// The errors panel with the page's context.
pub type ErrorsLab = Panel<ErrorsView>;

/// The panel's buttons and result cells (written in `index.html`) and its output.
pub struct ErrorsView {
    buttons: Vec<(ErrorsModel, HtmlButtonElement)>,
    /// One line per model: where its error went.
    places: Vec<(ErrorsModel, Element)>,
    output: Output,
    code: CodePanel,
}

impl ErrorsView {
    pub fn render(doc: &Document) -> Result<ErrorsView, JsValue> {
        let panel = super::dom::find(doc, "[data-experiment=errors]")?;
        let buttons = buttons_for(&panel, "data-model", ErrorsModel::ALL, ErrorsModel::key)?;
        let places = ErrorsModel::ALL
            .into_iter()
            .map(|model| {
                let selector = format!(
                    "[data-role=error-paths] [data-model={}] [data-role=where]",
                    model.key()
                );
                Ok((model, control(&panel, &selector)?))
            })
            .collect::<Result<Vec<_>, JsValue>>()?;
        let output = Output::render(doc, &panel)?;
        let code = CodePanel::render(doc, &panel)?;
        code.show(&crate::listings::errors(ErrorsModel::Thread));
        Ok(ErrorsView {
            buttons,
            places,
            output,
            code,
        })
    }

    pub fn wire(&self, app: &Rc<ErrorsLab>) {
        for (model, button) in &self.buttons {
            let (app, model) = (Rc::clone(app), *model);
            on_click(button, move || {
                let app = Rc::clone(&app);
                // The outcome, error included, is already on the page.
                spawn_local(async move {
                    let _ = run_errors(&app, model).await;
                });
            });
        }
    }

    pub fn set_running(&self, running: bool, pool_available: bool) {
        for (model, button) in &self.buttons {
            let needs_threads = *model == ErrorsModel::Thread;
            button.set_disabled(running || (needs_threads && !pool_available));
        }
    }

    /// Shows a refused request's reason; returns it.
    pub fn output_error(&self, message: &str) -> String {
        self.output.say(message, "error");
        message.to_string()
    }

    /// The report on the page: its cell, its transcript, its notes.
    fn show(&self, report: &Report) {
        if let Some((_, cell)) = self.places.iter().find(|(m, _)| *m == report.model) {
            cell.set_text_content(Some(&report.where_it_went()));
        }
        let mut lines = report.lines.transcript.clone();
        lines.extend(report.lines.notes.iter().map(|n| format!("# {n}")));
        self.output.append_transcript(&lines);
        self.output.say(&report.where_it_went(), "done");
    }
}

/// `runErrors`'s options: `{ model }`.
pub fn errors_options(options: &JsValue) -> Result<ErrorsModel, String> {
    let options = Options::read(options, "runErrors", &["model"])?;
    key_option(
        &options.get("model"),
        "model",
        "\"thread\", \"process\" or \"coroutine\"",
        ErrorsModel::parse,
    )
}

/// One run: the work raises in a unit of `model`; the page shows where the
/// error went. Errors are shown on the page and returned.
pub async fn run_errors(app: &ErrorsLab, model: ErrorsModel) -> Result<JsValue, String> {
    let view = &app.view;
    if model == ErrorsModel::Thread
        && (app.pool.is_none() || crate::runtime::panics::broken().is_some())
    {
        return Err(view.output_error(
            "A thread needs wasm threads, which this page does not have now: see the capabilities above.",
        ));
    }
    let _running = app.begin().await.map_err(|m| view.output_error(&m))?;
    view.code.show(&crate::listings::errors(model));
    view.output.append_transcript(&[format!(
        "# {0}: work() divides by zero in a {0}",
        model.key()
    )]);
    next_paint().await;
    let outcome = crate::models::errors::run(model, errors_lines(model))
        .await
        .map_err(|m| view.output_error(&m))?;
    let report = report(&outcome);
    view.show(&report);
    Ok(publish(&report))
}
