//! The pool lab: "A Homegrown Process Pool", re-enacted. Its buttons and
//! `spinlab.runPool` / `spinlab.cancelPool` run the same code.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use futures_channel::oneshot;
use js_sys::{Array, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    CanvasRenderingContext2d, Document, Element, HtmlButtonElement, HtmlCanvasElement,
    HtmlInputElement, HtmlProgressElement, HtmlSelectElement, HtmlTextAreaElement,
};

use super::code::{self, CodePanel};
use super::context::Context;
use super::dom::{
    Options, Output, describe, dispatch_report, element, find, key_option, number_option,
    transcript_and_notes, whole_number_option,
};
use crate::bench::Summary;
use crate::clock::epoch_ms;
use crate::link::{Link, Workload};
use crate::models::pool::{self, StopPolicy};
use crate::primes::{
    Calibration, MAX_NUMBERS, NUMBERS, PrimeResult, calibrated_fixture, parse_number,
    parse_number_list, slow_check_note, speed_share,
};
use crate::protocol::{Message, Mode, Report, early_loop_ends};
use crate::runtime::canvas::css_var;
use crate::runtime::object;
use crate::runtime::steps::next_paint;

/// The pool lab panel with the page's context: what its runs and
/// buttons are handed (it reads the context's pool and calibration as its
/// own fields).
pub struct PoolLab {
    pub ctx: Rc<Context>,
    pub pool_lab: PoolView,
}

impl std::ops::Deref for PoolLab {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

/// What to run: `spinlab.runPool`'s options, checked.
pub struct PoolRequest {
    pub mode: Mode,
    pub workers: usize,
    pub numbers: Vec<u64>,
    /// The early `procs.py`: the report loop stops when the queue is empty.
    pub racy: bool,
    /// In the early loop, a pause before each `if jobs.empty()` (the
    /// reader's `sleep(1)` that made the loss frequent), in ms.
    pub race_delay_ms: u32,
}

/// One checked number as the page keeps it (times relative to the run's start).
#[derive(Clone, Copy)]
struct Row {
    result: PrimeResult,
    worker: usize,
    start_ms: f64,
    end_ms: f64,
}

/// What the timeline draws, updated as messages arrive.
#[derive(Default)]
struct Timeline {
    /// Per worker: when it was up (ms since the start), and when its current
    /// number began.
    started: Vec<Option<f64>>,
    busy_since: Vec<Option<f64>>,
    rows: Vec<Row>,
    cancelled: Vec<(u64, usize, f64)>,
    /// Set while running: "now", for bars still growing.
    live_until: Option<f64>,
}

/// A run in progress, reachable by `cancelPool`.
struct Active {
    run: pool::PoolRun,
    stopped: Option<StopPolicy>,
    never_started: Vec<u64>,
    finished: Vec<oneshot::Sender<()>>,
}

pub struct PoolView {
    code: CodePanel,
    progress: HtmlProgressElement,
    progress_text: Element,
    sweep_table: Element,
    /// During a sweep: which run of how many.
    sweep_at: Cell<Option<(usize, usize)>>,
    split_button: HtmlButtonElement,
    race: HtmlInputElement,
    race_delay: HtmlInputElement,
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
    max_workers: usize,
}

impl PoolView {
    pub fn render(doc: &Document, max_workers: usize) -> Result<PoolView, JsValue> {
        let section = find(doc, "[data-experiment=pool]")?;
        let modes_box = element(doc, "div", "controls models", "")?;
        let mut modes = Vec::new();
        for (mode, text, key) in [
            (Mode::Sequential, "Sequential", "1"),
            (Mode::Processes, "Processes", "2"),
            (Mode::Threads, "Threads", "3"),
            (Mode::ThreadsGil, "Threads + GIL", "4"),
            (Mode::Rayon, "Rayon", "5"),
        ] {
            let button: HtmlButtonElement = element(doc, "button", "model", text)?.unchecked_into();
            button.set_attribute("data-mode", mode.key())?;
            button.set_attribute("aria-pressed", "false")?;
            button.set_attribute("aria-keyshortcuts", key)?;
            let hint = element(doc, "kbd", "", key)?;
            button.append_child(&hint)?;
            modes_box.append_child(&button)?;
            modes.push((mode, button));
        }
        section.append_child(&modes_box)?;

        let options = element(doc, "div", "controls options", "")?;
        let workers: HtmlInputElement = doc.create_element("input")?.unchecked_into();
        workers.set_type("number");
        workers.set_min("1");
        workers.set_max(&max_workers.max(1).to_string());
        workers.set_value(&max_workers.max(1).to_string());
        workers.set_attribute("data-role", "workers")?;
        let label = element(doc, "label", "", "workers ")?;
        label.append_child(&workers)?;
        options.append_child(&label)?;
        let workload: HtmlSelectElement = doc.create_element("select")?.unchecked_into();
        workload.set_attribute("data-role", "workload")?;
        for (value, text) in [
            ("book", "the book's 20 numbers"),
            ("calibrated", "the book's shape, scaled to ≈20 s here"),
            ("custom", "numbers I type"),
        ] {
            let option = element(doc, "option", "", text)?;
            option.set_attribute("value", value)?;
            workload.append_child(&option)?;
        }
        let label = element(doc, "label", "", "workload ")?;
        label.append_child(&workload)?;
        options.append_child(&label)?;
        let race = checkbox(
            doc,
            &options,
            "race",
            "the race: the early procs.py (its report loop stops when the job queue is empty)",
        )?;
        let race_delay = checkbox(
            doc,
            &options,
            "race-delay",
            "with the reader's sleep(1) before if jobs.empty(), scaled to this machine",
        )?;
        section.append_child(&options)?;
        let numbers: HtmlTextAreaElement = doc.create_element("textarea")?.unchecked_into();
        numbers.set_attribute("data-role", "numbers")?;
        numbers.set_attribute("rows", "3")?;
        numbers.set_attribute("spellcheck", "false")?;
        numbers.set_placeholder("one number per line, or separated by spaces or commas (up to 10,000); 1_000_003 is one number");
        numbers.set_hidden(true);
        section.append_child(&numbers)?;

        let stops_box = element(doc, "div", "controls stops", "Stop: ")?;
        let mut stops = Vec::new();
        for (policy, text) in [
            (StopPolicy::PoisonPill, "poison pill"),
            (StopPolicy::CancelFlag, "cancel flag"),
            (StopPolicy::Terminate, "terminate"),
        ] {
            let button: HtmlButtonElement = element(doc, "button", "stop", text)?.unchecked_into();
            button.set_attribute("data-stop", policy.key())?;
            button.set_disabled(true);
            stops_box.append_child(&button)?;
            stops.push((policy, button));
        }
        section.append_child(&stops_box)?;

        let sweep_box = element(doc, "div", "controls sweep", "")?;
        let sweep_mode: HtmlSelectElement = doc.create_element("select")?.unchecked_into();
        sweep_mode.set_attribute("data-role", "sweep-mode")?;
        sweep_mode.set_attribute("aria-label", "the mode to sweep")?;
        for mode in [Mode::Processes, Mode::Threads, Mode::ThreadsGil] {
            let option = element(doc, "option", "", mode.key())?;
            option.set_attribute("value", mode.key())?;
            sweep_mode.append_child(&option)?;
        }
        let sweep_to: HtmlSelectElement = doc.create_element("select")?.unchecked_into();
        sweep_to.set_attribute("data-role", "sweep-to")?;
        sweep_to.set_attribute("aria-label", "how many workers to sweep to")?;
        for (value, text) in [
            (
                max_workers.to_string(),
                format!("1..{max_workers} (this machine's cores)"),
            ),
            (
                SWEEP_MAX.to_string(),
                format!("1..{SWEEP_MAX} (the book's sweep)"),
            ),
        ] {
            let option = element(doc, "option", "", &text)?;
            option.set_attribute("value", &value)?;
            sweep_to.append_child(&option)?;
        }
        let sweep_rounds: HtmlSelectElement = doc.create_element("select")?.unchecked_into();
        sweep_rounds.set_attribute("data-role", "sweep-rounds")?;
        sweep_rounds.set_attribute("aria-label", "how many rounds of the sweep")?;
        for (value, text) in [
            ("1", "1 round"),
            ("3", "3 rounds (medians)"),
            ("5", "5 rounds (medians)"),
            ("13", "13 rounds (the author's log)"),
        ] {
            let option = element(doc, "option", "", text)?;
            option.set_attribute("value", value)?;
            sweep_rounds.append_child(&option)?;
        }
        let split_button: HtmlButtonElement =
            element(doc, "button", "sweep", "Split one big number (rayon)")?.unchecked_into();
        split_button.set_attribute("data-role", "split")?;
        let sweep_button: HtmlButtonElement =
            element(doc, "button", "sweep", "Sweep")?.unchecked_into();
        sweep_button.set_attribute("data-role", "sweep")?;
        sweep_box.append_child(&sweep_button)?;
        let label = element(doc, "label", "", " ")?;
        label.append_child(&sweep_mode)?;
        sweep_box.append_child(&label)?;
        let label = element(doc, "label", "", " with ")?;
        label.append_child(&sweep_to)?;
        sweep_box.append_child(&label)?;
        let label = element(doc, "label", "", ", ")?;
        label.append_child(&sweep_rounds)?;
        sweep_box.append_child(&label)?;
        sweep_box.append_child(&split_button)?;
        section.append_child(&sweep_box)?;

        // Progress of the run (and of the sweep), with the stops above.
        let progress_box = element(doc, "div", "progress-line", "")?;
        let progress: HtmlProgressElement = doc.create_element("progress")?.unchecked_into();
        progress.set_attribute("data-role", "pool-progress")?;
        progress.set_attribute("aria-label", "numbers checked")?;
        progress.set_max(1.0);
        progress.set_value(0.0);
        let progress_text = element(doc, "span", "progress-text", "No run yet.")?;
        progress_text.set_attribute("data-role", "pool-progress-text")?;
        progress_box.append_child(&progress)?;
        progress_box.append_child(&progress_text)?;
        section.append_child(&progress_box)?;

        let figure = element(doc, "figure", "timeline", "")?;
        section.append_child(&figure)?;
        let canvas: HtmlCanvasElement = doc.create_element("canvas")?.unchecked_into();
        canvas.set_attribute("data-role", "timeline")?;
        canvas.set_attribute("role", "img")?;
        canvas.set_attribute(
            "aria-label",
            "Timeline of the last run, one lane per worker; the same results are in the table below",
        )?;
        figure.append_child(&canvas)?;
        let scale = web_sys::window()
            .map_or(1.0, |w| w.device_pixel_ratio())
            .max(1.0);
        let width = f64::from(figure.client_width().max(300));
        canvas.set_width((width * scale) as u32);
        canvas.set_height((150.0 * scale) as u32);
        canvas.style().set_property("height", "150px")?;
        let caption = element(
            doc,
            "figcaption",
            "",
            "Timeline: a lane per worker, a bar per number from start to end (primes solid, composites pale, cancelled red); the grey start of a lane is the worker's start-up.",
        )?;
        figure.append_child(&caption)?;

        let sweep_canvas: HtmlCanvasElement = doc.create_element("canvas")?.unchecked_into();
        sweep_canvas.set_attribute("data-role", "sweep-plot")?;
        sweep_canvas.set_attribute("role", "img")?;
        sweep_canvas.set_attribute(
            "aria-label",
            "Sweep: total time against the number of workers; the same figures are in the table below it",
        )?;
        sweep_canvas.set_class_name("sweep-plot");
        figure.append_child(&sweep_canvas)?;
        sweep_canvas.set_width((width * scale) as u32);
        sweep_canvas.set_height((220.0 * scale) as u32);
        sweep_canvas.style().set_property("height", "220px")?;
        sweep_canvas.set_hidden(true);
        let sweep_table = element(doc, "table", "results sweep-table", "")?;
        sweep_table.set_attribute("data-role", "sweep-table")?;
        sweep_table.set_attribute("hidden", "")?;
        figure.append_child(&sweep_table)?;

        let output = Output::render(doc, &section)?;
        let table = element(doc, "table", "results", "")?;
        table.set_attribute("data-role", "results")?;
        section.append_child(&table)?;
        let code = CodePanel::render(doc, &section)?;
        code.show(&code::pool_listing(Mode::Processes, false));

        Ok(PoolView {
            code,
            progress,
            progress_text,
            sweep_table,
            sweep_at: Cell::new(None),
            split_button,
            race,
            race_delay,
            sweep_button,
            sweep_mode,
            sweep_to,
            sweep_rounds,
            sweep_canvas,
            modes,
            workers,
            workload,
            numbers,
            stops,
            table,
            canvas,
            scale,
            output,
            active: RefCell::new(None),
            timeline: RefCell::new(Timeline::default()),
            max_workers,
        })
    }

    pub fn wire(&self, app: &Rc<PoolLab>) {
        for (mode, button) in &self.modes {
            let (app, mode) = (Rc::clone(app), *mode);
            on_click(button, move || {
                let app = Rc::clone(&app);
                spawn_local(async move {
                    let request = app.pool_lab.request_from_controls(mode, &app.calibration);
                    let _ = match request {
                        Ok(request) => run_pool(&app, request).await,
                        Err(message) => {
                            app.pool_lab.output.say(&message, "error");
                            Err(message)
                        }
                    };
                });
            });
        }
        for (policy, button) in &self.stops {
            let (app, policy) = (Rc::clone(app), *policy);
            on_click(button, move || {
                let app = Rc::clone(&app);
                spawn_local(async move {
                    let _ = cancel_pool(&app, policy).await;
                });
            });
        }
        {
            let app = Rc::clone(app);
            on_click(&self.sweep_button, move || {
                let app = Rc::clone(&app);
                let mode = Mode::parse(&app.pool_lab.sweep_mode.value()).unwrap_or(Mode::Processes);
                let to = app.pool_lab.sweep_to.value().parse().unwrap_or(1);
                let rounds = app.pool_lab.sweep_rounds.value().parse().unwrap_or(1);
                spawn_local(async move {
                    let _ = run_sweep(&app, mode, to, rounds).await;
                });
            });
        }
        {
            let app = Rc::clone(app);
            on_click(&self.split_button, move || {
                let app = Rc::clone(&app);
                spawn_local(async move {
                    let _ = run_split(&app, None, None).await;
                });
            });
        }
        let numbers = self.numbers.clone();
        let workload = self.workload.clone();
        let on_change =
            Closure::<dyn FnMut()>::new(move || numbers.set_hidden(workload.value() != "custom"));
        self.workload
            .set_onchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
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
        self.numbers.set_disabled(running);
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
        let count = |n: usize| JsValue::from(n as u32);
        object(&[
            ("workers", count(active.run.workers)),
            ("up", count(timeline.started.iter().flatten().count())),
            ("taken", count(active.run.taken())),
            ("checked", count(timeline.rows.len())),
            ("cancelled", count(timeline.cancelled.len())),
            (
                "stopped",
                active.stopped.map_or(JsValue::NULL, |p| p.key().into()),
            ),
        ])
        .into()
    }

    pub fn output_error(&self, message: &str) {
        self.output.say(message, "error");
    }

    fn request_from_controls(
        &self,
        mode: Mode,
        calibration: &Result<Calibration, String>,
    ) -> Result<PoolRequest, String> {
        let workers = self.workers.value();
        let workers = workers.trim().parse::<usize>().map_err(|_| {
            format!(
                "workers must be a whole number from 1 to {}, not {workers:?}",
                self.max_workers
            )
        })?;
        let numbers = match self.workload.value().as_str() {
            "custom" => parse_number_list(&self.numbers.value())?,
            "calibrated" => calibrated_numbers(calibration)?,
            _ => NUMBERS.to_vec(),
        };
        let race_delay_ms = if self.race.checked() && self.race_delay.checked() {
            reader_sleep_ms(calibration)
        } else {
            0
        };
        check_request(
            mode,
            workers,
            numbers,
            self.max_workers,
            self.race.checked(),
            race_delay_ms,
        )
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

    /// The sweep's figures as a table: the chart's text alternative.
    fn fill_sweep_table(&self, sequential_ms: f64, points: &[(usize, Summary)]) {
        let _ = self.sweep_table.remove_attribute("hidden");
        let mut html = String::from(
            "<caption>The sweep, as a table (medians over the rounds, with the fastest and slowest)</caption>\
             <thead><tr><th>workers</th><th>total</th><th>speed-up</th><th>min–max</th><th>rounds</th></tr></thead><tbody>",
        );
        html.push_str(&format!(
            "<tr><td>sequential</td><td>{:.2} s</td><td>1.00×</td><td></td><td></td></tr>",
            sequential_ms / 1000.0
        ));
        for (workers, s) in points {
            html.push_str(&format!(
                "<tr data-workers=\"{workers}\"><td>{workers}</td><td>{:.2} s</td><td>{:.2}×</td>\
                 <td>{:.2}–{:.2} s</td><td>{}</td></tr>",
                s.median / 1000.0,
                sequential_ms / s.median,
                s.min / 1000.0,
                s.max / 1000.0,
                s.runs
            ));
        }
        html.push_str("</tbody>");
        self.sweep_table.set_inner_html(&html);
    }

    fn draw_sweep(&self, mode: Mode, sequential_ms: f64, points: &[(usize, Summary)]) {
        self.sweep_canvas.set_hidden(false);
        self.fill_sweep_table(sequential_ms, points);
        let Ok(Some(context)) = self.sweep_canvas.get_context("2d") else {
            return;
        };
        let ctx: CanvasRenderingContext2d = context.unchecked_into();
        draw_sweep(
            &ctx,
            mode,
            sequential_ms,
            points,
            f64::from(self.sweep_canvas.width()),
            f64::from(self.sweep_canvas.height()),
            self.scale,
        );
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
/// A labelled checkbox `[data-role=role]`, appended to `into`.
fn checkbox(
    doc: &Document,
    into: &Element,
    role: &str,
    text: &str,
) -> Result<HtmlInputElement, JsValue> {
    let input: HtmlInputElement = doc.create_element("input")?.unchecked_into();
    input.set_type("checkbox");
    input.set_attribute("data-role", role)?;
    let label = element(doc, "label", "radio", "")?;
    label.append_child(&input)?;
    label.append_child(&doc.create_text_node(text))?;
    into.append_child(&label)?;
    Ok(input)
}

fn runs_without_threads(mode: Mode) -> bool {
    matches!(mode, Mode::Sequential | Mode::Processes)
}

fn on_click(button: &HtmlButtonElement, f: impl FnMut() + 'static) {
    let handler = Closure::<dyn FnMut()>::new(f);
    button.set_onclick(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
}

fn check_request(
    mode: Mode,
    workers: usize,
    numbers: Vec<u64>,
    max_workers: usize,
    racy: bool,
    race_delay_ms: u32,
) -> Result<PoolRequest, String> {
    if race_delay_ms > 0 && !racy {
        return Err("raceDelayMs is only used with race: true".into());
    }
    if racy && mode == Mode::Rayon {
        return Err(
            "the race needs a job queue: rayon has none (it splits the numbers up front)".into(),
        );
    }
    let workers = if mode == Mode::Sequential { 1 } else { workers };
    if workers == 0 || workers > max_workers {
        return Err(format!(
            "workers must be from 1 to {max_workers} (the pool's size here), not {workers}"
        ));
    }
    if numbers.is_empty() {
        return Err("no numbers to check".into());
    }
    Ok(PoolRequest {
        mode,
        workers,
        numbers,
        racy,
        race_delay_ms,
    })
}

/// The reader's `sleep(1)`, scaled to this machine: one second of the
/// book's CPython (5000111000222021 took it 3.3 s, 35355731 divisions)
/// as long as the same divisions take here.
pub fn reader_sleep_ms(calibration: &Result<Calibration, String>) -> u32 {
    let rate = calibration.as_ref().map_or(435e6, |c| c.divisions_per_sec);
    (1000.0 * (35_355_731.0 / 3.3) / rate).round().max(1.0) as u32
}

/// How long the calibrated fixture's sequential run should take.
const CALIBRATED_FIXTURE_SECS: f64 = 20.0;

/// The calibrated fixture's numbers, from this machine's division rate.
fn calibrated_numbers(calibration: &Result<Calibration, String>) -> Result<Vec<u64>, String> {
    let c = calibration
        .as_ref()
        .map_err(|reason| format!("no calibrated fixture: {reason}"))?;
    Ok(
        calibrated_fixture(c.divisions_per_sec, CALIBRATED_FIXTURE_SECS)
            .into_iter()
            .map(|(n, _)| n)
            .collect(),
    )
}

/// Reads `{ mode, workers, numbers, workload, race }`.
pub fn pool_options(
    options: &JsValue,
    max_workers: usize,
    calibration: &Result<Calibration, String>,
) -> Result<PoolRequest, String> {
    let options = Options::read(
        options,
        "runPool",
        &[
            "mode",
            "workers",
            "numbers",
            "workload",
            "race",
            "raceDelayMs",
        ],
    )?;
    if options.is_empty() {
        return Err("runPool needs options: { mode, workers?, numbers? }".into());
    }
    let get = |key: &str| options.get(key);
    let keys: Vec<&str> = Mode::ALL.iter().map(|m| m.key()).collect();
    let mode = key_option(
        &get("mode"),
        "mode",
        &format!("one of {}", keys.join(", ")),
        Mode::parse,
    )?;
    let workers =
        whole_number_option(&get("workers"), "workers", 1, max_workers)?.unwrap_or(max_workers);
    let numbers_value = get("numbers");
    let workload = get("workload");
    let numbers = if numbers_value.is_undefined() {
        match workload.as_string().as_deref() {
            None if workload.is_undefined() => NUMBERS.to_vec(),
            Some("book") => NUMBERS.to_vec(),
            Some("calibrated") => calibrated_numbers(calibration)?,
            _ => {
                return Err(format!(
                    "workload must be \"book\" or \"calibrated\", not {}",
                    describe(&workload)
                ));
            }
        }
    } else if !workload.is_undefined() {
        return Err("give numbers or a workload, not both".into());
    } else {
        let list = numbers_value.dyn_into::<Array>().map_err(|v| {
            format!(
                "numbers must be an array of decimal strings, not {}",
                describe(&v)
            )
        })?;
        if list.length() == 0 {
            return Err("numbers is empty: give at least one number".into());
        }
        if list.length() as usize > MAX_NUMBERS {
            return Err(format!(
                "numbers has {} entries: a run takes at most {MAX_NUMBERS}",
                list.length()
            ));
        }
        let mut numbers = Vec::with_capacity(list.length() as usize);
        for (i, value) in list.iter().enumerate() {
            let text = number_option(&value, &format!("numbers[{i}]"))?
                .ok_or_else(|| format!("numbers[{i}] is missing"))?;
            numbers.push(parse_number(&text).map_err(|e| format!("numbers[{i}]: {e}"))?);
        }
        numbers
    };
    let race = get("race");
    let racy = match race.as_bool() {
        Some(b) => b,
        None if race.is_undefined() => false,
        None => {
            return Err(format!(
                "race must be true or false, not {}",
                describe(&race)
            ));
        }
    };
    let race_delay_ms =
        whole_number_option(&get("raceDelayMs"), "raceDelayMs", 0, 10_000)?.unwrap_or(0) as u32;
    check_request(mode, workers, numbers, max_workers, racy, race_delay_ms)
}

/// A run whose primes were checked at under half the calibrated division
/// rate gets a line saying so. Measured in Chromium: a fresh process now and
/// then runs its checking loop unoptimised (V8's baseline tier) for a whole
/// run, 4-5× slower; a learner should not take that for the cost of
/// processes. See docs/platform-truths.md.
fn slow_run_note(rows: &[Row], calibration: &Result<Calibration, String>) -> Option<String> {
    let rate = calibration.as_ref().ok()?.divisions_per_sec;
    let primes: Vec<(u64, f64)> = rows
        .iter()
        .filter(|r| r.result.prime)
        .map(|r| (r.result.n, r.result.elapsed))
        .collect();
    let share = speed_share(&primes, rate)?;
    (share < 0.5).then(|| {
        format!(
            "# note: the primes here were checked at {:.0}% of this machine's calibrated speed: the wasm engine ran \
             unoptimised code in these workers (it happens to a fresh process now and then; run again)",
            share * 100.0
        )
    })
}

/// Runs `run` (not started until awaited) as the page's one run at a time;
/// errors, a busy page included, are shown in the pool lab and returned.
async fn exclusive(
    app: &PoolLab,
    run: impl std::future::Future<Output = Result<JsValue, String>>,
) -> Result<JsValue, String> {
    let outcome = match app.begin() {
        Ok(_running) => run.await,
        Err(busy) => Err(busy),
    };
    if let Err(message) = &outcome {
        app.pool_lab.output.say(message, "error");
    }
    outcome
}

/// One pool run. Errors are shown on the page and returned.
pub async fn run_pool(app: &Rc<PoolLab>, request: PoolRequest) -> Result<JsValue, String> {
    exclusive(app, pool_run(app, request)).await
}

async fn pool_run(app: &Rc<PoolLab>, request: PoolRequest) -> Result<JsValue, String> {
    let view = &app.pool_lab;
    let PoolRequest {
        mode,
        workers,
        numbers,
        racy,
        race_delay_ms,
    } = request;
    // A panicked thread takes the pool out of use (see `panics`); sequential
    // then runs in a process, as it does on a page without threads.
    let broken = crate::runtime::panics::broken();
    let pool = app.pool.as_ref().filter(|_| broken.is_none());
    if pool.is_none() && !runs_without_threads(mode) {
        return Err(match broken {
            Some(message) => crate::runtime::panics::explain(&message),
            None => format!(
                "The {} mode needs wasm threads, which this browser does not give this page: \
                 see the capabilities above (sequential and processes run without them).",
                mode.key()
            ),
        });
    }
    for (m, button) in &view.modes {
        let _ = button.set_attribute("aria-pressed", if *m == mode { "true" } else { "false" });
    }
    view.table.set_inner_html("<thead><tr><th>n</th><th>P</th><th>elapsed</th><th>worker</th></tr></thead><tbody></tbody>");
    let header = mode.header(numbers.len(), workers);
    let mut transcript = vec![header.clone()];
    view.output
        .append_transcript(&[format!("# {}: {} workers", mode.key(), workers), header]);
    if racy {
        let line = format!(
            "# the early procs.py: the same workers and pills; its report loop breaks as soon as \
             the job queue is empty{}",
            if race_delay_ms > 0 {
                format!(
                    ", after a pause of {race_delay_ms} ms before each look (the reader's sleep(1), scaled)"
                )
            } else {
                String::new()
            }
        );
        view.output.append_transcript(std::slice::from_ref(&line));
        transcript.push(line);
    }
    let rate = app.divisions_per_sec();
    if let Some(note) = numbers.iter().find_map(|&n| slow_check_note(n, rate)) {
        let line = format!("# note: {note}");
        view.output.append_transcript(std::slice::from_ref(&line));
        transcript.push(line);
    }
    view.output
        .say(&format!("Checking {} numbers…", numbers.len()), "running");
    let total = numbers.len();
    view.show_progress(0, total);
    *view.timeline.borrow_mut() = Timeline {
        started: vec![None; workers.max(app.pool.as_ref().map_or(1, |p| p.size()))],
        busy_since: vec![None; workers.max(app.pool.as_ref().map_or(1, |p| p.size()))],
        live_until: Some(0.0),
        ..Timeline::default()
    };
    next_paint().await;

    let numbers: Arc<[u64]> = numbers.into();
    view.code.show(&code::pool_listing(mode, racy));
    crate::runtime::steps::step("start");
    crate::runtime::monitor::begin_gap();
    let since = crate::runtime::panics::seen();
    let (run, mut messages) = pool::start(mode, workers, Arc::clone(&numbers), pool)?;
    let (started_at, lanes) = (run.started_at, run.workers);
    if let Some(note) = run.queue_note() {
        let line = format!("# note: {note}");
        view.output.append_transcript(std::slice::from_ref(&line));
        transcript.push(line);
    }
    *view.active.borrow_mut() = Some(Active {
        run,
        stopped: None,
        never_started: Vec::new(),
        finished: Vec::new(),
    });
    view.set_running(true, app.pool.is_some());
    // Redraw the growing bars while the run lasts.
    let redraw = {
        let app = Rc::clone(app);
        gloo_timers::callback::Interval::new(100, move || {
            app.pool_lab.timeline.borrow_mut().live_until = Some(epoch_ms() - started_at);
            app.pool_lab.draw_timeline();
        })
    };

    let mut report = Report::new(lanes);
    let tbody = view.table.query_selector("tbody").ok().flatten();
    let mut racy_ended = false;
    // When the early loop broke: its `Total time`.
    let mut racy_ended_at = None;
    let mut late: Vec<u64> = Vec::new();
    // A panicked thread never says done: stop waiting, and say why.
    while let Some(message) = match crate::runtime::panics::guarded(
        since,
        poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut messages), cx)),
    )
    .await
    {
        Ok(message) => message,
        Err(reason) => {
            drop(redraw);
            view.active.borrow_mut().take();
            view.set_running(true, false);
            return Err(reason);
        }
    } {
        let more = report.take(&message);
        if racy_ended {
            // The racy program has stopped listening: what still arrives is
            // lost to it. The page waits for the workers anyway, so that
            // nothing is left running.
            if let Message::Result { result, .. } = message {
                late.push(result.n);
            }
            if !more {
                break;
            }
            continue;
        }
        // The timeline's borrow ends before the early loop's pause below.
        {
            let mut timeline = view.timeline.borrow_mut();
            let rel = |t: f64| t - started_at;
            match message {
                Message::Started { worker, at_ms } => {
                    // A worker is up: from now on the workers loop and the
                    // report loop waits for their results.
                    crate::runtime::steps::step("work report");
                    if let Some(slot) = timeline.started.get_mut(worker) {
                        *slot = Some(rel(at_ms));
                    }
                    if let Some(slot) = timeline.busy_since.get_mut(worker) {
                        *slot = Some(rel(at_ms));
                    }
                }
                Message::Result {
                    result,
                    worker,
                    start_ms,
                    end_ms,
                } => {
                    view.show_progress(report.checked, total);
                    let row = Row {
                        result,
                        worker,
                        start_ms: rel(start_ms),
                        end_ms: rel(end_ms),
                    };
                    timeline.rows.push(row);
                    if let Some(slot) = timeline.busy_since.get_mut(worker) {
                        *slot = Some(row.end_ms);
                    }
                    let line = mode.row(&result);
                    transcript.push(line.clone());
                    view.output.append_transcript(&[line]);
                    if let Some(tbody) = &tbody {
                        append_row(tbody, &row, mode);
                    }
                }
                Message::Cancelled { n, worker } => {
                    let at = epoch_ms() - started_at;
                    timeline.cancelled.push((n, worker, at));
                    // Not something Python's program prints: the page's note.
                    let line = format!("# {n} cancelled (worker {})", worker + 1);
                    transcript.push(line.clone());
                    view.output.append_transcript(&[line]);
                }
                Message::Failed { worker } => {
                    let reason =
                        pool::failure_of(worker).unwrap_or_else(|| "no reason given".into());
                    let line = format!("# worker {} failed: {reason}", worker + 1);
                    transcript.push(line.clone());
                    view.output.append_transcript(&[line]);
                    if let Some(slot) = timeline.busy_since.get_mut(worker) {
                        *slot = None;
                    }
                }
                Message::Done { worker } => {
                    if let Some(slot) = timeline.busy_since.get_mut(worker) {
                        *slot = None;
                    }
                }
            }
        }
        if !more {
            break;
        }
        // The early procs.py: after each result, (the reader's sleep, then)
        // `if jobs.empty(): break`.
        if racy && race_delay_ms > 0 && matches!(message, Message::Result { .. }) {
            gloo_timers::future::TimeoutFuture::new(race_delay_ms).await;
        }
        if racy
            && early_loop_ends(&message, || {
                view.active
                    .borrow()
                    .as_ref()
                    .is_some_and(|a| a.run.jobs_empty())
            })
        {
            racy_ended = true;
            racy_ended_at = Some(epoch_ms());
            let line =
                "# the racy report loop saw the job queue empty and stopped listening".to_string();
            transcript.push(line.clone());
            view.output.append_transcript(&[line]);
        }
    }
    drop(redraw);
    crate::runtime::steps::step(if mode == Mode::Sequential { "done" } else { "" });
    let total_ms = epoch_ms() - started_at;
    let gap_ms = crate::runtime::monitor::end_gap();
    let active = view.active.borrow_mut().take().expect("the run is active");
    let gil_handovers = active.run.gil_handovers();
    let stopped = active.stopped;
    for waiter in active.finished {
        let _ = waiter.send(());
    }
    drop(active.run); // ends any process left
    {
        let mut timeline = view.timeline.borrow_mut();
        timeline.live_until = None;
        timeline.busy_since.iter_mut().for_each(|b| *b = None);
    }
    view.draw_timeline();

    let timeline = view.timeline.borrow();
    let reported: HashSet<u64> = timeline
        .rows
        .iter()
        .map(|r| r.result.n)
        .chain(timeline.cancelled.iter().map(|c| c.0))
        .collect();
    let never: HashSet<u64> = active.never_started.iter().copied().collect();
    let unreported: Vec<u64> = numbers
        .iter()
        .copied()
        .filter(|n| !reported.contains(n))
        .collect();
    let (not_started, lost): (Vec<u64>, Vec<u64>) = unreported.into_iter().partition(|n| {
        never.contains(n)
            || (mode == Mode::Rayon && stopped.is_some())
            || stopped == Some(StopPolicy::PoisonPill)
    });
    let reported_checks = report.checked - late.len();
    let footer = if racy {
        // The early procs.py's last line, timed when its loop broke.
        let secs = (racy_ended_at.unwrap_or(started_at + total_ms) - started_at) / 1000.0;
        format!("Total time: {secs:.2}s")
    } else {
        mode.footer(reported_checks, total_ms / 1000.0)
    };
    let mut lines = vec![footer];
    if racy {
        lines.push(if !racy_ended {
            "# race: the early loop read every result before the job queue was empty, so it asked \
             for one more: Python would wait in results.get() forever (the page stopped when every \
             worker was done); run it again"
                .to_string()
        } else if late.is_empty() {
            "# race: this time no result arrived after the loop had stopped (run it again)"
                .to_string()
        } else {
            format!(
                "# race: {} arrived after the report loop had stopped and {} lost: {}",
                if late.len() == 1 {
                    "1 result".to_string()
                } else {
                    format!("{} results", late.len())
                },
                if late.len() == 1 { "was" } else { "were" },
                late.iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    if let Some(policy) = stopped {
        lines.push(format!(
            "# stopped by {}: {} checked, {} cancelled, {} never started, {} lost in flight{}",
            policy.key(),
            report.checked,
            timeline.cancelled.len(),
            not_started.len(),
            lost.len(),
            if lost.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    lost.iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
    if let Some(note) = slow_run_note(&timeline.rows, &app.calibration) {
        lines.push(note);
    }
    let startup = timeline
        .started
        .iter()
        .flatten()
        .fold(0.0f64, |a, &b| a.max(b));
    lines.push(format!(
        "# workers were up after {startup:.0} ms; the main thread's longest gap meanwhile: {gap_ms:.0} ms"
    ));
    view.output.append_transcript(&lines);
    transcript.extend(lines);
    view.output.say(
        &match stopped {
            None => format!(
                "{} checks in {:.2} s with {} {}.",
                report.checked,
                total_ms / 1000.0,
                lanes,
                mode.key()
            ),
            Some(policy) => format!(
                "Stopped by {}: {} of {} numbers checked.",
                policy.key(),
                report.checked,
                numbers.len()
            ),
        },
        "done",
    );

    let results = Array::new();
    for row in &timeline.rows {
        results.push(&object(&[
            ("n", row.result.n.to_string().into()),
            ("prime", row.result.prime.into()),
            ("elapsedMs", (row.result.elapsed * 1000.0).into()),
            ("worker", ((row.worker + 1) as u32).into()),
            ("startMs", row.start_ms.into()),
            ("endMs", row.end_ms.into()),
        ]));
    }
    let to_strings = |list: &[u64]| {
        list.iter()
            .map(|n| JsValue::from(n.to_string()))
            .collect::<Array>()
    };
    let cancelled: Vec<u64> = timeline.cancelled.iter().map(|c| c.0).collect();
    let [transcript, notes] = transcript_and_notes(&transcript);
    let report_js: JsValue = object(&[
        ("mode", mode.key().into()),
        ("workers", (lanes as u32).into()),
        ("checked", (reported_checks as u32).into()),
        ("totalMs", total_ms.into()),
        ("startupMs", startup.into()),
        ("mainThreadMaxGapMs", gap_ms.into()),
        ("stopped", stopped.map_or(JsValue::NULL, |p| p.key().into())),
        ("results", results.into()),
        ("cancelled", to_strings(&cancelled).into()),
        ("lost", to_strings(&lost).into()),
        ("race", racy.into()),
        ("lostToRace", to_strings(&late).into()),
        ("notStarted", to_strings(&not_started).into()),
        (
            "gilHandovers",
            gil_handovers.map_or(JsValue::NULL, |h| (h as f64).into()),
        ),
        transcript,
        notes,
    ])
    .into();
    drop(timeline);
    dispatch_report(&report_js);
    Ok(report_js)
}

fn append_row(tbody: &Element, row: &Row, mode: Mode) {
    let Some(doc) = tbody.owner_document() else {
        return;
    };
    let Ok(tr) = doc.create_element("tr") else {
        return;
    };
    let _ = tr.set_attribute("data-n", &row.result.n.to_string());
    let _ = tr.set_attribute(
        "data-prime",
        if row.result.prime { "true" } else { "false" },
    );
    for (text, class) in [
        (format!("{:16}", row.result.n), "n"),
        ((if row.result.prime { "P" } else { "" }).to_string(), "p"),
        (format!("{:9.6}s", row.result.elapsed), "t"),
        (
            if mode == Mode::Sequential {
                "1".into()
            } else {
                format!("{}", row.worker + 1)
            },
            "w",
        ),
    ] {
        if let Ok(td) = element(&doc, "td", class, &text) {
            let _ = tr.append_child(&td);
        }
    }
    let _ = tbody.append_child(&tr);
}

/// The book's `run_procs.sh`: `mode` for N = 1..=`to` workers on the
/// book's fixture, after a sequential run for reference, `rounds` times
/// (the author ran 13 rounds and took medians).
pub async fn run_sweep(
    app: &Rc<PoolLab>,
    mode: Mode,
    to: usize,
    rounds: usize,
) -> Result<JsValue, String> {
    let outcome = exclusive(app, sweep(app, mode, to, rounds)).await;
    app.pool_lab.sweep_at.set(None);
    outcome
}

/// One worker count's totals over the rounds, and their summary.
fn sweep_points(totals: &[(usize, Vec<f64>)]) -> Vec<(usize, Summary)> {
    totals
        .iter()
        .filter_map(|(workers, ms)| Summary::of(ms).map(|s| (*workers, s)))
        .collect()
}

async fn sweep(app: &Rc<PoolLab>, mode: Mode, to: usize, rounds: usize) -> Result<JsValue, String> {
    if matches!(mode, Mode::Sequential | Mode::Rayon) {
        return Err(format!(
            "a sweep varies the number of workers: {} has no such choice",
            mode.key()
        ));
    }
    if app.pool.is_none() && !runs_without_threads(mode) {
        return Err(format!(
            "a sweep of {} needs wasm threads, which this browser does not give this page: \
             a sweep of processes runs without them",
            mode.key()
        ));
    }
    if to == 0 || to > SWEEP_MAX {
        return Err(format!(
            "a sweep goes up to 1..{SWEEP_MAX} workers, not {to}"
        ));
    }
    if rounds == 0 || rounds > SWEEP_ROUNDS_MAX {
        return Err(format!(
            "a sweep takes 1..{SWEEP_ROUNDS_MAX} rounds, not {rounds}"
        ));
    }
    let total_of = |report: &JsValue| {
        Reflect::get(report, &"totalMs".into())
            .ok()
            .and_then(|v| v.as_f64())
    };
    let stopped =
        |report: &JsValue| Reflect::get(report, &"stopped".into()).is_ok_and(|v| !v.is_null());
    let view = &app.pool_lab;
    let runs = rounds * (to + 1);
    let mut sequential: Vec<f64> = Vec::new();
    let mut totals: Vec<(usize, Vec<f64>)> = (1..=to).map(|w| (w, Vec::new())).collect();
    let mut was_stopped = false;
    'rounds: for round in 0..rounds {
        let request = |mode, workers| PoolRequest {
            mode,
            workers,
            numbers: NUMBERS.to_vec(),
            racy: false,
            race_delay_ms: 0,
        };
        view.sweep_at.set(Some((round * (to + 1) + 1, runs)));
        let report = pool_run(app, request(Mode::Sequential, 1)).await?;
        if stopped(&report) {
            was_stopped = true;
            break;
        }
        sequential.push(total_of(&report).unwrap_or(f64::NAN));
        for workers in 1..=to {
            view.sweep_at
                .set(Some((round * (to + 1) + workers + 1, runs)));
            view.output.say(
                &format!(
                    "Sweep: round {} of {rounds}, {} with {workers} of {to} workers…",
                    round + 1,
                    mode.key()
                ),
                "running",
            );
            let report = pool_run(app, request(mode, workers)).await?;
            if stopped(&report) {
                was_stopped = true;
                break 'rounds;
            }
            totals[workers - 1]
                .1
                .push(total_of(&report).unwrap_or(f64::NAN));
            let sequential_ms = Summary::of(&sequential).map_or(f64::NAN, |s| s.median);
            view.draw_sweep(mode, sequential_ms, &sweep_points(&totals));
        }
    }
    if was_stopped {
        view.output.say("Sweep stopped.", "done");
    }
    let sequential_ms = Summary::of(&sequential).map_or(f64::NAN, |s| s.median);
    let points = sweep_points(&totals);
    let best = points
        .iter()
        .map(|(w, s)| (*w, s.median))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let list = Array::new();
    for (workers, ms) in &totals {
        let Some(summary) = Summary::of(ms) else {
            continue;
        };
        let each = Array::new();
        for total in ms {
            each.push(&(*total).into());
        }
        list.push(&object(&[
            ("workers", (*workers as u32).into()),
            ("totalMs", summary.median.into()),
            ("totalsMs", each.into()),
            ("medianMs", summary.median.into()),
            ("minMs", summary.min.into()),
            ("maxMs", summary.max.into()),
        ]));
    }
    let of_rounds = if rounds == 1 {
        String::new()
    } else {
        format!(", medians of {rounds} rounds")
    };
    let line = match best {
        Some((w, t)) => format!(
            "# sweep of {}: best with {w} workers, {:.2}s (sequential {:.2}s){of_rounds}",
            mode.key(),
            t / 1000.0,
            sequential_ms / 1000.0
        ),
        None => format!("# sweep of {}: stopped before any point", mode.key()),
    };
    view.output.append_transcript(std::slice::from_ref(&line));
    if let Some((w, t)) = best {
        view.output.say(
            &format!(
                "Sweep done: best with {w} workers ({:.2} s; sequential {:.2} s){of_rounds}.",
                t / 1000.0,
                sequential_ms / 1000.0
            ),
            "done",
        );
    }
    let [transcript, notes] = transcript_and_notes(std::slice::from_ref(&line));
    let report: JsValue = object(&[
        ("experiment", "sweep".into()),
        ("mode", mode.key().into()),
        ("rounds", (rounds as u32).into()),
        ("sequentialMs", sequential_ms.into()),
        ("points", list.into()),
        (
            "best",
            best.map_or(JsValue::NULL, |(w, t)| {
                object(&[("workers", (w as u32).into()), ("totalMs", t.into())]).into()
            }),
        ),
        transcript,
        notes,
    ])
    .into();
    dispatch_report(&report);
    Ok(report)
}

/// Reads `runSweep`'s `{ mode, to?, rounds? }` (`to`: 1..20, default the
/// pool's size; `rounds`: 1..13, default 1).
pub fn sweep_options(
    options: &JsValue,
    max_workers: usize,
) -> Result<(Mode, usize, usize), String> {
    let options = Options::read(options, "runSweep", &["mode", "to", "rounds"])?;
    let get = |key: &str| options.get(key);
    let mode = key_option(
        &get("mode"),
        "mode",
        r#""processes", "threads" or "threads-gil""#,
        |s| {
            Mode::parse(s)
                .filter(|m| matches!(m, Mode::Processes | Mode::Threads | Mode::ThreadsGil))
        },
    )?;
    let to = whole_number_option(&get("to"), "to", 1, SWEEP_MAX)?.unwrap_or(max_workers);
    let rounds = whole_number_option(&get("rounds"), "rounds", 1, SWEEP_ROUNDS_MAX)?.unwrap_or(1);
    Ok((mode, to, rounds))
}

/// `spinlab.runSplit({ n, parts })`: one number split across the pool.
pub async fn run_split(
    app: &Rc<PoolLab>,
    n: Option<String>,
    parts: Option<usize>,
) -> Result<JsValue, String> {
    exclusive(app, split(app, n, parts)).await
}

async fn split(
    app: &Rc<PoolLab>,
    n: Option<String>,
    parts: Option<usize>,
) -> Result<JsValue, String> {
    let view = &app.pool_lab;
    let pool = app
        .pool
        .as_ref()
        .ok_or("splitting a number needs the thread pool, which this browser does not have")?;
    let n = match n {
        Some(text) => parse_number(&text).map_err(|e| format!("Cannot check: {e}."))?,
        None => app
            .calibration
            .as_ref()
            .map_or(crate::primes::BOOK_PRIME, |c| c.prime),
    };
    // One part, then one per pool thread: the speed-up of data parallelism.
    let runs: Vec<usize> = match parts {
        Some(parts) => vec![parts],
        None => vec![1, pool.size()],
    };
    let mut lines = vec![format!(
        "# rayon: is_prime({n}) split into ranges of divisors, run in parallel"
    )];
    let mut results = Vec::new();
    for parts in runs {
        view.output.say(
            &format!("Checking {n} in {parts} part(s) on the pool…"),
            "running",
        );
        next_paint().await;
        let result = pool.run(move || pool::split_check(n, parts)).await?;
        lines.push(format!(
            "{}   ({parts} part{})",
            Mode::Rayon.row(&result),
            if parts == 1 { "" } else { "s" }
        ));
        results.push((parts, result));
    }
    if let [(1, one), (parts, many)] = results[..] {
        lines.push(format!(
            "# {parts} parts: {:.2}x the speed of one",
            one.elapsed / many.elapsed.max(1e-9)
        ));
    }
    view.output.append_transcript(&lines);
    let (parts, last) = *results.last().expect("at least one run");
    view.output.say(
        &format!(
            "{}: {:.2} s in {parts} part(s).",
            crate::spinner::answer_line(Some((n, last.prime))),
            last.elapsed
        ),
        "done",
    );
    let runs = Array::new();
    for (parts, r) in &results {
        runs.push(&object(&[
            ("parts", (*parts as u32).into()),
            ("elapsedMs", (r.elapsed * 1000.0).into()),
        ]));
    }
    let [transcript, notes] = transcript_and_notes(&lines);
    let report: JsValue = object(&[
        ("experiment", "split".into()),
        ("n", n.to_string().into()),
        ("prime", last.prime.into()),
        ("runs", runs.into()),
        transcript,
        notes,
    ])
    .into();
    dispatch_report(&report);
    Ok(report)
}

/// Reads `runSplit`'s `{ n?, parts? }` (`parts`: 1..64; absent: 1, then the pool's size).
pub fn split_options(options: &JsValue) -> Result<(Option<String>, Option<usize>), String> {
    let options = Options::read(options, "runSplit", &["n", "parts"])?;
    let get = |key: &str| options.get(key);
    let n = number_option(&get("n"), "n")?;
    let parts = whole_number_option(&get("parts"), "parts", 1, 64)?;
    Ok((n, parts))
}

/// The book's sweep went to 20 workers; so may this one.
pub const SWEEP_MAX: usize = 20;

/// The most rounds a sweep repeats: the author's `log-procs.txt` has 13.
pub const SWEEP_ROUNDS_MAX: usize = 13;

/// `spinlab.cancelPool(policy)`: stops the run, resolves once it has stopped.
pub async fn cancel_pool(app: &PoolLab, policy: StopPolicy) -> Result<JsValue, String> {
    let view = &app.pool_lab;
    let (note, finished) = {
        let mut active = view.active.borrow_mut();
        let Some(active) = active.as_mut() else {
            let message = "No pool run is in progress: nothing to stop.".to_string();
            view.output.say(&message, "error");
            return Err(message);
        };
        if let Some(already) = active.stopped {
            let message = format!("This run is already being stopped ({}).", already.key());
            return Err(message);
        }
        active.stopped = Some(policy);
        let info = active.run.stop(policy);
        active.never_started = info.never_started;
        let (tx, rx) = oneshot::channel();
        active.finished.push(tx);
        (info.note, rx)
    };
    view.output.say(&note, "running");
    view.output.append_transcript(&[format!("# {note}")]);
    let _ = finished.await;
    Ok(object(&[("stopped", policy.key().into()), ("note", note.into())]).into())
}

/// Reads `cancelPool`'s policy.
pub fn stop_option(value: &JsValue) -> Result<StopPolicy, String> {
    value
        .as_string()
        .and_then(|s| StopPolicy::parse(&s))
        .ok_or_else(|| {
            format!(
                "policy must be \"poison-pill\", \"cancel-flag\" or \"terminate\", not {}",
                describe(value)
            )
        })
}

fn draw_timeline(ctx: &CanvasRenderingContext2d, t: &Timeline, width: f64, height: f64, s: f64) {
    let paper = css_var("--term-paper", "#15171c");
    let ink = css_var("--term-ink", "#e9ecef");
    ctx.set_fill_style_str(&paper);
    ctx.fill_rect(0.0, 0.0, width, height);
    let lanes = t.started.len().max(1);
    let end = t
        .rows
        .iter()
        .map(|r| r.end_ms)
        .chain(t.live_until)
        .chain(t.cancelled.iter().map(|c| c.2))
        .fold(1.0f64, f64::max);
    let left = 64.0 * s;
    let top = 8.0 * s;
    let axis = 20.0 * s;
    let lane_h = (height - top - axis) / lanes as f64;
    let x = |ms: f64| left + (width - left - 8.0 * s) * (ms / end).clamp(0.0, 1.0);
    ctx.set_font(&format!("{}px system-ui, sans-serif", 11.0 * s));
    for lane in 0..lanes {
        let y = top + lane as f64 * lane_h;
        ctx.set_fill_style_str(&ink);
        ctx.set_global_alpha(0.7);
        let _ = ctx.fill_text(&format!("worker {}", lane + 1), 6.0 * s, y + lane_h * 0.6);
        ctx.set_global_alpha(1.0);
        if let Some(up) = t.started[lane] {
            ctx.set_fill_style_str("#868e96");
            ctx.set_global_alpha(0.5);
            ctx.fill_rect(
                x(0.0),
                y + lane_h * 0.35,
                (x(up) - x(0.0)).max(1.0),
                lane_h * 0.3,
            );
            ctx.set_global_alpha(1.0);
        }
        if let (Some(since), Some(now)) = (t.busy_since[lane], t.live_until) {
            ctx.set_fill_style_str(&ink);
            ctx.set_global_alpha(0.25);
            ctx.fill_rect(
                x(since),
                y + lane_h * 0.15,
                (x(now) - x(since)).max(1.0),
                lane_h * 0.7,
            );
            ctx.set_global_alpha(1.0);
        }
    }
    for row in &t.rows {
        let y = top + row.worker.min(lanes - 1) as f64 * lane_h;
        ctx.set_fill_style_str(if row.result.prime {
            "#4dabf7"
        } else {
            "#a5d8ff"
        });
        ctx.set_global_alpha(if row.result.prime { 1.0 } else { 0.55 });
        ctx.fill_rect(
            x(row.start_ms),
            y + lane_h * 0.15,
            (x(row.end_ms) - x(row.start_ms)).max(1.5 * s),
            lane_h * 0.7,
        );
        ctx.set_global_alpha(1.0);
        ctx.set_stroke_style_str(&paper);
        ctx.stroke_rect(
            x(row.start_ms),
            y + lane_h * 0.15,
            (x(row.end_ms) - x(row.start_ms)).max(1.5 * s),
            lane_h * 0.7,
        );
    }
    for &(_, worker, at) in &t.cancelled {
        let y = top + worker.min(lanes - 1) as f64 * lane_h;
        ctx.set_fill_style_str("#e03131");
        ctx.fill_rect(x(at) - 2.0 * s, y + lane_h * 0.1, 4.0 * s, lane_h * 0.8);
    }
    // The time axis.
    ctx.set_fill_style_str(&ink);
    ctx.set_global_alpha(0.7);
    let step = nice_step(end / 6.0);
    let mut tick = 0.0;
    while tick <= end {
        let label = if step >= 1000.0 {
            format!("{:.0} s", tick / 1000.0)
        } else {
            format!("{:.1} s", tick / 1000.0)
        };
        let _ = ctx.fill_text(&label, x(tick) - 8.0 * s, height - 5.0 * s);
        ctx.fill_rect(x(tick), height - axis, 1.0, 4.0 * s);
        tick += step;
    }
    ctx.set_global_alpha(1.0);
}

/// A reader's run from the chapter notes (`procs = cpu_count() - 4`: 8
/// workers, on the reader's machine), for the plot's shape: not the book's.
const READER_SEQUENTIAL_S: f64 = 26.91;
const READER_PROCESSES_8_S: f64 = 6.51;
const READER_THREADS_8_S: f64 = 23.45;

/// The author's machine: `19-concurrency/primes/log-procs.txt` in the book's
/// repository, 13 rounds of `run_procs.sh`, the median for N = 1..20
/// processes, in seconds (best at 6).
const AUTHOR_PROCS_MEDIANS_S: [f64; 20] = [
    40.81, 22.79, 15.88, 13.21, 12.29, 10.39, 10.80, 11.40, 11.71, 12.51, 11.24, 11.09, 10.81,
    10.64, 10.68, 10.58, 10.76, 10.71, 10.81, 10.73,
];

fn draw_sweep(
    ctx: &CanvasRenderingContext2d,
    mode: Mode,
    sequential_ms: f64,
    points: &[(usize, Summary)],
    width: f64,
    height: f64,
    s: f64,
) {
    let paper = css_var("--term-paper", "#15171c");
    let ink = css_var("--term-ink", "#e9ecef");
    ctx.set_fill_style_str(&paper);
    ctx.fill_rect(0.0, 0.0, width, height);
    let max_n = points.iter().map(|p| p.0).max().unwrap_or(1).max(8) as f64;
    // A reader's points, scaled so that their sequential run matches this one.
    let reader = [
        (
            "a reader's run (chapter notes): 8 processes",
            READER_PROCESSES_8_S / READER_SEQUENTIAL_S,
        ),
        (
            "a reader's run: 8 threads (GIL)",
            READER_THREADS_8_S / READER_SEQUENTIAL_S,
        ),
    ];
    let max_ms = points
        .iter()
        .map(|p| p.1.max)
        .chain([sequential_ms])
        .fold(1.0f64, f64::max)
        * 1.1;
    let (left, right, top, bottom) = (52.0 * s, 16.0 * s, 16.0 * s, 30.0 * s);
    let x = |n: f64| left + (width - left - right) * (n - 1.0) / (max_n - 1.0).max(1.0);
    let y = |ms: f64| top + (height - top - bottom) * (1.0 - ms / max_ms);
    ctx.set_font(&format!("{}px system-ui, sans-serif", 11.0 * s));
    ctx.set_fill_style_str(&ink);
    ctx.set_stroke_style_str(&ink);
    ctx.set_global_alpha(0.35);
    ctx.set_line_width(1.0);
    // Axes, ticks and units.
    for i in 0..=4 {
        let ms = max_ms * f64::from(i) / 4.0;
        ctx.begin_path();
        ctx.move_to(left, y(ms));
        ctx.line_to(width - right, y(ms));
        ctx.stroke();
    }
    ctx.set_global_alpha(0.8);
    for i in 0..=4 {
        let ms = max_ms * f64::from(i) / 4.0;
        let _ = ctx.fill_text(&format!("{:.1} s", ms / 1000.0), 4.0 * s, y(ms) + 4.0 * s);
    }
    for n in 1..=max_n as usize {
        if max_n <= 10.0 || n % 2 == 1 || n == max_n as usize {
            let _ = ctx.fill_text(&n.to_string(), x(n as f64) - 3.0 * s, height - 12.0 * s);
        }
    }
    let _ = ctx.fill_text("workers", width / 2.0 - 20.0 * s, height - 1.0 * s);
    // The sequential reference.
    ctx.set_global_alpha(0.6);
    ctx.set_line_dash(&Array::of2(&(4.0 * s).into(), &(4.0 * s).into()))
        .ok();
    ctx.begin_path();
    ctx.move_to(left, y(sequential_ms));
    ctx.line_to(width - right, y(sequential_ms));
    ctx.stroke();
    ctx.set_line_dash(&Array::new()).ok();
    let _ = ctx.fill_text(
        "sequential",
        width - right - 70.0 * s,
        y(sequential_ms) - 4.0 * s,
    );
    ctx.set_global_alpha(1.0);
    // The author's curve (processes only), scaled so that 1 process takes
    // this run's sequential time, for shape.
    if mode == Mode::Processes {
        ctx.set_stroke_style_str("#ffa94d");
        ctx.set_global_alpha(0.8);
        ctx.set_line_dash(&Array::of2(&(2.0 * s).into(), &(3.0 * s).into()))
            .ok();
        ctx.begin_path();
        for (i, secs) in AUTHOR_PROCS_MEDIANS_S
            .iter()
            .enumerate()
            .take(max_n as usize)
        {
            let (px, py) = (
                x((i + 1) as f64),
                y(secs / AUTHOR_PROCS_MEDIANS_S[0] * sequential_ms),
            );
            if i == 0 {
                ctx.move_to(px, py);
            } else {
                ctx.line_to(px, py);
            }
        }
        ctx.stroke();
        ctx.set_line_dash(&Array::new()).ok();
        ctx.set_fill_style_str("#ffa94d");
        let last = AUTHOR_PROCS_MEDIANS_S.len().min(max_n as usize);
        let _ = ctx.fill_text(
            "the author's machine (log-procs.txt, 13 rounds, medians)",
            x(last as f64) - 300.0 * s,
            y(AUTHOR_PROCS_MEDIANS_S[last - 1] / AUTHOR_PROCS_MEDIANS_S[0] * sequential_ms)
                - 8.0 * s,
        );
        ctx.set_global_alpha(1.0);
    }
    // A reader's run, for shape.
    for (label, ratio) in reader {
        let (px, py) = (x(8.0), y(ratio * sequential_ms));
        ctx.set_stroke_style_str("#ffa94d");
        ctx.begin_path();
        let _ = ctx.arc(px, py, 5.0 * s, 0.0, std::f64::consts::TAU);
        ctx.stroke();
        ctx.set_fill_style_str("#ffa94d");
        let _ = ctx.fill_text(label, px + 8.0 * s, py + 4.0 * s);
    }
    // This run.
    ctx.set_stroke_style_str("#4dabf7");
    ctx.set_fill_style_str("#4dabf7");
    ctx.set_line_width(2.0 * s);
    ctx.begin_path();
    for (i, (n, summary)) in points.iter().enumerate() {
        if i == 0 {
            ctx.move_to(x(*n as f64), y(summary.median));
        } else {
            ctx.line_to(x(*n as f64), y(summary.median));
        }
    }
    ctx.stroke();
    // Each point: the median, with the fastest and slowest round as a bar.
    ctx.set_line_width(1.5 * s);
    for (n, summary) in points {
        let px = x(*n as f64);
        if summary.runs > 1 {
            ctx.begin_path();
            ctx.move_to(px, y(summary.min));
            ctx.line_to(px, y(summary.max));
            for end in [summary.min, summary.max] {
                ctx.move_to(px - 4.0 * s, y(end));
                ctx.line_to(px + 4.0 * s, y(end));
            }
            ctx.stroke();
        }
        ctx.begin_path();
        let _ = ctx.arc(px, y(summary.median), 3.0 * s, 0.0, std::f64::consts::TAU);
        ctx.fill();
    }
    let medians = points.iter().map(|(n, summary)| (*n, summary.median));
    if let Some((n, ms)) = medians.min_by(|a, b| a.1.total_cmp(&b.1)) {
        ctx.set_fill_style_str("#69db7c");
        ctx.begin_path();
        let _ = ctx.arc(x(n as f64), y(ms), 6.0 * s, 0.0, std::f64::consts::TAU);
        ctx.fill();
        let _ = ctx.fill_text(
            &format!("best: {n} ({:.2} s)", ms / 1000.0),
            x(n as f64) + 8.0 * s,
            y(ms) - 8.0 * s,
        );
    }
    ctx.set_fill_style_str(&ink);
    let _ = ctx.fill_text(
        &format!("{}: total time against workers", mode.key()),
        left,
        12.0 * s,
    );
}

/// A round axis step (1, 2 or 5 × a power of ten) near `raw` ms.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1e-3).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}
