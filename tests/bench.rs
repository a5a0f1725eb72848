//! The benchmark's arithmetic: summaries, the scheduling bound, verdicts,
//! and the JSON both sides read.
#![cfg(not(target_arch = "wasm32"))]

use spinlab::core::bench::{
    Goal, Kernel, Measurements, Pitfall, PoolSeries, QueueSeries, Sizes, Split, Summary, Unit,
    Verdict, fifo_schedule, figures_json, markdown_table, median_costs, ratios, scheduling_bound,
};

#[test]
fn summary_is_median_min_max_ignoring_nan() {
    let s = Summary::of(&[5.0, 1.0, 3.0]).unwrap();
    assert_eq!((s.median, s.min, s.max, s.runs), (3.0, 1.0, 5.0, 3));
    let even = Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
    assert_eq!(even.median, 2.5);
    let with_nan = Summary::of(&[f64::NAN, 2.0]).unwrap();
    assert_eq!((with_nan.median, with_nan.runs), (2.0, 1));
    assert!(Summary::of(&[]).is_none());
    assert!(Summary::of(&[f64::NAN]).is_none());
}

#[test]
fn ratios_pair_samples_by_index() {
    assert_eq!(ratios(&[2.0, 9.0, 5.0], &[1.0, 3.0]), vec![2.0, 3.0]);
}

#[test]
fn the_scheduling_bound_is_the_share_or_the_longest_check() {
    let costs = [100.0, 100.0, 100.0, 100.0];
    assert_eq!(scheduling_bound(&costs, 1), 400.0);
    assert_eq!(scheduling_bound(&costs, 2), 200.0);
    // One check longer than the fair share bounds the run.
    assert_eq!(scheduling_bound(&[300.0, 10.0, 10.0], 2), 300.0);
    assert_eq!(scheduling_bound(&costs, 0), 400.0);
}

#[test]
fn a_fifo_queue_in_the_books_order_cannot_reach_the_bound() {
    // Growing costs, the longest last, as in the book's sorted fixture.
    let costs = [10.0, 20.0, 30.0, 40.0, 100.0];
    assert_eq!(scheduling_bound(&costs, 2), 100.0);
    // 10→A, 20→B, 30→A(40), 40→B(60), 100→A(140).
    assert_eq!(fifo_schedule(&costs, 2), 140.0);
    assert_eq!(fifo_schedule(&costs, 1), 200.0);
    assert_eq!(fifo_schedule(&costs, 5), 100.0);
    assert_eq!(fifo_schedule(&[], 2), 0.0);
}

#[test]
fn median_costs_take_each_numbers_median_across_runs() {
    let runs = vec![vec![1.0, 10.0], vec![3.0, 30.0], vec![2.0, 20.0, 99.0]];
    assert_eq!(median_costs(&runs), vec![2.0, 20.0]);
    assert!(median_costs(&[]).is_empty());
}

fn sample() -> Measurements {
    Measurements {
        runs: 3,
        cores: 2,
        kernels: vec![
            Kernel {
                n: 5_000_111_000_222_021,
                variant: "is_prime".into(),
                wasm_ms: vec![81.0, 80.0, 82.0],
                native_ms: vec![80.0, 80.0, 80.0],
                cpython_ms: vec![1640.0, 1650.0, 1630.0],
            },
            Kernel {
                n: 5_000_111_000_222_021,
                variant: "is_prime_unrolled".into(),
                wasm_ms: vec![90.0, 90.0, 90.0],
                native_ms: vec![80.0, 80.0, 80.0],
                cpython_ms: vec![],
            },
        ],
        sequential_ms: vec![1000.0, 1010.0, 990.0],
        sequential_costs_ms: vec![vec![400.0, 300.0, 300.0]; 3],
        cpython_fixture_ms: vec![22_000.0, 22_100.0, 21_900.0],
        pools: vec![
            PoolSeries {
                mode: "threads".into(),
                workers: 2,
                total_ms: vec![650.0, 700.0, 640.0],
                gap_ms: vec![20.0, 30.0, 60.0],
                startup_ms: vec![30.0, 20.0, 24.0],
                boot_ms: vec![
                    vec![1.0, 8.0, 9.0, 10.0, 1.0, 1.0],
                    vec![1.0, 5.0, 6.0, 6.0, 1.0, 1.0],
                    vec![1.0, 6.0, 7.0, 8.0, 1.0, 1.0],
                ],
                costs_ms: vec![
                    vec![420.0, 330.0, 310.0],
                    vec![410.0, 320.0, 300.0],
                    vec![400.0, 310.0, 320.0],
                ],
                tail_ms: vec![5.0, 6.0, 4.0],
            },
            PoolSeries {
                mode: "threads".into(),
                workers: 1,
                total_ms: vec![1100.0, 1100.0, 1100.0],
                gap_ms: vec![10.0, 10.0, 10.0],
                ..PoolSeries::default()
            },
            PoolSeries {
                mode: "cpython-threads".into(),
                workers: 2,
                total_ms: vec![16_000.0, 16_100.0, 15_900.0],
                gap_ms: vec![],
                ..PoolSeries::default()
            },
            PoolSeries {
                mode: "cpython-processes".into(),
                workers: 2,
                total_ms: vec![8_000.0, 8_100.0, 7_900.0],
                gap_ms: vec![],
                ..PoolSeries::default()
            },
            PoolSeries {
                mode: "threads-gil".into(),
                workers: 2,
                total_ms: vec![1100.0, 1080.0, 900.0],
                gap_ms: vec![],
                ..PoolSeries::default()
            },
        ],
        queues: vec![
            QueueSeries {
                via: "threads".into(),
                shared: true,
                jobs: 10_000,
                us_per_job: vec![4.0, 5.0, 6.0],
            },
            QueueSeries {
                via: "postMessage".into(),
                shared: false,
                jobs: 10_000,
                us_per_job: vec![40.0, 50.0, 60.0],
            },
        ],
        split: Some(Split {
            n: 6_946_919_178_137_837_659,
            parts: 2,
            one_ms: vec![3000.0, 3100.0, 3050.0],
            parts_ms: vec![1600.0, 1600.0, 1500.0],
            ..Split::default()
        }),
        pitfall: Some(Pitfall {
            n: 6_946_919_178_137_837_659,
            compute_ms: vec![3000.0, 3000.0, 3000.0],
            gap_ms: vec![2990.0, 2995.0, 2700.0],
        }),
        startup_cold_ms: vec![380.0],
        startup_warm_ms: vec![200.0, 210.0, 260.0],
        startup_cold_stages_ms: vec![
            vec![40.0, 150.0, 100.0, 90.0],
            vec![50.0, 160.0, 110.0, 100.0],
        ],
        startup_warm_stages_ms: Vec::new(),
        bare_workers_ms: vec![15.0, 17.0, 16.0],
        glue_workers_ms: vec![30.0, 28.0, 29.0],
        sizes: Some(Sizes {
            wasm_bytes: 300 * 1024,
            wasm_gzip_bytes: Some(100 * 1024),
            js_bytes: 60 * 1024,
            js_gzip_bytes: None,
            listings_bytes: Some(80 * 1024),
            listings_gzip_bytes: Some(15 * 1024),
        }),
    }
}

fn find<'a>(
    figures: &'a [spinlab::core::bench::Figure],
    label: &str,
) -> &'a spinlab::core::bench::Figure {
    figures
        .iter()
        .find(|f| f.label.contains(label))
        .unwrap_or_else(|| panic!("no figure labelled {label:?}"))
}

#[test]
fn figures_judge_each_target() {
    let figures = sample().figures();

    let kernel = find(&figures, "is_prime(5000111000222021): wasm / native");
    assert_eq!(kernel.value.median, 81.0 / 80.0);
    assert_eq!(kernel.goal, Goal::AtMost(1.05));
    assert_eq!(kernel.verdict(), Verdict::Met);
    // The variant is reported beside the workload, never judged in its place.
    let variant = find(
        &figures,
        "is_prime_unrolled(5000111000222021): wasm / native",
    );
    assert_eq!(variant.value.median, 90.0 / 80.0);
    assert_eq!(variant.verdict(), Verdict::Reported);
    assert!(variant.detail.contains("labelled variant"));

    // CPython's figures are CPython's: reported, never a target of ours.
    let cpython = find(&figures, "the fixture, sequentially: CPython");
    assert_eq!(cpython.value.median, 22.0);
    assert_eq!(cpython.verdict(), Verdict::Reported);
    // The book's threads.py beside the page's threads mode, N for N.
    let threads = find(&figures, "threads × 2: CPython / spinlab");
    assert_eq!(threads.value.median, 16_000.0 / 650.0);
    assert_eq!(threads.verdict(), Verdict::Reported);
    assert!(threads.detail.contains("threads.py"), "{}", threads.detail);
    // A CPython series without the page's counterpart is not shown.
    assert!(
        !figures
            .iter()
            .any(|f| f.label.contains("processes × 2: CPython"))
    );
    // One number against CPython is reported; the expectation is the fixture's.
    let one = find(&figures, "is_prime(5000111000222021): CPython / spinlab");
    assert_eq!(one.value.median, 1640.0 / 81.0);
    assert_eq!(one.verdict(), Verdict::Reported);

    // Costs 400, 300, 300 in that order: the best FIFO schedule with 2
    // workers is 600 ms (the third check waits for the second), above the
    // 500 ms bound; 650 ms is 1.083× it, over the 1.05 threads may take.
    let scaling = find(&figures, "threads × 2: total / best FIFO schedule");
    assert_eq!(scaling.value.median, 650.0 / 600.0);
    assert_eq!(scaling.goal, Goal::AtMost(1.05));
    assert_eq!(scaling.verdict(), Verdict::Missed);
    assert!(
        scaling.detail.contains("scheduling bound 500"),
        "{}",
        scaling.detail
    );
    // Only N = cores is judged.
    assert_eq!(find(&figures, "threads × 1").verdict(), Verdict::Reported);

    let gil = find(&figures, "threads-gil × 2 / sequential");
    assert_eq!(gil.value.median, 1080.0 / 1010.0);
    assert_eq!(gil.verdict(), Verdict::Met);

    let split = find(&figures, "split in 2");
    assert_eq!(split.value.median, 3100.0 / 1600.0);
    assert_eq!(split.goal, Goal::AtLeast(1.8));
    assert_eq!(split.verdict(), Verdict::Met);

    assert_eq!(find(&figures, "via threads").verdict(), Verdict::Met);
    assert_eq!(
        find(&figures, "via postMessage").verdict(),
        Verdict::Reported
    );

    // The main thread is judged on its worst run: 60 ms is a long task.
    let gap = find(&figures, "longest gap during threads × 2");
    assert!(gap.worst_case);
    assert_eq!(gap.value.median, 30.0);
    assert_eq!(gap.verdict(), Verdict::Missed);
    assert!(
        !figures
            .iter()
            .any(|f| f.label.contains("gap during threads × 1"))
    );

    let pitfall = find(&figures, "frozen share");
    assert_eq!(pitfall.unit, Unit::Percent);
    assert!((pitfall.value.median - 99.6666).abs() < 1e-3);
    assert_eq!(pitfall.verdict(), Verdict::Met);

    // A thread's start-up, from the N = cores series: 24 ms, within 25.
    let thread = find(&figures, "a thread: threads × 2");
    assert_eq!(
        (thread.value.median, thread.goal),
        (24.0, Goal::AtMost(25.0))
    );
    assert_eq!(thread.verdict(), Verdict::Met);
    // Where it went, stage by stage: reported, each stage's median named.
    let stages = find(&figures, "the last thread up, stage by stage");
    assert_eq!(
        (stages.value.median, stages.verdict()),
        (24.0, Verdict::Reported)
    );
    assert_eq!(
        stages.detail,
        "medians, ms: page 1.0 · create 6.0 · script 7.0 · glue 8.0 · instantiate 1.0 · to the loop 1.0"
    );
    // Where a run's time goes: start-up, the FIFO schedule of the run's own
    // costs (run 1: 420 | 330 + 310 → 640), after the last check, the rest.
    let run = find(&figures, "threads × 2: where a run's time goes");
    assert_eq!(
        (run.value.median, run.verdict()),
        (650.0, Verdict::Reported)
    );
    // Schedules 640, 620, 630; sums 1060, 1030, 1030 against 1000 sequential;
    // rests 650-30-640-5 = -25, 700-20-620-6 = 54, 640-24-630-4 = -18.
    assert_eq!(
        run.detail,
        "medians, ms: start-up 24.0 · its checks in FIFO order 630.0 (checks 1030 in all, 1.03× the sequential run's) · after the last check 5.0 · the rest -18.0"
    );
    // The browser's floor under it: bare workers, reported.
    let bare = find(&figures, "2 bare module workers");
    assert_eq!(
        (bare.value.median, bare.verdict()),
        (16.0, Verdict::Reported)
    );
    let glue = find(&figures, "2 module workers that import the glue");
    assert_eq!(
        (glue.value.median, glue.verdict()),
        (29.0, Verdict::Reported)
    );
    // No processes series in the sample: no process figure.
    assert!(!figures.iter().any(|f| f.label.starts_with("a process")));
    assert_eq!(find(&figures, "warm").value.median, 210.0);
    assert_eq!(find(&figures, "warm").goal, Goal::AtMost(250.0));
    assert_eq!(find(&figures, "warm").verdict(), Verdict::Met);
    assert_eq!(find(&figures, "cold").goal, Goal::AtMost(400.0));
    assert_eq!(find(&figures, "cold").verdict(), Verdict::Met);
    assert_eq!(
        find(&figures, "wasm module (after").verdict(),
        Verdict::Missed
    );
    let gzipped = find(&figures, "wasm module, gzipped");
    assert_eq!(
        (gzipped.value.median, gzipped.goal),
        (100.0, Goal::AtMost(100.0))
    );
    assert_eq!(gzipped.verdict(), Verdict::Met);
    assert_eq!(find(&figures, "JS glue").verdict(), Verdict::Reported);
    // The bytes that left the module are still counted, beside it.
    let listings = find(&figures, "the code panels' texts");
    assert_eq!(listings.value.median, 80.0);
    assert_eq!(listings.detail, "15 KB gzipped");
    assert_eq!(listings.verdict(), Verdict::Reported);
    let mut older = sample();
    if let Some(sizes) = older.sizes.as_mut() {
        sizes.listings_bytes = None;
    }
    assert!(
        !older
            .figures()
            .iter()
            .any(|f| f.label.contains("the code panels' texts"))
    );
}

#[test]
fn with_the_native_split_the_split_is_judged_against_its_speed_up() {
    let mut m = sample();
    let split = m.split.as_mut().unwrap();
    split.native_one_ms = vec![3000.0; 3];
    split.native_parts_ms = vec![1550.0; 3];
    let figures = m.figures();
    // Ours, run by run: 1.875, 1.9375, 2.033; native 1.935 each.
    let relative = find(
        &figures,
        "split in 2: speed-up / the native split's speed-up",
    );
    assert!((relative.value.median - 1.9375 / (3000.0 / 1550.0)).abs() < 1e-12);
    assert_eq!(relative.goal, Goal::AtLeast(0.97));
    assert_eq!(relative.verdict(), Verdict::Met);
    assert!(
        relative.detail.contains("native: 1 part"),
        "{}",
        relative.detail
    );
    // The absolute speed-up is then reported, not judged.
    let absolute = find(&figures, "split in 2: speed-up");
    assert_eq!(absolute.verdict(), Verdict::Reported);
}

#[test]
fn without_references_the_page_reports_its_own_times() {
    let mut m = sample();
    m.kernels.truncate(1);
    m.kernels[0].native_ms.clear();
    m.kernels[0].cpython_ms.clear();
    m.cpython_fixture_ms.clear();
    m.pools.retain(|p| !p.mode.starts_with("cpython-"));
    m.sizes = None;
    m.startup_cold_ms.clear();
    let figures = m.figures();
    let kernel = find(&figures, "in a page worker");
    assert_eq!(
        (kernel.unit, kernel.verdict()),
        (Unit::Ms, Verdict::Reported)
    );
    assert_eq!(find(&figures, "one worker").value.median, 1000.0);
    assert!(
        !figures
            .iter()
            .any(|f| f.group == "vs CPython" || f.group == "size")
    );
    assert!(!figures.iter().any(|f| f.label.contains("cold")));
}

#[test]
fn the_json_parses_back_with_big_numbers_as_strings() {
    let m = sample();
    let v: serde_json::Value = serde_json::from_str(&m.to_json()).expect("valid JSON");
    assert_eq!(v["kernels"][0]["n"], "5000111000222021");
    assert_eq!(v["kernels"][1]["variant"], "is_prime_unrolled");
    assert_eq!(v["split"]["n"], "6946919178137837659");
    assert_eq!(v["kernels"][0]["wasmMs"][2], 82.0);
    assert_eq!(v["pools"][0]["gapMs"].as_array().unwrap().len(), 3);
    assert_eq!(v["pools"][0]["startupMs"][1], 20.0);
    assert_eq!(v["pools"][0]["bootMs"][0][3], 10.0);
    assert_eq!(v["bareWorkersMs"][1], 17.0);
    assert_eq!(v["pools"][0]["costsMs"][2][0], 400.0);
    assert_eq!(v["pools"][0]["tailMs"][2], 4.0);
    assert_eq!(v["sequentialCostsMs"][1][0], 400.0);
    assert_eq!(v["sizes"]["jsGzipBytes"], serde_json::Value::Null);
    assert_eq!(v["sizes"]["listingsGzipBytes"], 15.0 * 1024.0);
    let empty: serde_json::Value =
        serde_json::from_str(&Measurements::default().to_json()).expect("valid JSON");
    assert_eq!(empty["split"], serde_json::Value::Null);

    let figures = m.figures();
    let f: serde_json::Value = serde_json::from_str(&figures_json(&figures)).expect("valid JSON");
    let rows = f.as_array().unwrap();
    assert_eq!(rows.len(), figures.len());
    assert!(
        rows.iter().any(|r| r["verdict"] == "MISSED"
            && r["label"] == "wasm module (after bindgen and wasm-opt)")
    );
}

#[test]
fn the_markdown_table_has_a_row_per_figure_and_flags_misses() {
    let figures = sample().figures();
    let table = markdown_table(&figures);
    assert_eq!(table.lines().count(), figures.len() + 2);
    assert!(
        table.contains(
            "| size | wasm module (after bindgen and wasm-opt) (100 KB gzipped) | 300 KB |"
        )
    );
    // Three figures miss in the sample: threads × 2 scaling (1.08× the
    // best FIFO schedule), the 60 ms gap, the 300 KB module.
    assert_eq!(table.matches("**MISSED**").count(), 3);
    assert_eq!(
        figures
            .iter()
            .filter(|f| f.verdict() == Verdict::Missed)
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>(),
        [
            "threads × 2: total / best FIFO schedule",
            "longest gap during threads × 2",
            "wasm module (after bindgen and wasm-opt)"
        ]
    );
}

#[test]
fn units_print_like_the_page() {
    assert_eq!(Unit::Ratio.format(1.0234), "1.023×");
    assert_eq!(Unit::Ratio.format(22.04), "22.0×");
    assert_eq!(Unit::Ms.format(80.04), "80.0 ms");
    assert_eq!(Unit::Ms.format(1234.0), "1.23 s");
    assert_eq!(Unit::Us.format(3.456), "3.46 µs");
}

#[test]
fn the_cold_start_up_is_cut_into_its_stages_where_they_were_measured() {
    let figures = sample().figures();
    let detail = |label: &str| {
        figures
            .iter()
            .find(|f| f.label.starts_with(label))
            .map(|f| f.detail.clone())
            .unwrap_or_else(|| panic!("no figure {label}"))
    };
    assert!(
        detail("navigation → ready, cold").ends_with(
            "; medians, ms: document 45.0 · glue + module 155.0 · pool 105.0 · the rest 95.0"
        ),
        "{}",
        detail("navigation → ready, cold")
    );
    assert_eq!(detail("navigation → ready, warm"), "wasm compiled, pool up");
}
