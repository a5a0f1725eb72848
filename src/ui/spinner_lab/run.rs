//! One spinner run, from its request to its report, and the lab's buttons that start one.

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::options::{NapEvery, SlowRequest, SpinnerRequest};
use super::{LabView, SpinnerLab};
use crate::bench::Summary;
use crate::models::{GilTurns, NapPlan, Outcome, Slow, coroutine, process, thread, thread_gil};
use crate::primes::{BOOK_PRIME, parse_number, slow_check_note};
use crate::protocol::SWITCH_INTERVAL;
use crate::report::{GilReport, Lines, SpinnerReport};
use crate::runtime::canvas::Style;
use crate::runtime::js_error_message;
use crate::runtime::monitor;
use crate::runtime::steps::next_paint;
use crate::spinner::{
    BOOK_NAP_EVERY, Model, NAP_SLICE_SECS, NapVia, Offload, SlowKind, answer_line, frames_expected,
    lateness_histogram, spinner_object, spinner_object_note,
};
use crate::ui::code;
use crate::ui::dom::{element, on_click, publish, set_width_percent};

impl LabView {
    pub fn wire(&self, app: &Rc<SpinnerLab>) {
        for (model, button) in &self.models {
            let (app, model) = (Rc::clone(app), *model);
            on_click(button, move || {
                let request = app.view.request_from_controls(model);
                let app = Rc::clone(&app);
                spawn_local(async move {
                    // The outcome, error included, is already on the page.
                    let _ = run_spinner(&app, request).await;
                });
            });
        }
        for (which, preset) in &self.presets {
            let (app, which) = (Rc::clone(app), *which);
            on_click(preset, move || {
                let value = match (which, &app.calibration) {
                    ("calibrated", Ok(c)) => c.prime,
                    _ => BOOK_PRIME,
                };
                app.view.number.set_value(&value.to_string());
                app.view.check_slow(crate::spinner::SlowKind::Prime);
            });
        }
    }
}

/// One run of the spinner lab. Errors are shown on the page and returned.
pub async fn run_spinner(app: &SpinnerLab, request: SpinnerRequest) -> Result<JsValue, String> {
    let outcome = spinner(app, request).await;
    if let Err(message) = &outcome {
        app.view.output.say(message, "error");
    }
    outcome
}

async fn spinner(app: &SpinnerLab, request: SpinnerRequest) -> Result<JsValue, String> {
    let lab = &app.view;
    let model = request.model;
    let offload = request.offload;
    let switch_interval = request.switch_interval.unwrap_or(SWITCH_INTERVAL);
    let needs_threads = model.needs_threads(offload);
    if needs_threads && let Some(message) = crate::runtime::panics::broken() {
        return Err(crate::runtime::panics::explain(&message));
    }
    if needs_threads && app.pool.is_none() {
        let what = if model == Model::CoroutineOffload {
            "A thread offload needs wasm threads, which this browser does not give this page \
             (see the capabilities above); offload: \"process\" works here."
                .to_string()
        } else {
            format!(
                "The {} model needs wasm threads, which this browser does not give this page: see the capabilities above.",
                model.key()
            )
        };
        return Err(what);
    }
    let calibration = app.calibration.as_ref().ok();
    let slow_kind = match &request.slow {
        SlowRequest::Sleep => SlowKind::Sleep,
        SlowRequest::BlockingSleep => SlowKind::BlockingSleep,
        SlowRequest::Prime(_) => SlowKind::Prime,
    };
    let slow = match &request.slow {
        SlowRequest::Sleep => Slow::Sleep,
        SlowRequest::BlockingSleep => Slow::BlockingSleep,
        SlowRequest::Prime(text) => {
            let n = match text.as_deref().map(str::trim) {
                None | Some("") => calibration.map_or(BOOK_PRIME, |c| c.prime),
                Some(text) => parse_number(text).map_err(|e| format!("Cannot check: {e}."))?,
            };
            let rate = calibration.map_or(435e6, |c| c.divisions_per_sec);
            let every = match request.nap_every {
                Some(NapEvery::Book) => BOOK_NAP_EVERY,
                Some(NapEvery::Divisions(k)) => k,
                None => ((rate * NAP_SLICE_SECS) as u64).max(1),
            };
            Slow::Prime {
                n,
                nap: NapPlan {
                    every,
                    via: request.nap_via,
                },
            }
        }
    };
    let _running = app.begin()?;
    for (m, button) in &lab.models {
        let _ = button.set_attribute("aria-pressed", if *m == model { "true" } else { "false" });
    }

    let id = lab.next_id(model);
    let (canvas, scale) = lab.fresh_canvas().map_err(|e| js_error_message(&e))?;
    let style = Style::from_page(scale);
    let n = match slow {
        Slow::Prime { n, .. } => Some(n),
        _ => None,
    };
    let what = what_runs(model, slow, offload, switch_interval);
    let listing = crate::listings::spinner(model, slow_kind, offload);
    let file = listing.program;
    // Where Python would say `spin` is: its line in the file on show.
    let spin_at = match code::program_text(file) {
        Ok(text) => format!(
            "{file}:{}",
            crate::python::line_of(&crate::python::runnable(&text), "async def spin").unwrap_or(0)
        ),
        Err(_) => format!("{file}:?"),
    };
    let mut transcript = vec![
        format!("# {}: {what}", model.key()),
        format!(
            "spinner object: {}",
            spinner_object(model, id, lab.parent, &spin_at)
        ),
        format!("# note: {}", spinner_object_note(model)),
    ];
    if model == Model::CoroutineOffload {
        transcript.push(format!("# note: {}", offload_note(offload)));
    }
    if let Some(note) = n.and_then(|n| slow_check_note(n, app.divisions_per_sec())) {
        transcript.push(format!("# note: {note}"));
    }
    lab.output.append_transcript(&transcript);
    lab.code.show(&listing);
    crate::runtime::steps::step("start");
    lab.output.say(&watch_for(model, slow_kind), "running");
    lab.show_stats(&[]);
    next_paint().await;

    monitor::begin_gap();
    let ticks_before = monitor::monitor_ticks();
    let outcome = match model {
        Model::Thread => thread::supervisor(id, &canvas, &style, slow).await,
        Model::ThreadGil => match app.pool.as_ref() {
            Some(pool) => {
                thread_gil::supervisor(id, &canvas, &style, slow, switch_interval, pool).await
            }
            None => Err("the Thread + GIL model needs the thread pool".into()),
        },
        Model::Process => process::supervisor(id, &canvas, &style, slow).await,
        _ => {
            let offload = (model == Model::CoroutineOffload).then_some(offload);
            coroutine::supervisor(model, &canvas, &style, slow, offload, app.pool.as_ref()).await
        }
    };
    let gap_ms = monitor::end_gap();
    let monitor_ticks = monitor::monitor_ticks() - ticks_before;
    let outcome: Outcome = outcome?;
    crate::runtime::steps::step("done");

    let expected = frames_expected(outcome.elapsed_ms);
    let answer = answer_line(n.zip(outcome.prime));
    let mut lines = vec![answer.clone()];
    lines.push(format!(
        "# slow() took {:.2} s; the spinner drew {} of {:.0} frames; the main thread's longest gap was {:.0} ms",
        outcome.elapsed_ms / 1000.0,
        outcome.frames,
        expected,
        gap_ms
    ));
    if let Some(ms) = outcome.startup_ms {
        let unit = if model == Model::Process {
            "process (a fresh wasm instance and memory)"
        } else {
            "thread"
        };
        lines.push(format!("# the spinner's {unit} took {ms:.0} ms to start"));
    }
    if let (Some(compute), Slow::Prime { nap, .. }) = (outcome.compute_ms, slow) {
        let napping = outcome.elapsed_ms - compute;
        lines.push(format!(
            "# {} naps via {}: {compute:.0} ms dividing + {napping:.0} ms napping ({:.0}% overhead, {:.3} ms a nap)",
            outcome.naps,
            via_name(nap.via),
            100.0 * napping / compute.max(1e-9),
            napping / f64::from(outcome.naps.max(1)),
        ));
        if nap.via == NapVia::Timeout
            && let Some(clamp) = lab.nested_timer_ms.get()
        {
            lines.push(timer_nesting_note(
                napping / f64::from(outcome.naps.max(1)),
                clamp,
            ));
        }
    }
    if let Some(gil) = &outcome.gil {
        lines.extend(gil_notes(gil));
    }
    lab.output.append_transcript(&lines);
    transcript.extend(lines);
    show_lateness(&lab.lateness, outcome.gil.as_ref());

    let mut stats = vec![
        (
            "elapsed",
            "slow() took",
            format!("{:.2} s", outcome.elapsed_ms / 1000.0),
        ),
        (
            "frames",
            "spinner frames",
            format!("{} of {:.0} expected", outcome.frames, expected),
        ),
        (
            "gap",
            "main thread's longest gap",
            format!("{gap_ms:.0} ms"),
        ),
    ];
    if let Some(ms) = outcome.startup_ms {
        stats.push(("startup", "spinner start-up", format!("{ms:.0} ms")));
    }
    if let Some(compute) = outcome.compute_ms {
        stats.push((
            "naps",
            "naps",
            format!(
                "{} ({:.0} ms of {:.0} ms dividing)",
                outcome.naps,
                outcome.elapsed_ms - compute,
                compute
            ),
        ));
    }
    if let Some(gil) = &outcome.gil {
        let late = Summary::of(&gil.lateness_ms);
        stats.push((
            "gil",
            "GIL handovers",
            format!("{} (interval {} ms)", gil.handovers, gil.interval_ms),
        ));
        stats.push((
            "lateness",
            "frame lateness",
            late.map_or("no frame late".into(), |l| {
                format!("median {:.1} ms, max {:.1} ms", l.median, l.max)
            }),
        ));
    }
    lab.show_stats(&stats);
    let frozen = gap_ms >= 0.8 * outcome.elapsed_ms && outcome.elapsed_ms >= 200.0;
    let kind = if frozen { "frozen" } else { "done" };
    lab.output.say(
        &verdict(model, slow_kind, &outcome, expected, gap_ms, frozen),
        kind,
    );

    Ok(publish(SpinnerReport {
        model: model.key(),
        slow: slow_kind.key(),
        n,
        prime: outcome.prime,
        elapsed_ms: outcome.elapsed_ms,
        spinner_frames: outcome.frames,
        spinner_frames_expected: expected,
        main_thread_max_gap_ms: gap_ms,
        naps: outcome.naps,
        compute_ms: outcome.compute_ms,
        startup_ms: outcome.startup_ms,
        nap: match slow {
            Slow::Prime { nap, .. } if model == Model::CoroutineNap => {
                Some((nap.every, nap.via.key()))
            }
            _ => None,
        },
        offload: (model == Model::CoroutineOffload).then_some(offload.key()),
        monitor_ticks,
        gil: outcome.gil.as_ref().map(|g| {
            let late = Summary::of(&g.lateness_ms);
            GilReport {
                handovers: g.handovers,
                lateness_median_ms: late.map_or(0.0, |l| l.median),
                lateness_max_ms: late.map_or(0.0, |l| l.max),
                switch_interval_ms: g.interval_ms,
            }
        }),
        lines: Lines::of(&transcript),
    }))
}

/// The run's first note: what `slow()` does in `model`, and where.
fn what_runs(
    model: Model,
    slow: Slow,
    offload: Offload,
    switch_interval: std::time::Duration,
) -> String {
    let slow_kind = match slow {
        Slow::Sleep => SlowKind::Sleep,
        Slow::BlockingSleep => SlowKind::BlockingSleep,
        Slow::Prime { .. } => SlowKind::Prime,
    };
    let (n, what) = match slow {
        Slow::Sleep => (None, "slow() sleeps 3 s".to_string()),
        Slow::BlockingSleep if slow_kind.blocks_the_loop(model) => (
            None,
            "slow() calls time.sleep(3), which blocks: the page's main thread is held for 3 s, \
             on purpose"
                .to_string(),
        ),
        Slow::BlockingSleep => (
            None,
            "slow() calls time.sleep(3) (as the book's sleep does in this model)".to_string(),
        ),
        Slow::Prime { n, nap } => (
            Some(n),
            match model {
                Model::CoroutineNap => format!(
                    "slow() is is_prime({n}), napping every {} divisions via {}",
                    nap.every,
                    via_name(nap.via)
                ),
                Model::CoroutineOffload => {
                    format!("slow() is is_prime({n}) on {}", offload_name(offload))
                }
                _ => format!("slow() is is_prime({n})"),
            },
        ),
    };
    match (model, n) {
        (Model::CoroutineOffload, None) => format!("{what} on {}", offload_name(offload)),
        (Model::ThreadGil, _) => format!(
            "{what}, under a simulated GIL (switch interval {} ms)",
            switch_interval.as_secs_f64() * 1000.0
        ),
        _ => what,
    }
}

/// What the Thread + GIL run shows, in the book's words, and what is
/// simulated.
fn gil_notes(gil: &GilTurns) -> Vec<String> {
    let late = Summary::of(&gil.lateness_ms);
    vec![
        format!(
            "# the GIL changed hands {} times at the switch interval ({} ms); the spinner's frames were late by {}",
            gil.handovers,
            gil.interval_ms,
            late.map_or("nothing".into(), |l| format!(
                "{:.1} ms (median), {:.1} ms at most",
                l.median, l.max
            ))
        ),
        "# the book's answer 2A: the spinner keeps spinning because the interpreter hands the GIL over \
         every switch interval: slow() is suspended, the spinner thread wakes from done.wait(.1), draws \
         one frame, goes back to waiting (releasing the GIL), and slow() goes on"
            .to_string(),
        "# simulated: the GIL (a lock in shared memory that the thread holding it gives up when another \
         has waited a switch interval, as CPython's eval loop does); measured: the handovers, the \
         lateness and the times"
            .to_string(),
    ]
}

/// The Thread + GIL lateness histogram under the spinner (hidden for the
/// other models).
fn show_lateness(into: &web_sys::Element, gil: Option<&GilTurns>) {
    into.set_text_content(None);
    let Some(gil) = gil else {
        let _ = into.set_attribute("hidden", "");
        return;
    };
    let _ = into.remove_attribute("hidden");
    let Some(doc) = into.owner_document() else {
        return;
    };
    let histogram = lateness_histogram(&gil.lateness_ms);
    let most = histogram.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    if let Ok(caption) = element(
        &doc,
        "figcaption",
        "",
        &format!(
            "How late each frame was against its 100 ms schedule (switch interval {} ms)",
            gil.interval_ms
        ),
    ) {
        let _ = into.append_child(&caption);
    }
    for (label, count) in histogram {
        let (Ok(row), Ok(name), Ok(bar), Ok(n)) = (
            element(&doc, "div", "bucket", ""),
            element(&doc, "span", "label", label),
            element(&doc, "span", "bar", ""),
            element(&doc, "span", "count", &count.to_string()),
        ) else {
            continue;
        };
        let _ = row.set_attribute("data-bucket", label);
        set_width_percent(&bar, (100 * count / most) as f64);
        let _ = row.append_child(&name);
        let _ = row.append_child(&bar);
        let _ = row.append_child(&n);
        let _ = into.append_child(&row);
    }
}

/// What the offload is here, and what it would be in CPython.
fn offload_note(offload: Offload) -> &'static str {
    match offload {
        Offload::Thread => {
            "in CPython the thread asyncio.to_thread starts must hold the GIL to divide, so the \
             spinner coroutine still gets its turns (the GIL changes hands every 5 ms) but the two \
             share one core's worth of Python; here the pool thread divides on a core of its own"
        }
        Offload::Process => {
            "the process is started for this call, a fresh wasm instance and memory: its start-up \
             is part of slow()'s time, as a new ProcessPoolExecutor's worker's is in Python; n \
             travels to it as a message (pickled, in Python), the answer comes back the same way"
        }
    }
}

/// What the naps' cost says about nesting, measured, not assumed: whether a
/// nap of plain `setTimeout(0)` paid the clamp a nested 0 ms timer pays here.
fn timer_nesting_note(ms_a_nap: f64, clamp: f64) -> String {
    if clamp > 1.0 && ms_a_nap >= 0.75 * clamp {
        format!(
            "# each nap cost {ms_a_nap:.2} ms, about the clamp a nested 0 ms timer pays here ({clamp:.1} ms): \
             in this browser the awaits resume inside the timer's own task, so these timers nest \
             (nap: {{ via: \"yield\" }} resumes through a message and avoids it)"
        )
    } else {
        format!(
            "# each nap cost {ms_a_nap:.2} ms, well under the clamp a nested 0 ms timer pays here ({clamp:.1} ms): \
             each await resumed in a fresh task, so these timers did not nest"
        )
    }
}

fn offload_name(offload: Offload) -> &'static str {
    match offload {
        Offload::Thread => "a pool thread (asyncio.to_thread)",
        Offload::Process => "a fresh process (run_in_executor with a ProcessPoolExecutor)",
    }
}

fn via_name(via: NapVia) -> &'static str {
    match via {
        NapVia::Yield => {
            "a 0 ms timer, then a message to the page itself (due timers run first; the timers never nest, so no clamp)"
        }
        NapVia::Timeout => "setTimeout(0)",
    }
}

/// What to watch while it runs.
fn watch_for(model: Model, slow: SlowKind) -> String {
    if slow == SlowKind::BlockingSleep && slow.blocks_the_loop(model) {
        return "time.sleep(3) never awaits: it holds the event loop for 3 s, exactly as is_prime does, \
                because to the loop a call that blocks and a call that computes are alike: neither \
                gives it a turn. The spinner task never even starts. Watch the monitor."
            .to_string();
    }
    let prime = slow == SlowKind::Prime;
    match (model, prime) {
        (Model::Thread, true) => "The main thread is computing is_prime and is blocked: buttons and painting wait. The spinner thread draws on its own canvas and keeps turning.",
        (Model::ThreadGil, true) => "slow() divides on a thread holding a simulated GIL; the spinner thread needs the GIL for every frame: it waits up to the switch interval, asks for it, draws, and lets it go. Watch it keep turning, a little late.",
        (Model::ThreadGil, false) => "slow() sleeps, which releases the GIL; the spinner thread takes it for each frame without waiting.",
        (Model::Process, true) => "The main thread is computing is_prime and is blocked. The spinner lives in another process (its own wasm instance and memory) and keeps turning.",
        (Model::Coroutine, true) => "The coroutine calls is_prime without awaiting anything: the event loop is frozen. The spinner cannot turn; the page cannot respond. Watch the monitor.",
        (Model::CoroutineNap, true) => "is_prime naps every few milliseconds, giving the event loop a turn: the spinner turns, and the check takes longer.",
        (Model::CoroutineOffload, true) => "slow() awaits is_prime on another thread or process: the event loop is free, the spinner turns, the check runs at full speed.",
        (Model::Thread | Model::Process, false) => "slow() sleeps; the spinner turns in its own worker.",
        _ => "slow() awaits a 3 s sleep; the spinner coroutine runs during the waits.",
    }
    .to_string()
}

/// The run's lesson, from its measurements.
fn verdict(
    model: Model,
    slow: SlowKind,
    outcome: &Outcome,
    expected: f64,
    gap_ms: f64,
    frozen: bool,
) -> String {
    let share = f64::from(outcome.frames) / expected.max(1.0);
    let why = if slow == SlowKind::BlockingSleep {
        "time.sleep(3) froze it as is_prime does: a call that blocks without awaiting and a \
         computation look the same to the event loop, and neither lets it run anything else."
    } else {
        "A blocking call in a coroutine blocks the whole event loop."
    };
    match (model, frozen) {
        (Model::Coroutine | Model::CoroutineNap, true) => format!(
            "Frozen: the spinner drew {} frames and the main thread went {:.1} s without running a task. {why}",
            outcome.frames,
            gap_ms / 1000.0
        ),
        (Model::Thread | Model::Process, true) => format!(
            "The spinner drew {:.0}% of its frames while the main thread was blocked for {:.1} s.",
            100.0 * share,
            gap_ms / 1000.0
        ),
        _ => format!(
            "The spinner drew {:.0}% of its frames; the main thread's longest gap was {gap_ms:.0} ms.",
            100.0 * share
        ),
    }
}
