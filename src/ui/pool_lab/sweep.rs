//! The book's sweep (`run_procs.sh`: one run per worker count, in rounds)
//! and the split of one big number across the pool (rayon).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::CanvasRenderingContext2d;

use super::options::{PoolRequest, SWEEP_MAX, SWEEP_ROUNDS_MAX};
use super::plots::draw_sweep;
use super::run::{exclusive, pool_run};
use super::{PoolLab, PoolView, runs_without_threads};
use crate::core::bench::Summary;
use crate::core::primes::{NUMBERS, parse_number};
use crate::core::protocol::{JobKind, Mode};
use crate::core::report::{Lines, SplitReport, SweepPoint, SweepReport};
use crate::models::pool;
use crate::runtime::steps::next_paint;
use crate::ui::dom::{append_cells, publish};

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
    app.view.sweep_at.set(None);
    outcome
}

/// One worker count's totals over the rounds, and their summary.
fn sweep_points(totals: &[(usize, Vec<f64>)]) -> Vec<(usize, Summary)> {
    totals
        .iter()
        .filter_map(|(workers, ms)| Summary::of(ms).map(|s| (*workers, s)))
        .collect()
}

/// The sweep, under `exclusive`: check the request, run the rounds, then
/// report (the transcript's line, the "done" message, the published report).
async fn sweep(app: &Rc<PoolLab>, mode: Mode, to: usize, rounds: usize) -> Result<JsValue, String> {
    check_sweep(app.pool.is_some(), mode, to, rounds)?;
    let view = &app.view;
    let (sequential, totals, was_stopped) = sweep_rounds(app, mode, to, rounds).await?;
    if was_stopped {
        view.output.say("Sweep stopped.", "done");
    }
    let (line, done, report) = sweep_report(mode, rounds, &sequential, &totals);
    view.output.append_transcript(std::slice::from_ref(&line));
    if let Some(done) = done {
        view.output.say(&done, "done");
    }
    Ok(publish(report))
}

/// A sweep's request, checked: a mode with a choice of workers that this
/// browser can run, and `to` and `rounds` within their bounds.
fn check_sweep(has_pool: bool, mode: Mode, to: usize, rounds: usize) -> Result<(), String> {
    if matches!(mode, Mode::Sequential | Mode::Rayon) {
        return Err(format!(
            "a sweep varies the number of workers: {} has no such choice",
            mode.key()
        ));
    }
    if !has_pool && !runs_without_threads(mode) {
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
    Ok(())
}

/// One run of the sweep: the book's fixture, on the book's pool.
fn sweep_request(mode: Mode, workers: usize) -> PoolRequest {
    PoolRequest {
        mode,
        workers,
        numbers: NUMBERS.to_vec(),
        design: crate::core::protocol::Design::Pool,
        race_delay_ms: 0,
        switch_interval: crate::core::protocol::SWITCH_INTERVAL,
        kind: JobKind::Cpu,
    }
}

/// The rounds: in each, a sequential run, then `mode` with 1..=`to`
/// workers, each published as a run of its own and the chart redrawn.
/// Returns the sequential totals, each worker count's totals, and whether
/// the learner stopped the sweep.
async fn sweep_rounds(
    app: &Rc<PoolLab>,
    mode: Mode,
    to: usize,
    rounds: usize,
) -> Result<(Vec<f64>, Vec<(usize, Vec<f64>)>, bool), String> {
    let view = &app.view;
    let runs = rounds * (to + 1);
    let mut sequential: Vec<f64> = Vec::new();
    let mut totals: Vec<(usize, Vec<f64>)> = (1..=to).map(|w| (w, Vec::new())).collect();
    let mut was_stopped = false;
    'rounds: for round in 0..rounds {
        view.sweep_at.set(Some((round * (to + 1) + 1, runs)));
        // Each run is reported as a run of its own, then read here.
        let report = pool_run(app, sweep_request(Mode::Sequential, 1)).await?;
        publish(report.clone());
        if report.stopped.is_some() {
            was_stopped = true;
            break;
        }
        sequential.push(report.total_ms);
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
            let report = pool_run(app, sweep_request(mode, workers)).await?;
            publish(report.clone());
            if report.stopped.is_some() {
                was_stopped = true;
                break 'rounds;
            }
            totals[workers - 1].1.push(report.total_ms);
            let sequential_ms = Summary::of(&sequential).map_or(f64::NAN, |s| s.median);
            view.draw_sweep(mode, sequential_ms, &sweep_points(&totals));
        }
    }
    Ok((sequential, totals, was_stopped))
}

/// The sweep's report from its totals: the transcript's line, the
/// "done" message (when there is a best point), and the report itself.
fn sweep_report(
    mode: Mode,
    rounds: usize,
    sequential: &[f64],
    totals: &[(usize, Vec<f64>)],
) -> (String, Option<String>, SweepReport) {
    let sequential_ms = Summary::of(sequential).map_or(f64::NAN, |s| s.median);
    let points = sweep_points(totals);
    let best = points
        .iter()
        .map(|(w, s)| (*w, s.median))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let sweep_points: Vec<SweepPoint> = totals
        .iter()
        .filter_map(|(workers, ms)| {
            Summary::of(ms).map(|summary| SweepPoint {
                workers: *workers,
                totals_ms: ms.clone(),
                median_ms: summary.median,
                min_ms: summary.min,
                max_ms: summary.max,
            })
        })
        .collect();
    let of_rounds = if rounds == 1 {
        String::new()
    } else {
        format!(", medians of {rounds} rounds")
    };
    let workers = |w: usize| {
        if w == 1 {
            "1 worker".to_string()
        } else {
            format!("{w} workers")
        }
    };
    let line = match best {
        Some((w, t)) => format!(
            "# sweep of {}: best with {}, {:.2}s (sequential {:.2}s){of_rounds}",
            mode.key(),
            workers(w),
            t / 1000.0,
            sequential_ms / 1000.0
        ),
        None => format!("# sweep of {}: stopped before any point", mode.key()),
    };
    let done = best.map(|(w, t)| {
        format!(
            "Sweep done: best with {} ({:.2} s; sequential {:.2} s){of_rounds}.",
            workers(w),
            t / 1000.0,
            sequential_ms / 1000.0
        )
    });
    let report = SweepReport {
        mode: mode.key(),
        rounds,
        sequential_ms,
        points: sweep_points,
        best,
        lines: Lines::of(std::slice::from_ref(&line)),
    };
    (line, done, report)
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
    let view = &app.view;
    let pool = app
        .pool
        .as_ref()
        .ok_or("splitting a number needs the thread pool, which this browser does not have")?;
    let n = match n {
        Some(text) => parse_number(&text).map_err(|e| format!("Cannot check: {e}."))?,
        None => app
            .calibrated()
            .await
            .map_or(crate::core::primes::BOOK_PRIME, |c| c.prime),
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
            crate::core::spinner::answer_line(Some((n, last.prime))),
            last.elapsed
        ),
        "done",
    );
    Ok(publish(SplitReport {
        n,
        prime: last.prime,
        runs: results
            .iter()
            .map(|(parts, r)| (*parts, r.elapsed * 1000.0))
            .collect(),
        lines: Lines::of(&lines),
    }))
}

impl PoolView {
    /// The sweep's figures as a table: the chart's text alternative.
    fn fill_sweep_table(&self, sequential_ms: f64, points: &[(usize, Summary)]) {
        let _ = self.sweep_table.remove_attribute("hidden");
        let Ok(Some(body)) = self.sweep_table.query_selector("tbody") else {
            return;
        };
        body.set_text_content(None);
        let sequential = format!("{:.2} s", sequential_ms / 1000.0);
        let _ = append_cells(&body, &["sequential", &sequential, "1.00×", "", ""]);
        for (workers, s) in points {
            let cells = [
                workers.to_string(),
                format!("{:.2} s", s.median / 1000.0),
                format!("{:.2}×", sequential_ms / s.median),
                format!("{:.2}–{:.2} s", s.min / 1000.0, s.max / 1000.0),
                s.runs.to_string(),
            ];
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            if let Ok(row) = append_cells(&body, &cells) {
                let _ = row.set_attribute("data-workers", &workers.to_string());
            }
        }
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
}
