//! The pool lab: "A Homegrown Process Pool", re-enacted. Its buttons and
//! `spinlab.runPool` / `spinlab.cancelPool` run the same code.
//!
//! This file holds the panel (its controls, written in `index.html` and
//! bound here; what links and `spinlab.stats()` read of it). Beside it:
//! `options` (what to run, checked), `plots` (the timeline and the sweep's
//! chart), `run` (one pool run and its stop), `sweep` (the sweep and the
//! split), `controls` (the buttons, which start them).

mod controls;
pub mod options;
mod plots;
mod replay;
pub mod run;
mod runs;
pub mod sweep;

use std::cell::{Cell, RefCell};

use futures_channel::oneshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlButtonElement, HtmlCanvasElement,
    HtmlInputElement, HtmlProgressElement, HtmlSelectElement, HtmlTextAreaElement,
};

use self::plots::{Timeline, draw_timeline};
use super::code::CodePanel;
use super::context::Panel;
use super::dom::{Output, buttons_for, control, find, hidpi_canvas, to_js};
use crate::core::link::{Link, Workload};
use crate::core::pool_runs::Shelf;
use crate::core::primes::parse_number_list;
use crate::core::protocol::{JobKind, Mode, StopPolicy};
use crate::core::report::Value;
use crate::listings;
use crate::models::pool;

/// The pool lab panel with the page's context.
pub type PoolLab = Panel<PoolView>;

/// A run in progress, reachable by `cancelPool`.
struct Active {
    run: pool::PoolRun,
    stopped: Option<StopPolicy>,
    never_started: Vec<u64>,
    finished: Vec<oneshot::Sender<()>>,
}

pub struct PoolView {
    code: CodePanel,
    /// The last run again, from its record.
    replay: replay::Replay,
    /// "Download its trace": the last run's trace as a `data:` URL.
    trace_button: HtmlButtonElement,
    trace_hint: Element,
    progress: HtmlProgressElement,
    progress_text: Element,
    sweep_table: Element,
    /// During a sweep: which run of how many.
    sweep_at: Cell<Option<(usize, usize)>>,
    split_button: HtmlButtonElement,
    race: HtmlInputElement,
    race_delay: HtmlInputElement,
    per_job: HtmlInputElement,
    switch_interval: HtmlSelectElement,
    sweep_button: HtmlButtonElement,
    sweep_mode: HtmlSelectElement,
    sweep_to: HtmlSelectElement,
    sweep_rounds: HtmlSelectElement,
    sweep_canvas: HtmlCanvasElement,
    modes: Vec<(Mode, HtmlButtonElement)>,
    workers: HtmlInputElement,
    workload: HtmlSelectElement,
    numbers: HtmlTextAreaElement,
    stops: Vec<(StopPolicy, HtmlButtonElement)>,
    table: Element,
    canvas: HtmlCanvasElement,
    scale: f64,
    output: Output,
    active: RefCell<Option<Active>>,
    timeline: RefCell<Timeline>,
    /// The runs kept on one axis until cleared, and where they are drawn.
    shelf: RefCell<Shelf>,
    runs_list: Element,
    runs_axis: Element,
    clear_button: HtmlButtonElement,
    max_workers: usize,
}

impl PoolView {
    /// Binds the controls `index.html` writes beside the prose (the modes,
    /// the options, the numbers, the stops, the sweep and the split, the
    /// progress line), setting what depends on this machine's cores, and
    /// renders what runs fill in under them.
    pub fn render(doc: &Document, max_workers: usize) -> Result<PoolView, JsValue> {
        let section = find(doc, "[data-experiment=pool]")?;
        let workers: HtmlInputElement = control(&section, "[data-role=workers]")?;
        workers.set_max(&max_workers.max(1).to_string());
        workers.set_value(&max_workers.max(1).to_string());
        let sweep_to: HtmlSelectElement = control(&section, "[data-role=sweep-to]")?;
        // The first choice is this machine's cores; the second, the book's sweep.
        let cores: Element = control(&section, "[data-role=sweep-to] option:first-child")?;
        cores.set_attribute("value", &max_workers.to_string())?;
        cores.set_text_content(Some(&format!("1..{max_workers} (this machine's cores)")));

        // The figure `index.html` writes under the controls; its canvases,
        // sized for this screen, go before its caption and its sweep table.
        let figure: Element = control(&section, "figure.timeline")?;
        let (canvas, scale) = hidpi_canvas(doc, &figure, 150.0, "")?;
        figure.prepend_with_node_1(&canvas)?;
        canvas.set_attribute("data-role", "lanes")?;
        canvas.set_attribute("role", "img")?;
        canvas.set_attribute(
            "aria-label",
            "The last run in detail, one lane per worker; the same results are in the table below",
        )?;

        let sweep_table: Element = control(&section, "[data-role=sweep-table]")?;
        let (sweep_canvas, _) = hidpi_canvas(doc, &figure, 220.0, "sweep-plot")?;
        sweep_table.before_with_node_1(&sweep_canvas)?;
        sweep_canvas.set_attribute("data-role", "sweep-plot")?;
        sweep_canvas.set_attribute("role", "img")?;
        sweep_canvas.set_attribute(
            "aria-label",
            "Sweep: total time against the number of workers; the same figures are in the table below it",
        )?;
        sweep_canvas.set_hidden(true);
        plots::show_reference_figures(&section)?;

        let table: Element = control(&section, "table[data-role=results]")?;
        let output = Output::render_before(doc, &table)?;
        let code = CodePanel::render(doc, &section)?;
        code.show(&listings::pool(
            Mode::Processes,
            crate::core::protocol::Design::Pool,
            JobKind::Cpu,
        ));

        Ok(PoolView {
            code,
            replay: replay::Replay::render(&section)?,
            progress: control(&section, "[data-role=pool-progress]")?,
            progress_text: control(&section, "[data-role=pool-progress-text]")?,
            sweep_table,
            sweep_at: Cell::new(None),
            split_button: control(&section, "button[data-role=split]")?,
            race: control(&section, "[data-role=race]")?,
            race_delay: control(&section, "[data-role=race-delay]")?,
            per_job: control(&section, "[data-role=per-job]")?,
            switch_interval: control(&section, "[data-role=switch-interval]")?,
            sweep_button: control(&section, "button[data-role=sweep]")?,
            sweep_mode: control(&section, "[data-role=sweep-mode]")?,
            sweep_to,
            sweep_rounds: control(&section, "[data-role=sweep-rounds]")?,
            sweep_canvas,
            modes: buttons_for(&section, "data-mode", Mode::ALL, Mode::key)?,
            workers,
            workload: control(&section, "[data-role=workload]")?,
            numbers: control(&section, "[data-role=numbers]")?,
            stops: buttons_for(
                &section,
                "data-stop",
                [
                    StopPolicy::PoisonPill,
                    StopPolicy::CancelFlag,
                    StopPolicy::Terminate,
                ],
                StopPolicy::key,
            )?,
            table,
            canvas,
            scale,
            output,
            active: RefCell::new(None),
            timeline: RefCell::new(Timeline::default()),
            shelf: RefCell::new(Shelf::default()),
            runs_list: find(doc, "[data-experiment=pool] [data-role=timeline]")?,
            runs_axis: find(doc, "[data-experiment=pool] [data-role=runs-axis]")?,
            clear_button: control(&section, "button[data-role=clear-runs]")?,
            trace_button: control(&section, "button[data-role=download-trace]")?,
            trace_hint: control(&section, "[data-role=trace-hint]")?,
            max_workers,
        })
    }

    /// Run buttons follow the page-wide busy rule; stop buttons work only
    /// while a pool run is in progress.
    pub fn set_running(&self, running: bool, has_pool: bool) {
        const NO_THREADS: &str = "Needs wasm threads, which this browser does not give this page: see the capabilities above.";
        for (mode, button) in &self.modes {
            let usable = has_pool || runs_without_threads(*mode);
            button.set_disabled(running || !usable);
            if !usable {
                button.set_title(NO_THREADS);
            }
        }
        self.workers.set_disabled(running);
        // Without threads, a sweep of processes still runs.
        self.sweep_button.set_disabled(running);
        self.split_button.set_disabled(running || !has_pool);
        if !has_pool {
            self.split_button.set_title(NO_THREADS);
        }
        self.sweep_mode.set_disabled(running);
        self.sweep_to.set_disabled(running);
        self.sweep_rounds.set_disabled(running);
        self.workload.set_disabled(running);
        self.race.set_disabled(running);
        self.race_delay.set_disabled(running);
        self.per_job.set_disabled(running);
        self.switch_interval.set_disabled(running);
        self.numbers.set_disabled(running);
        let no_runs = self.shelf.try_borrow().is_ok_and(|s| s.runs().is_empty());
        self.clear_button.set_disabled(running || no_runs);
        let pool_running = self.active.borrow().is_some();
        for (_, button) in &self.stops {
            button.set_disabled(!pool_running);
        }
    }

    /// Sets the controls a link carries; returns the mode button it asks
    /// for, to be focused (a link never starts a run).
    pub fn apply_link(&self, link: &Link) -> Option<HtmlButtonElement> {
        if let Some(workers) = link.workers {
            self.workers.set_value(&workers.to_string());
        }
        if let Some(numbers) = &link.numbers {
            let list: Vec<String> = numbers.iter().map(u64::to_string).collect();
            self.numbers.set_value(&list.join("\n"));
        }
        if let Some(workload) = link.workload {
            self.workload.set_value(workload.key());
            self.numbers.set_hidden(workload != Workload::Custom);
        }
        let mode = link.mode?;
        self.modes
            .iter()
            .find(|(m, _)| *m == mode)
            .map(|(_, button)| button.clone())
    }

    /// What the controls say now, for the page's address: what differs from
    /// the page's defaults (one worker per core; the book's numbers).
    pub fn read_link(&self, link: &mut Link) {
        link.workers = self
            .workers
            .value()
            .trim()
            .parse()
            .ok()
            .filter(|w| (1..self.max_workers).contains(w));
        link.workload = Workload::parse(&self.workload.value()).filter(|w| *w != Workload::Book);
        link.numbers = (link.workload == Some(Workload::Custom))
            .then(|| parse_number_list(&self.numbers.value()).ok())
            .flatten();
    }

    /// The most workers a run may have: the pool's size.
    pub fn max_workers(&self) -> usize {
        self.max_workers
    }

    /// The run in progress, as `spinlab.stats().pool` shows it (`null` when
    /// idle): how many workers are up, how many numbers they have taken and
    /// how many are reported. Tests wait for these events (a number in every
    /// worker's hand) instead of sleeping for a duration.
    pub fn snapshot(&self) -> JsValue {
        // (Never borrowed across an await; should that change, `undefined`
        // says "unknown", not "no run".)
        let (Ok(active), Ok(timeline)) = (self.active.try_borrow(), self.timeline.try_borrow())
        else {
            return JsValue::UNDEFINED;
        };
        let Some(active) = active.as_ref() else {
            return JsValue::NULL;
        };
        to_js(&Value::Obj(vec![
            ("workers", active.run.workers.into()),
            ("up", timeline.started.iter().flatten().count().into()),
            ("taken", active.run.taken().into()),
            ("checked", timeline.rows.len().into()),
            ("cancelled", timeline.cancelled.len().into()),
            ("stopped", active.stopped.map(|p| p.key()).into()),
        ]))
    }

    pub fn output_error(&self, message: &str) {
        self.output.say(message, "error");
    }

    /// The progress bar: `done` of `total` numbers, within the sweep's run
    /// if a sweep is on.
    fn show_progress(&self, done: usize, total: usize) {
        self.progress.set_max(total.max(1) as f64);
        self.progress.set_value(done as f64);
        let run = format!(
            "{done} of {total} numbers checked, {} left",
            total.saturating_sub(done)
        );
        let text = match self.sweep_at.get() {
            Some((k, of)) => format!("Sweep: run {k} of {of}; {run}"),
            None => run,
        };
        self.progress_text.set_text_content(Some(&text));
    }

    fn draw_timeline(&self) {
        let Ok(Some(context)) = self.canvas.get_context("2d") else {
            return;
        };
        let ctx: CanvasRenderingContext2d = context.unchecked_into();
        draw_timeline(
            &ctx,
            &self.timeline.borrow(),
            f64::from(self.canvas.width()),
            f64::from(self.canvas.height()),
            self.scale,
        );
    }
}

/// The modes whose workers are processes when there are no threads: they
/// need no shared memory (see `pool::start`).
fn runs_without_threads(mode: Mode) -> bool {
    matches!(mode, Mode::Sequential | Mode::Processes)
}
