//! The pool lab's pictures: the timeline of a run (a lane per worker, a bar
//! per number) and the sweep's chart (total time against workers, beside the
//! author's and a reader's machines).

use js_sys::Array;
use wasm_bindgen::JsValue;
use web_sys::{CanvasRenderingContext2d, Element};

use crate::core::bench::Summary;
use crate::core::pool_runs::nice_step;
use crate::core::protocol::Mode;
use crate::runtime::canvas::css_var;
use crate::ui::dom::{control, element};

pub(super) use crate::core::pool_run::Row;

/// What the timeline draws, updated as messages arrive.
#[derive(Default)]
pub(super) struct Timeline {
    /// Per worker: when it was up (ms since the start), and when its current
    /// number began.
    pub(super) started: Vec<Option<f64>>,
    pub(super) busy_since: Vec<Option<f64>>,
    pub(super) rows: Vec<Row>,
    pub(super) cancelled: Vec<(u64, usize, f64)>,
    /// Set while running: "now", for bars still growing.
    pub(super) live_until: Option<f64>,
    /// The time axis's length, where it is fixed (a replay's: its run's).
    pub(super) span_ms: Option<f64>,
}

/// Paints a chart's background in the page's terminal colours; returns
/// them, paper and ink.
fn clear(ctx: &CanvasRenderingContext2d, width: f64, height: f64) -> (String, String) {
    let paper = css_var("--term-paper", "#15171c");
    ctx.set_fill_style_str(&paper);
    ctx.fill_rect(0.0, 0.0, width, height);
    (paper, css_var("--term-ink", "#e9ecef"))
}

pub(super) fn draw_timeline(
    ctx: &CanvasRenderingContext2d,
    t: &Timeline,
    width: f64,
    height: f64,
    s: f64,
) {
    let (paper, ink) = clear(ctx, width, height);
    let lanes = t.started.len().max(1);
    let end = t
        .rows
        .iter()
        .map(|r| r.end_ms)
        .chain(t.live_until)
        .chain(t.span_ms)
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

/// Writes `text` beside a marker at `px`, to its right where it fits, else
/// to its left, and never outside `(from, to)`.
fn label_inside(
    ctx: &CanvasRenderingContext2d,
    text: &str,
    px: f64,
    py: f64,
    (from, to): (f64, f64),
    s: f64,
) {
    let w = ctx
        .measure_text(text)
        .map_or(6.0 * s * text.len() as f64, |m| m.width());
    let right = px + 8.0 * s;
    let x = if right + w <= to {
        right
    } else {
        (px - 8.0 * s - w).max(from)
    };
    let _ = ctx.fill_text(text, x, py);
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

/// The sweep plot's reference curves as figures, for a reader who cannot
/// see the plot (and anyone who wants the numbers): the author's medians
/// from `log-procs.txt` and the reader's two points, in the closed
/// `<details data-role=sweep-reference>` `index.html` writes beside the
/// plot, in the pool lab's `section`.
pub(super) fn show_reference_figures(section: &Element) -> Result<(), JsValue> {
    let Some(doc) = section.owner_document() else {
        return Ok(());
    };
    let rows: Element = control(section, "[data-role=sweep-reference] tbody")?;
    for (i, secs) in AUTHOR_PROCS_MEDIANS_S.iter().enumerate() {
        let row = doc.create_element("tr")?;
        let processes = element(&doc, "td", "", &(i + 1).to_string())?;
        let median = element(&doc, "td", "", &format!("{secs:.2} s"))?;
        row.append_with_node_2(&processes, &median)?;
        rows.append_child(&row)?;
    }
    let reader: Element = control(section, "[data-role=sweep-reference] p.small")?;
    reader.set_text_content(Some(&format!(
        "A reader's run from the chapter notes (8 workers): sequential {READER_SEQUENTIAL_S:.2} s, \
         8 processes {READER_PROCESSES_8_S:.2} s, 8 threads under the GIL {READER_THREADS_8_S:.2} s."
    )));
    Ok(())
}

/// Where the sweep's chart draws: its margins, its axes' reach (workers
/// and ms) and the page's scale.
#[derive(Clone, Copy)]
struct SweepFrame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    width: f64,
    height: f64,
    max_n: f64,
    max_ms: f64,
    s: f64,
}

impl SweepFrame {
    /// The x of `n` workers.
    fn x(&self, n: f64) -> f64 {
        self.left + (self.width - self.left - self.right) * (n - 1.0) / (self.max_n - 1.0).max(1.0)
    }

    /// The y of a total of `ms`.
    fn y(&self, ms: f64) -> f64 {
        self.top + (self.height - self.top - self.bottom) * (1.0 - ms / self.max_ms)
    }
}

/// The sweep's chart: total time against workers, beside the sequential
/// run and, for shape, the author's and a reader's machines.
pub(super) fn draw_sweep(
    ctx: &CanvasRenderingContext2d,
    mode: Mode,
    sequential_ms: f64,
    points: &[(usize, Summary)],
    width: f64,
    height: f64,
    s: f64,
) {
    let (_, ink) = clear(ctx, width, height);
    // The axis fits this run's points (a reader's 8 workers show only when
    // the sweep reaches 8).
    let max_n = points.iter().map(|p| p.0).max().unwrap_or(1).max(2) as f64;
    let max_ms = points
        .iter()
        .map(|p| p.1.max)
        .chain([sequential_ms])
        .fold(1.0f64, f64::max)
        * 1.1;
    let (left, right, top, bottom) = (52.0 * s, 24.0 * s, 16.0 * s, 30.0 * s);
    let f = SweepFrame {
        left,
        right,
        top,
        bottom,
        width,
        height,
        max_n,
        max_ms,
        s,
    };
    draw_sweep_axes(ctx, &f, &ink);
    draw_sequential(ctx, &f, sequential_ms);
    if mode == Mode::Processes {
        draw_author_curve(ctx, &f, sequential_ms);
    }
    draw_reader_points(ctx, &f, sequential_ms);
    draw_this_run(ctx, &f, points);
    draw_best(ctx, &f, points);
    ctx.set_fill_style_str(&ink);
    let _ = ctx.fill_text(
        &format!("{}: total time against workers", mode.key()),
        left,
        12.0 * s,
    );
}

/// Axes, ticks and units: a grid line and a label for each quarter of the
/// time, a label for each worker count (past 10, the odd ones and the last).
fn draw_sweep_axes(ctx: &CanvasRenderingContext2d, f: &SweepFrame, ink: &str) {
    let SweepFrame {
        left,
        right,
        width,
        height,
        max_n,
        max_ms,
        s,
        ..
    } = *f;
    ctx.set_font(&format!("{}px system-ui, sans-serif", 11.0 * s));
    ctx.set_fill_style_str(ink);
    ctx.set_stroke_style_str(ink);
    ctx.set_global_alpha(0.35);
    ctx.set_line_width(1.0);
    for i in 0..=4 {
        let ms = max_ms * f64::from(i) / 4.0;
        ctx.begin_path();
        ctx.move_to(left, f.y(ms));
        ctx.line_to(width - right, f.y(ms));
        ctx.stroke();
    }
    ctx.set_global_alpha(0.8);
    for i in 0..=4 {
        let ms = max_ms * f64::from(i) / 4.0;
        let _ = ctx.fill_text(&format!("{:.1} s", ms / 1000.0), 4.0 * s, f.y(ms) + 4.0 * s);
    }
    for n in 1..=max_n as usize {
        if max_n <= 10.0 || n % 2 == 1 || n == max_n as usize {
            let _ = ctx.fill_text(&n.to_string(), f.x(n as f64) - 3.0 * s, height - 12.0 * s);
        }
    }
    let _ = ctx.fill_text("workers", width / 2.0 - 20.0 * s, height - 1.0 * s);
}

/// The sequential reference: a dashed line across the chart.
fn draw_sequential(ctx: &CanvasRenderingContext2d, f: &SweepFrame, sequential_ms: f64) {
    let SweepFrame {
        left,
        right,
        width,
        s,
        ..
    } = *f;
    ctx.set_global_alpha(0.6);
    ctx.set_line_dash(&Array::of2(&(4.0 * s).into(), &(4.0 * s).into()))
        .ok();
    ctx.begin_path();
    ctx.move_to(left, f.y(sequential_ms));
    ctx.line_to(width - right, f.y(sequential_ms));
    ctx.stroke();
    ctx.set_line_dash(&Array::new()).ok();
    let _ = ctx.fill_text(
        "sequential",
        width - right - 70.0 * s,
        f.y(sequential_ms) - 4.0 * s,
    );
    ctx.set_global_alpha(1.0);
}

/// The author's curve (processes only), scaled so that 1 process takes
/// this run's sequential time, for shape.
fn draw_author_curve(ctx: &CanvasRenderingContext2d, f: &SweepFrame, sequential_ms: f64) {
    let SweepFrame {
        left,
        right,
        width,
        max_n,
        s,
        ..
    } = *f;
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
            f.x((i + 1) as f64),
            f.y(secs / AUTHOR_PROCS_MEDIANS_S[0] * sequential_ms),
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
    let author = "the author's machine (log-procs.txt, 13 rounds, medians)";
    let at = f.y(AUTHOR_PROCS_MEDIANS_S[last - 1] / AUTHOR_PROCS_MEDIANS_S[0] * sequential_ms);
    label_inside(
        ctx,
        author,
        f.x(last as f64),
        at - 8.0 * s,
        (left, width - right),
        s,
    );
    ctx.set_global_alpha(1.0);
}

/// A reader's run, for shape, where the axis reaches 8: their points
/// scaled so that their sequential run matches this one.
fn draw_reader_points(ctx: &CanvasRenderingContext2d, f: &SweepFrame, sequential_ms: f64) {
    let SweepFrame {
        left,
        right,
        width,
        max_n,
        s,
        ..
    } = *f;
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
    for (label, ratio) in reader.into_iter().filter(|_| max_n >= 8.0) {
        let (px, py) = (f.x(8.0), f.y(ratio * sequential_ms));
        ctx.set_stroke_style_str("#ffa94d");
        ctx.begin_path();
        let _ = ctx.arc(px, py, 5.0 * s, 0.0, std::f64::consts::TAU);
        ctx.stroke();
        ctx.set_fill_style_str("#ffa94d");
        label_inside(ctx, label, px, py + 4.0 * s, (left, width - right), s);
    }
}

/// This run: a line through the medians, and each point, the median with
/// the fastest and slowest round as a bar.
fn draw_this_run(ctx: &CanvasRenderingContext2d, f: &SweepFrame, points: &[(usize, Summary)]) {
    let s = f.s;
    ctx.set_stroke_style_str("#4dabf7");
    ctx.set_fill_style_str("#4dabf7");
    ctx.set_line_width(2.0 * s);
    ctx.begin_path();
    for (i, (n, summary)) in points.iter().enumerate() {
        if i == 0 {
            ctx.move_to(f.x(*n as f64), f.y(summary.median));
        } else {
            ctx.line_to(f.x(*n as f64), f.y(summary.median));
        }
    }
    ctx.stroke();
    ctx.set_line_width(1.5 * s);
    for (n, summary) in points {
        let px = f.x(*n as f64);
        if summary.runs > 1 {
            ctx.begin_path();
            ctx.move_to(px, f.y(summary.min));
            ctx.line_to(px, f.y(summary.max));
            for end in [summary.min, summary.max] {
                ctx.move_to(px - 4.0 * s, f.y(end));
                ctx.line_to(px + 4.0 * s, f.y(end));
            }
            ctx.stroke();
        }
        ctx.begin_path();
        let _ = ctx.arc(px, f.y(summary.median), 3.0 * s, 0.0, std::f64::consts::TAU);
        ctx.fill();
    }
}

/// The best point (the lowest median), circled and labelled.
fn draw_best(ctx: &CanvasRenderingContext2d, f: &SweepFrame, points: &[(usize, Summary)]) {
    let SweepFrame {
        left,
        right,
        width,
        s,
        ..
    } = *f;
    let medians = points.iter().map(|(n, summary)| (*n, summary.median));
    if let Some((n, ms)) = medians.min_by(|a, b| a.1.total_cmp(&b.1)) {
        ctx.set_fill_style_str("#69db7c");
        ctx.begin_path();
        let _ = ctx.arc(f.x(n as f64), f.y(ms), 6.0 * s, 0.0, std::f64::consts::TAU);
        ctx.fill();
        let best = format!("best: {n} workers ({:.2} s)", ms / 1000.0);
        label_inside(
            ctx,
            &best,
            f.x(n as f64),
            f.y(ms) - 8.0 * s,
            (left, width - right),
            s,
        );
    }
}
