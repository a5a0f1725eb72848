//! The pool lab's kept runs (`crate::core::pool_runs`, pure), drawn as rows on
//! one time axis in `[data-role=timeline]`: a row per run, a thin lane per
//! worker, a bar per number, its comparison with the sequential run beside.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use super::PoolView;
use crate::core::pool_runs::KeptRun;
use crate::core::report::PoolReport;
use crate::ui::dom::{element, set_width_percent, slot, template};

impl PoolView {
    /// Keeps a run that ran to its end, redraws the rows, and says how it
    /// compares with the last sequential run.
    pub(super) fn keep_run(&self, report: &PoolReport) {
        let Some(run) = KeptRun::of(report) else {
            return;
        };
        self.shelf.borrow_mut().keep(run);
        self.show_runs();
        let shelf = self.shelf.borrow();
        if let Some(run) = shelf.runs().last() {
            let checked = format!("{} checks, {}", report.checked, run.name());
            self.output
                .say(&format!("{checked}: {}.", shelf.comparison(run).0), "done");
        }
    }

    pub(super) fn clear_runs(&self) {
        self.shelf.borrow_mut().clear();
        self.show_runs();
    }

    /// Draws every kept run on the shared axis.
    pub(super) fn show_runs(&self) {
        let Some(doc) = self.runs_list.owner_document() else {
            return;
        };
        let shelf = self.shelf.borrow();
        self.runs_list.set_text_content(None);
        self.runs_axis.set_text_content(None);
        self.clear_button.set_disabled(shelf.runs().is_empty());
        if shelf.runs().is_empty() {
            let empty = "No run yet: press a mode above, Sequential first for a baseline.";
            if let Ok(p) = element(&doc, "p", "runs-empty", empty) {
                let _ = self.runs_list.append_child(&p);
            }
            return;
        }
        let axis = shelf.axis_ms();
        for run in shelf.runs() {
            let (text, standing) = shelf.comparison(run);
            let _ = row(&doc, run, &text, standing.key(), axis)
                .and_then(|row| self.runs_list.append_child(&row).map(|_| ()));
        }
        for (ms, label) in shelf.ticks() {
            if let Ok(tick) = element(&doc, "span", "tick", &label) {
                place(&tick, 100.0 * ms / axis, None);
                let _ = self.runs_axis.append_child(&tick);
            }
        }
    }
}

/// One run's row: its name and comparison, then its lanes.
fn row(
    doc: &Document,
    run: &KeptRun,
    text: &str,
    kind: &str,
    axis: f64,
) -> Result<Element, wasm_bindgen::JsValue> {
    let row = template(doc, "pool-run")?;
    row.set_attribute("data-run", &run.id.to_string())?;
    row.set_attribute("data-mode", run.mode.key())?;
    row.set_attribute("data-kind", kind)?;
    slot(&row, "name")?.set_text_content(Some(&run.name()));
    slot(&row, "text")?.set_text_content(Some(&format!(": {text}")));
    let (track, end) = (slot(&row, "track")?, slot(&row, "end")?);
    let lanes = run
        .bars
        .iter()
        .map(|b| b.lane + 1)
        .max()
        .unwrap_or(1)
        .max(run.workers.min(32));
    let _ = track
        .dyn_ref::<web_sys::HtmlElement>()
        .map(|t| t.style().set_property("--lanes", &lanes.to_string()));
    for bar in &run.bars {
        let class = if bar.prime { "bar prime" } else { "bar" };
        let span = element(doc, "span", class, "")?;
        place(
            &span,
            100.0 * bar.start_ms / axis,
            Some(100.0 * (bar.end_ms - bar.start_ms) / axis),
        );
        if let Some(span) = span.dyn_ref::<web_sys::HtmlElement>() {
            let _ = span.style().set_property("--lane", &bar.lane.to_string());
        }
        track.insert_before(&span, Some(&end))?;
    }
    // The run's end, on the shared axis.
    place(&end, 100.0 * run.total_ms / axis, None);
    Ok(row)
}

/// Places `el` at `left`% of the axis, `width`% wide.
fn place(el: &Element, left: f64, width: Option<f64>) {
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.style().set_property("left", &format!("{left:.2}%"));
    }
    if let Some(width) = width {
        set_width_percent(el, width.max(0.3));
    }
}
