//! One pool run: the report loop on the page, its transcript, table and
//! timeline as results arrive, the run's last lines (`crate::core::runlog`) and
//! its report; and `cancelPool`, which stops it.

use std::rc::Rc;
use std::sync::Arc;

use futures_channel::oneshot;
use futures_util::StreamExt;
use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::options::PoolRequest;
use super::plots::{Row, Timeline};
use super::{Active, PoolLab, PoolView, runs_without_threads};
use crate::core::clock::epoch_ms;
use crate::core::pool_run::{Asked, EARLY_LOOP_STOPPED, Ended, conclude, message_line, opening};
use crate::core::primes::slow_check_note;
use crate::core::protocol::{Message, Mode, Report, StopPolicy, early_loop_ends};
use crate::core::report::{PoolReport, Value};
use crate::core::trace::{PoolRun as TracedRun, pool_trace};
use crate::models::pool;
use crate::runtime::pool::Pool;
use crate::runtime::steps::next_paint;
use crate::ui::dom::{element, publish, to_js};

/// Runs `run` (not started until awaited) as the page's one run at a time;
/// errors, a busy page included, are shown in the pool lab and returned.
pub(super) async fn exclusive(
    app: &PoolLab,
    run: impl std::future::Future<Output = Result<JsValue, String>>,
) -> Result<JsValue, String> {
    let outcome = match app.begin().await {
        Ok(_running) => run.await,
        Err(busy) => Err(busy),
    };
    if let Err(message) = &outcome {
        app.view.output.say(message, "error");
    }
    outcome
}

/// One pool run. Errors are shown on the page and returned.
pub async fn run_pool(app: &Rc<PoolLab>, request: PoolRequest) -> Result<JsValue, String> {
    let run = async {
        let report = pool_run(app, request).await?;
        app.view.keep_run(&report);
        Ok(publish(report))
    };
    exclusive(app, run).await
}

/// The big picture's comparison: the book's fixture on a pool of `mode`
/// workers that loop (as many as the pool's size), then on one new worker
/// per number, as one run of the page; both reports are published.
/// Returns their totals: `(pool workers, pool ms, per-job workers, per-job ms)`.
pub async fn compare_per_job(
    app: &Rc<PoolLab>,
    mode: Mode,
) -> Result<(usize, f64, usize, f64), String> {
    use super::options::check_request;
    use crate::core::protocol::{Design, JobKind};
    let most = app.view.max_workers();
    let request = |design| {
        check_request(
            mode,
            most,
            crate::core::primes::NUMBERS.to_vec(),
            most,
            design,
            0,
            JobKind::Cpu,
        )
    };
    let (looping, per_job) = (request(Design::Pool)?, request(Design::PerJob)?);
    let _running = app.begin().await?;
    let looping = pool_run(app, looping).await?;
    app.view.keep_run(&looping);
    publish(looping.clone());
    if looping.stopped.is_some() {
        return Err("the comparison was stopped during the pool's run".into());
    }
    let per_job = pool_run(app, per_job).await?;
    app.view.keep_run(&per_job);
    publish(per_job.clone());
    if per_job.stopped.is_some() {
        return Err("the comparison was stopped during the per-job run".into());
    }
    Ok((
        looping.workers,
        looping.total_ms,
        per_job.workers,
        per_job.total_ms,
    ))
}

/// The run itself, its report not yet published, in four parts: the
/// request (read and checked by `options`), the engine (`engine`: the
/// workers, the report loop, the timeline as results arrive), the conclusion
/// (pure: `core::pool_run::conclude`) and the render (its last lines and
/// what the page says).
pub(super) async fn pool_run(
    app: &Rc<PoolLab>,
    request: PoolRequest,
) -> Result<PoolReport, String> {
    let pool = usable_pool(app, request.mode)?;
    let asked = Asked {
        mode: request.mode,
        workers: request.workers,
        count: request.numbers.len(),
        design: request.design,
        race_delay_ms: request.race_delay_ms,
        kind: request.kind,
        switch_interval_ms: request.switch_interval.as_secs_f64() * 1000.0,
    };
    let rate = app.divisions_per_sec();
    let slow = request
        .numbers
        .iter()
        .find_map(|&n| slow_check_note(n, rate));
    let (title, mut transcript) = opening(&asked, slow);
    let lanes = request
        .workers
        .max(app.pool.as_ref().map_or(1, |p| p.size()));
    app.view.open_run(&asked, &title, &transcript, lanes);
    next_paint().await;
    let heard = engine(app, &asked, request, pool, &mut transcript).await?;
    let timeline = app.view.timeline.borrow();
    let cancelled: Vec<u64> = timeline.cancelled.iter().map(|c| c.0).collect();
    let ended = Ended {
        numbers: &heard.numbers,
        rows: &timeline.rows,
        started: &timeline.started,
        cancelled: &cancelled,
        never_started: &heard.never_started,
        stopped: heard.stopped,
        results: heard.results,
        started_at_ms: heard.started_at,
        total_ms: heard.total_ms,
        early_break: heard
            .early_break
            .as_ref()
            .map(|(at, late)| (*at, &late[..])),
        lanes: heard.lanes,
        cores: web_sys::window().map_or(1, |w| w.navigator().hardware_concurrency() as usize),
        main_thread_gap_ms: heard.gap_ms,
        gil_handovers: heard.gil_handovers,
        divisions_per_sec: app.calibration().ok().map(|c| c.divisions_per_sec),
    };
    let conclusion = conclude(&asked, &ended, transcript);
    let trace = pool_trace(&TracedRun {
        mode: asked.mode.key(),
        processes: asked.mode == Mode::Processes,
        started: &timeline.started,
        rows: &timeline.rows,
        cancelled: &timeline.cancelled,
        total_ms: heard.total_ms,
    });
    app.keep_trace(&trace);
    app.view.open_replay(&timeline, heard.total_ms);
    app.view.offer_trace();
    drop(timeline);
    app.view.output.append_transcript(&conclusion.lines);
    app.view.output.say(&conclusion.summary, "done");
    Ok(conclusion.report)
}

/// The pool a run may use: none for sequential and processes where there are
/// no threads; an error for the modes that need them.
fn usable_pool(app: &PoolLab, mode: Mode) -> Result<Option<&Pool>, String> {
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
    Ok(pool)
}

impl PoolView {
    /// A run left a trace: the button that downloads it shows.
    fn offer_trace(&self) {
        let _ = self.trace_button.remove_attribute("hidden");
        let _ = self.trace_hint.remove_attribute("hidden");
    }

    /// A run's first frame: its mode pressed, an empty table, the transcript's
    /// first lines, the progress at 0 and a timeline of `lanes` empty lanes.
    fn open_run(&self, asked: &Asked, title: &str, lines: &[String], lanes: usize) {
        for (m, button) in &self.modes {
            let pressed = if *m == asked.mode { "true" } else { "false" };
            let _ = button.set_attribute("aria-pressed", pressed);
        }
        self.close_replay();
        let _ = self.table.remove_attribute("hidden");
        if let Ok(Some(tbody)) = self.table.query_selector("tbody") {
            tbody.set_text_content(None);
        }
        self.output.append_transcript(&[title.to_string()]);
        self.output.append_transcript(lines);
        self.output
            .say(&format!("Checking {} numbers…", asked.count), "running");
        self.show_progress(0, asked.count);
        *self.timeline.borrow_mut() = Timeline {
            started: vec![None; lanes],
            busy_since: vec![None; lanes],
            live_until: Some(0.0),
            ..Timeline::default()
        };
    }

    /// A line printed during the run: shown, and kept for the report.
    fn print(&self, transcript: &mut Vec<String>, line: String) {
        self.output.append_transcript(std::slice::from_ref(&line));
        transcript.push(line);
    }

    /// What a message changes on the page besides the transcript: the
    /// timeline's lanes and bars, the progress and the results table.
    fn show_message(
        &self,
        message: &Message,
        mode: Mode,
        started_at: f64,
        progress: (usize, usize),
    ) {
        let mut timeline = self.timeline.borrow_mut();
        let rel = |t: f64| t - started_at;
        match *message {
            Message::Started { worker, at_ms, .. } => {
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
                self.show_progress(progress.0, progress.1);
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
                if let Ok(Some(tbody)) = self.table.query_selector("tbody") {
                    append_row(&tbody, &row, mode);
                }
            }
            Message::Cancelled { n, worker } => {
                timeline
                    .cancelled
                    .push((n, worker, epoch_ms() - started_at));
            }
            Message::Failed { worker, .. } | Message::Done { worker } => {
                if let Some(slot) = timeline.busy_since.get_mut(worker) {
                    *slot = None;
                }
            }
        }
    }
}

/// What the engine heard and measured, for the conclusion.
struct Heard {
    numbers: Arc<[u64]>,
    never_started: Vec<u64>,
    stopped: Option<StopPolicy>,
    results: usize,
    started_at: f64,
    total_ms: f64,
    /// When the early loop broke, and the results it missed.
    early_break: Option<(f64, Vec<u64>)>,
    lanes: usize,
    gap_ms: f64,
    gil_handovers: Option<u64>,
}

/// The engine: starts the workers, listens to them until the run is over,
/// and leaves nothing running.
async fn engine(
    app: &Rc<PoolLab>,
    asked: &Asked,
    request: PoolRequest,
    pool: Option<&Pool>,
    transcript: &mut Vec<String>,
) -> Result<Heard, String> {
    let view = &app.view;
    let numbers: Arc<[u64]> = request.numbers.into();
    view.code
        .show(&crate::listings::pool(asked.mode, asked.design, asked.kind));
    crate::runtime::steps::step("start");
    crate::runtime::monitor::begin_gap("pool");
    let since = crate::runtime::panics::seen();
    let (run, messages) = pool::start(
        asked.mode,
        asked.workers,
        Arc::clone(&numbers),
        pool,
        request.switch_interval,
        asked.kind,
        asked.per_job(),
    )?;
    let (started_at, lanes) = (run.started_at, run.workers);
    if let Some(note) = run.queue_note() {
        view.print(transcript, format!("# note: {note}"));
    }
    *view.active.borrow_mut() = Some(Active {
        run,
        stopped: None,
        never_started: Vec::new(),
        finished: Vec::new(),
    });
    view.set_running(true, app.pool.is_some());
    let redraw = redraw_while_running(app, started_at);
    let listened = listen(app, asked, since, messages, started_at, lanes, transcript).await;
    drop(redraw);
    let listened = match listened {
        Ok(listened) => listened,
        Err(reason) => {
            view.active.borrow_mut().take();
            view.set_running(true, false);
            return Err(reason);
        }
    };
    crate::runtime::steps::step(if asked.mode == Mode::Sequential {
        "done"
    } else {
        ""
    });
    let total_ms = epoch_ms() - started_at;
    let gap_ms = crate::runtime::monitor::end_gap();
    let active = view.active.borrow_mut().take().expect("the run is active");
    let gil_handovers = active.run.gil_handovers();
    for waiter in active.finished {
        let _ = waiter.send(());
    }
    drop(active.run); // ends any process left
    view.settle_timeline();
    Ok(Heard {
        numbers,
        never_started: active.never_started,
        stopped: active.stopped,
        results: listened.results,
        started_at,
        total_ms,
        early_break: listened.early_break,
        lanes,
        gap_ms,
        gil_handovers,
    })
}

/// Redraws the growing bars while the returned timer lives.
fn redraw_while_running(app: &Rc<PoolLab>, started_at: f64) -> gloo_timers::callback::Interval {
    let app = Rc::clone(app);
    gloo_timers::callback::Interval::new(100, move || {
        app.view.timeline.borrow_mut().live_until = Some(epoch_ms() - started_at);
        app.view.draw_timeline();
    })
}

impl PoolView {
    /// The run is over: no bar grows any more.
    fn settle_timeline(&self) {
        {
            let mut timeline = self.timeline.borrow_mut();
            timeline.live_until = None;
            timeline.busy_since.iter_mut().for_each(|b| *b = None);
        }
        self.draw_timeline();
    }
}

/// What the report loop heard.
struct Listened {
    /// Every result the workers put.
    results: usize,
    early_break: Option<(f64, Vec<u64>)>,
}

/// The report loop: reads the workers' messages until every worker is done
/// (or the early loop breaks: then it waits for the workers anyway, so that
/// nothing is left running). A panicked thread never says done: the loop
/// stops waiting, and says why.
async fn listen(
    app: &PoolLab,
    asked: &Asked,
    since: u64,
    mut messages: impl futures_util::Stream<Item = Message> + Unpin,
    started_at: f64,
    lanes: usize,
    transcript: &mut Vec<String>,
) -> Result<Listened, String> {
    let view = &app.view;
    let mut report = Report::new(lanes);
    let mut early_break: Option<(f64, Vec<u64>)> = None;
    while let Some(message) = crate::runtime::panics::guarded(since, messages.next()).await? {
        let more = report.take(&message);
        if let Some((_, late)) = &mut early_break {
            // The racy program has stopped listening: what still arrives is
            // lost to it.
            if let Message::Result { result, .. } = message {
                late.push(result.n);
            }
            if !more {
                break;
            }
            continue;
        }
        view.show_message(
            &message,
            asked.mode,
            started_at,
            (report.checked, asked.count),
        );
        if let Some(line) = message_line(asked.mode, &message) {
            view.print(transcript, line);
        }
        if !more {
            break;
        }
        if asked.racy() && early_loop_looks(view, asked, &message).await {
            early_break = Some((epoch_ms(), Vec::new()));
            view.print(transcript, EARLY_LOOP_STOPPED.to_string());
        }
    }
    Ok(Listened {
        results: report.checked,
        early_break,
    })
}

/// The early procs.py: after each result, (the reader's sleep, then)
/// `if jobs.empty(): break`. True when it breaks.
async fn early_loop_looks(view: &PoolView, asked: &Asked, message: &Message) -> bool {
    if asked.race_delay_ms > 0 && matches!(message, Message::Result { .. }) {
        gloo_timers::future::TimeoutFuture::new(asked.race_delay_ms).await;
    }
    early_loop_ends(message, || {
        view.active
            .borrow()
            .as_ref()
            .is_some_and(|a| a.run.jobs_empty())
    })
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

/// `spinlab.cancelPool(policy)`: stops the run, resolves once it has stopped.
pub async fn cancel_pool(app: &PoolLab, policy: StopPolicy) -> Result<JsValue, String> {
    let view = &app.view;
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
    Ok(to_js(&Value::Obj(vec![
        ("stopped", policy.key().into()),
        ("note", note.into()),
    ])))
}
