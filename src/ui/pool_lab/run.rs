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
use super::{Active, PoolLab, runs_without_threads};
use crate::core::clock::epoch_ms;
use crate::core::primes::{Calibration, slow_check_note, speed_share};
use crate::core::protocol::{Message, Mode, Report, StopPolicy, early_loop_ends};
use crate::core::report::{Lines, PoolReport, PoolResult};
use crate::core::runlog::{EarlyLoop, RunEnd, RunLog, io_lines};
use crate::models::pool;
use crate::runtime::object;
use crate::runtime::steps::next_paint;
use crate::ui::dom::{element, publish};

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

/// The run itself; its report, not yet published.
pub(super) async fn pool_run(
    app: &Rc<PoolLab>,
    request: PoolRequest,
) -> Result<PoolReport, String> {
    let view = &app.view;
    let PoolRequest {
        mode,
        workers,
        numbers,
        design,
        race_delay_ms,
        switch_interval,
        kind,
    } = request;
    let racy = design == crate::core::protocol::Design::EarlyRace;
    let per_job = design == crate::core::protocol::Design::PerJob;
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
    if per_job {
        let line = format!(
            "# one new {} per number, the design the chapter argues against: each takes its \
             number from the queue, checks it and ends, so every number pays a start-up \
             (the pool of the book starts a few workers once, and they loop)",
            if mode == Mode::Processes {
                "process"
            } else {
                "thread"
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
    view.code.show(&crate::listings::pool(mode, design, kind));
    crate::runtime::steps::step("start");
    crate::runtime::monitor::begin_gap("pool");
    let since = crate::runtime::panics::seen();
    let (run, mut messages) = pool::start(
        mode,
        workers,
        Arc::clone(&numbers),
        pool,
        switch_interval,
        kind,
        per_job,
    )?;
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
            app.view.timeline.borrow_mut().live_until = Some(epoch_ms() - started_at);
            app.view.draw_timeline();
        })
    };

    let mut report = Report::new(lanes);
    let tbody = view.table.query_selector("tbody").ok().flatten();
    let mut racy_ended = false;
    // When the early loop broke: its `Total time`.
    let mut racy_ended_at = None;
    let mut late: Vec<u64> = Vec::new();
    // A panicked thread never says done: stop waiting, and say why.
    while let Some(message) = match crate::runtime::panics::guarded(since, messages.next()).await {
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
            match message.clone() {
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
                Message::Failed { worker, reason } => {
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
    let read: Vec<u64> = timeline.rows.iter().map(|r| r.result.n).collect();
    let cancelled: Vec<u64> = timeline.cancelled.iter().map(|c| c.0).collect();
    let RunLog {
        not_started,
        lost,
        checked: reported_checks,
        footer,
        notes,
    } = RunLog::of(&RunEnd {
        mode,
        numbers: &numbers,
        read: &read,
        cancelled: &cancelled,
        never_started: &active.never_started,
        stopped,
        results: report.checked,
        started_at_ms: started_at,
        total_ms,
        early_loop: racy.then_some(match racy_ended_at {
            Some(at_ms) => EarlyLoop::Broke { at_ms, late: &late },
            None => EarlyLoop::NeverBroke,
        }),
    });
    let mut lines = vec![footer];
    lines.extend(notes);
    let waits: Vec<(usize, f64)> = timeline
        .rows
        .iter()
        .filter(|row| kind.waits(row.worker))
        .map(|row| (row.worker, row.result.elapsed * 1000.0))
        .collect();
    let interval_ms = (mode == Mode::ThreadsGil).then_some(switch_interval.as_secs_f64() * 1000.0);
    let (io_latency_ms, io_notes) = io_lines(kind, interval_ms, &waits, lanes, total_ms);
    lines.extend(io_notes);
    let cores = web_sys::window().map_or(1, |w| w.navigator().hardware_concurrency() as usize);
    if per_job && lanes > cores {
        // Not a slow engine: more workers than cores take turns.
        lines.push(format!(
            "# note: {lanes} workers took turns on {cores} cores, so each number's elapsed time \
             counts the turns its worker waited as well as its own divisions"
        ));
    } else if let Some(note) = slow_run_note(&timeline.rows, &app.calibration()) {
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

    let results = timeline
        .rows
        .iter()
        .map(|row| PoolResult {
            n: row.result.n,
            prime: row.result.prime,
            elapsed_ms: row.result.elapsed * 1000.0,
            worker: row.worker + 1,
            start_ms: row.start_ms,
            end_ms: row.end_ms,
        })
        .collect();
    drop(timeline);
    Ok(PoolReport {
        mode: mode.key(),
        workers: lanes,
        checked: reported_checks,
        total_ms,
        startup_ms: startup,
        main_thread_max_gap_ms: gap_ms,
        stopped: stopped.map(|p| p.key()),
        results,
        cancelled,
        lost,
        race: racy,
        per_job,
        lost_to_race: late,
        not_started,
        gil_handovers,
        io_latency_ms,
        lines: Lines::of(&transcript),
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
    Ok(object(&[("stopped", policy.key().into()), ("note", note.into())]).into())
}
