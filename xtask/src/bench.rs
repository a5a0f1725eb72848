//! `./x bench [--quick]`: spinlab against native Rust and CPython, side by
//! side, on this machine, in one run.
//!
//! 1. builds the page (release) and the native reference (release);
//! 2. serves the page and drives headless Chromium through
//!    `window.spinlab.runBench` (`tests/e2e/bench.mjs`), which also times
//!    the page's start-up, cold and warm;
//! 3. runs the native reference (`bench/native.rs`) and CPython
//!    (`bench/is_prime.py`) on the numbers the page checked;
//! 4. prints the table (`spinlab::core::bench`), writes every raw sample to
//!    `bench/results.json` and the table into docs/performance.md.
//!
//! `--quick` takes 3 runs a figure, a ≈1 s prime and no CPython fixture run,
//! and writes `target/bench/results-quick.json` only. What the page and the
//! references print is read back in `json`.

mod json;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use spinlab::core::bench::{
    Figure, Measurements, PoolSeries, Sizes, Verdict, figures_json, markdown_table,
};
use spinlab::core::primes::{BOOK_PRIME, NUMBERS};
use spinlab::core::report::json_string;

use self::json::{
    CPythonFixture, CPythonKernel, Kernels, NativeFixture, NativeKernel, NativeSplit, PageRun,
    PoolTotals,
};
use crate::build::{build, publish_reference};
use crate::serve::serve_dist;
use crate::tools::{CHROMIUM, ensure_chromium, ensure_node_packages, ensure_python};
use crate::{Result, cargo, root, step};

/// The file whose table `./x bench` rewrites, between the markers below.
const TABLE_FILE: &str = "docs/performance.md";
const README_BEGIN: &str = "<!-- bench:begin -->";
const README_END: &str = "<!-- bench:end -->";

/// Measures, writes the results and prints the table; with `quick`, a
/// shorter run kept apart from the reference.
pub fn bench(quick: bool) -> Result<()> {
    let t0 = Instant::now();
    let root = root();
    let e2e = root.join("tests/e2e");
    ensure_chromium()?;
    ensure_node_packages(&e2e)?;
    let python = ensure_python()?;

    build()?;
    let native = build_native_reference(&root)?;
    let scratch = root.join("target/bench");
    let page = measure_page(&e2e, &scratch, quick)?;
    let mut m = Measurements::try_from(page.measurements)?;
    let runs = m.runs.to_string();
    time_native(&native, &runs, &mut m)?;
    let cpython = CPython {
        python: &python,
        script: &root.join("bench/is_prime.py"),
        runs: &runs,
    };
    time_cpython(&cpython, quick, &mut m)?;
    m.sizes = Some(sizes(&root.join("www/pkg")));

    let figures = m.figures();
    let table = markdown_table(&figures);
    let provenance = Provenance::read(&root, &python, page.browser, quick);
    let results = results_json(&provenance, quick, t0.elapsed(), &figures, &m);
    let file = if quick {
        scratch.join("results-quick.json")
    } else {
        root.join("bench/results.json")
    };
    fs::write(&file, &results).map_err(|e| format!("writing {}: {e}", file.display()))?;
    if !quick {
        publish_reference(&root)?;
        update_table(&root, &table, &provenance)?;
    }
    print_table(&provenance, &table, &figures, &file, quick);
    println!("took {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// Runs `cmd` without a bound (the benchmark's steps), streaming its output;
/// fails with `what` if it fails.
fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd
        .status()
        .map_err(|e| format!("{what}: could not run {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Builds the native reference (release); returns its binary's path.
fn build_native_reference(root: &Path) -> Result<PathBuf> {
    step("building the native reference (release)");
    run(
        cargo()
            .current_dir(root)
            .args(["build", "--release", "--package", "spinlab-native"]),
        "cargo build (native reference)",
    )?;
    Ok(root.join("target/release/spinlab-native"))
}

/// The page's own measurements, taken by `bench.mjs` in headless Chromium
/// and read back from `page.json` in `scratch`.
fn measure_page(e2e: &Path, scratch: &Path, quick: bool) -> Result<PageRun> {
    // The page as learners get it from a host: the deployable site with
    // its _headers (isolated; the hashed module, glue and snippets
    // `immutable`, so neither a reload nor a new worker asks for them again).
    step("the page in headless Chromium, served as deployed (start-up, then spinlab.runBench)");
    fs::create_dir_all(scratch).map_err(|e| format!("creating {}: {e}", scratch.display()))?;
    let page_json = scratch.join("page.json");
    let _ = fs::remove_file(&page_json);
    let (server, written) = serve_dist(&scratch.join("site"))?;
    println!(
        "serving the deployable site ({}) with its _headers at http://{}/",
        written.bundle, server.addr
    );
    let outcome = run(
        Command::new("node")
            .current_dir(e2e)
            .arg("bench.mjs")
            .env("SPINLAB_URL", format!("http://{}/", server.addr))
            .env("SPINLAB_BENCH_OUT", &page_json)
            .env("SPINLAB_BENCH_QUICK", if quick { "1" } else { "0" })
            .env("CHROMIUM", CHROMIUM),
        "the browser benchmark",
    );
    drop(server);
    outcome?;
    serde_json::from_str(
        &fs::read_to_string(&page_json)
            .map_err(|e| format!("reading {}: {e}", page_json.display()))?,
    )
    .map_err(|e| format!("the browser benchmark wrote bad JSON: {e}"))
}

/// The native reference on what the page measured: each kernel's number
/// (with the variant the page ran), the fixture's pools, and the split.
fn time_native(native: &Path, runs: &str, m: &mut Measurements) -> Result<()> {
    step("the native reference: the same check and pool protocol, release build");
    let mut numbers: Vec<String> = m.kernels.iter().map(|k| k.n.to_string()).collect();
    numbers.sort();
    numbers.dedup();
    let timed: Kernels<NativeKernel> =
        json_of(Command::new(native).args(["kernel", runs]).args(&numbers))?;
    for kernel in &mut m.kernels {
        let native = timed
            .kernels
            .iter()
            .find(|native| native.n == kernel.n)
            .ok_or_else(|| format!("the native reference did not time {}", kernel.n))?;
        kernel.native_ms = if kernel.variant == "is_prime" {
            native.ms.clone()
        } else {
            native.unrolled_ms.clone()
        };
    }
    let fixture: NativeFixture =
        json_of(Command::new(native).args(["fixture", runs, &m.cores.to_string()]))?;
    m.pools
        .extend(fixture.pools.into_iter().map(PoolSeries::from));
    if let Some(split) = &mut m.split {
        let native: NativeSplit = json_of(Command::new(native).args([
            "split",
            runs,
            &split.n.to_string(),
            &split.parts.to_string(),
        ]))?;
        if native.n != split.n || native.parts != split.parts {
            return Err("the native split did not split the page's number into its parts".into());
        }
        split.native_one_ms = native.one_ms;
        split.native_parts_ms = native.parts_ms;
    }
    Ok(())
}

/// CPython running `bench/is_prime.py`, `runs` runs a figure.
struct CPython<'a> {
    python: &'a Path,
    script: &'a Path,
    runs: &'a str,
}

impl CPython<'_> {
    /// `is_prime.py <what> <runs> <args…>`, its output read as `T`.
    fn json<T: DeserializeOwned>(&self, what: &str, args: &[String]) -> Result<T> {
        json_of(
            Command::new(self.python)
                .arg(self.script)
                .args([what, self.runs])
                .args(args),
        )
    }
}

/// CPython on the book's prime; and, in a full run, on the fixture,
/// sequentially and in the book's pools.
fn time_cpython(cpython: &CPython, quick: bool, m: &mut Measurements) -> Result<()> {
    step(&format!(
        "CPython ({}): the book's is_prime",
        cpython.python.display()
    ));
    let timed: Kernels<CPythonKernel> = cpython.json("kernel", &[BOOK_PRIME.to_string()])?;
    let cpython_ms = match timed.kernels.as_slice() {
        [k] if k.n == BOOK_PRIME => k.ms.clone(),
        other => {
            let numbers: Vec<u64> = other.iter().map(|k| k.n).collect();
            return Err(format!(
                "is_prime.py kernel timed other numbers than {BOOK_PRIME}: {numbers:?}"
            ));
        }
    };
    if let Some(kernel) = m
        .kernels
        .iter_mut()
        .find(|k| k.n == BOOK_PRIME && k.variant == "is_prime")
    {
        kernel.cpython_ms = cpython_ms;
    }
    if !quick {
        time_cpython_fixture(cpython, m)?;
    }
    Ok(())
}

/// CPython on the book's fixture: sequentially, then the book's procs.py
/// and threads.py designs with 1..N workers, beside the page's processes
/// and threads modes.
fn time_cpython_fixture(cpython: &CPython, m: &mut Measurements) -> Result<()> {
    println!(
        "CPython, the fixture sequentially: {} runs after a warm-up (about 15 s each)…",
        m.runs
    );
    let fixture: Vec<String> = NUMBERS.iter().map(u64::to_string).collect();
    let sequential: CPythonFixture = cpython.json("fixture", &fixture)?;
    m.cpython_fixture_ms = sequential.fixture_ms;
    for kind in ["processes", "threads"] {
        for workers in 1..=m.cores {
            println!(
                "CPython, the book's pool: {kind} × {workers}, {} runs…",
                cpython.runs
            );
            let args = [vec![kind.to_string(), workers.to_string()], fixture.clone()].concat();
            let pool: PoolTotals = cpython.json("pool", &args)?;
            let mut series = PoolSeries::from(pool);
            series.mode = format!("cpython-{}", series.mode);
            m.pools.push(series);
        }
    }
    Ok(())
}

/// How, when and where a run measured: the head of its results.
struct Provenance {
    date: String,
    command: &'static str,
    machine: Machine,
    /// What measured: `(key, version)`, the commit first.
    versions: [(&'static str, String); 6],
}

impl Provenance {
    /// This run's: now, this machine, the versions of what ran; `browser`
    /// is the page's user agent.
    fn read(root: &Path, python: &Path, browser: String, quick: bool) -> Provenance {
        let date = first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]));
        let command = if quick {
            "./x bench --quick"
        } else {
            "./x bench"
        };
        let machine = Machine::read();
        let versions = [
            (
                "spinlab",
                first_line(Command::new("git").current_dir(root).args([
                    "rev-parse",
                    "--short",
                    "HEAD",
                ])),
            ),
            (
                "rustc",
                first_line(Command::new("rustc").current_dir(root).arg("--version")),
            ),
            (
                "chromium",
                first_line(Command::new(CHROMIUM).arg("--version")),
            ),
            ("userAgent", browser),
            ("python", first_line(Command::new(python).arg("--version"))),
            ("node", first_line(Command::new("node").arg("--version"))),
        ];
        Provenance {
            date,
            command,
            machine,
            versions,
        }
    }
}

/// `bench/results.json`: how the run was made, the figures, and every raw
/// sample (read back by `json::Results` in the tests).
fn results_json(
    run: &Provenance,
    quick: bool,
    took: Duration,
    figures: &[Figure],
    m: &Measurements,
) -> String {
    format!(
        "{{\"date\":{},\"command\":{},\"quick\":{quick},\"seconds\":{:.0},\"machine\":{},\"versions\":{{{}}},\"figures\":{},\"measurements\":{}}}\n",
        json_string(&run.date),
        json_string(run.command),
        took.as_secs_f64(),
        run.machine.to_json(),
        run.versions
            .iter()
            .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
            .collect::<Vec<_>>()
            .join(","),
        figures_json(figures),
        m.to_json()
    )
}

/// Rewrites the table in docs/performance.md with this run's.
fn update_table(root: &Path, table: &str, run: &Provenance) -> Result<()> {
    let path = root.join(TABLE_FILE);
    let readme = fs::read_to_string(&path).map_err(|e| format!("reading {TABLE_FILE}: {e}"))?;
    let updated = with_table(
        &readme,
        table,
        run.command,
        &run.date,
        &run.machine.describe(),
    )?;
    fs::write(&path, updated).map_err(|e| format!("writing {TABLE_FILE}: {e}"))
}

/// Prints the table, then how many targets it missed and where it is kept.
fn print_table(run: &Provenance, table: &str, figures: &[Figure], file: &Path, quick: bool) {
    println!(
        "\n==> spinlab benchmark, {}, {}\n",
        run.date,
        run.machine.describe()
    );
    print!("{table}");
    let missed: Vec<&str> = figures
        .iter()
        .filter(|f| f.verdict() == Verdict::Missed)
        .map(|f| f.label.as_str())
        .collect();
    println!(
        "\n{} figures, {} targets missed{}; raw samples in {}{}",
        figures.len(),
        missed.len(),
        if missed.is_empty() {
            String::new()
        } else {
            format!(" ({})", missed.join("; "))
        },
        file.display(),
        if quick {
            String::new()
        } else {
            "; the table in docs/performance.md is updated".into()
        }
    );
}

/// Runs `cmd` and reads its standard output as JSON of the type `T`.
fn json_of<T: DeserializeOwned>(cmd: &mut Command) -> Result<T> {
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{:?} printed bad JSON: {e}", cmd.get_program()))
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let out = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&out)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The built module's, glue's and listings' sizes, raw and gzipped (`gzip -9`).
fn sizes(pkg: &Path) -> Sizes {
    let raw = |f: &str| fs::metadata(pkg.join(f)).map_or(0, |m| m.len());
    let gzip = |f: &str| {
        let out = Command::new("gzip")
            .arg("-9c")
            .arg(pkg.join(f))
            .output()
            .ok()?;
        out.status.success().then_some(out.stdout.len() as u64)
    };
    Sizes {
        wasm_bytes: raw("spinlab_bg.wasm"),
        wasm_gzip_bytes: gzip("spinlab_bg.wasm"),
        js_bytes: raw("spinlab.js"),
        js_gzip_bytes: gzip("spinlab.js"),
        listings_bytes: fs::metadata(pkg.join("listings.json"))
            .ok()
            .map(|m| m.len()),
        listings_gzip_bytes: gzip("listings.json"),
    }
}

/// The machine a run measured on (`machine` in `bench/results.json`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Machine {
    cpu: String,
    cores: usize,
    #[serde(rename = "memoryGiB")]
    memory_gib: f64,
    os: String,
}

impl Machine {
    fn read() -> Machine {
        let file = |p: &str| fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = file("/proc/cpuinfo");
        let field = |text: &str, key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_once([':', '=']))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        };
        Machine {
            cpu: field(&cpuinfo, "model name").unwrap_or_else(|| "unknown CPU".into()),
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory_gib: field(&file("/proc/meminfo"), "MemTotal")
                .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0 / 1024.0),
            os: field(&file("/etc/os-release"), "PRETTY_NAME")
                .unwrap_or_else(|| "unknown OS".into()),
        }
    }

    fn describe(&self) -> String {
        format!(
            "{}, {} cores, {:.0} GiB, {}",
            self.cpu, self.cores, self.memory_gib, self.os
        )
    }

    fn to_json(&self) -> String {
        format!(
            "{{\"cpu\":{},\"cores\":{},\"memoryGiB\":{:.1},\"os\":{}}}",
            json_string(&self.cpu),
            self.cores,
            self.memory_gib,
            json_string(&self.os)
        )
    }
}

/// `readme` with the table between the bench markers replaced by this
/// run's, headed by how and where it was measured.
fn with_table(
    readme: &str,
    table: &str,
    command: &str,
    date: &str,
    machine: &str,
) -> Result<String> {
    let markers =
        || format!("{TABLE_FILE} has no {README_BEGIN} … {README_END} markers for the table");
    let begin = readme.find(README_BEGIN).ok_or_else(markers)?;
    let end = begin + readme[begin..].find(README_END).ok_or_else(markers)?;
    let block = format!(
        "{README_BEGIN}\nMeasured by `{command}` on {date}: {machine}. Every figure is the median of its runs after a warm-up (min – max beside it); \
         ratios pair samples taken in the same run. Raw samples: `bench/results.json`.\n\n{table}"
    );
    Ok(format!("{}{block}{}", &readme[..begin], &readme[end..]))
}

#[cfg(test)]
mod tests {
    use spinlab::core::bench::Kernel;

    use super::json::Results;
    use super::*;

    /// What the writer writes, the reader reads: every key of
    /// `bench/results.json`, the sizes included.
    #[test]
    fn the_results_written_read_back() {
        let m = Measurements {
            runs: 1,
            cores: 2,
            kernels: vec![Kernel {
                n: BOOK_PRIME,
                variant: "is_prime".into(),
                wasm_ms: vec![115.0],
                native_ms: vec![120.0],
                cpython_ms: vec![2340.0],
            }],
            sizes: Some(Sizes {
                wasm_bytes: 617_473,
                wasm_gzip_bytes: Some(267_907),
                js_bytes: 78_722,
                js_gzip_bytes: Some(12_306),
                listings_bytes: Some(40_000),
                listings_gzip_bytes: None,
            }),
            ..Measurements::default()
        };
        let run = Provenance {
            date: "2026-01-02 03:04 UTC".into(),
            command: "./x bench",
            machine: Machine {
                cpu: "a CPU".into(),
                cores: 2,
                memory_gib: 23.5,
                os: "an OS".into(),
            },
            versions: [
                "spinlab",
                "rustc",
                "chromium",
                "userAgent",
                "python",
                "node",
            ]
            .map(|k| (k, format!("{k} 1.0"))),
        };
        let figures = m.figures();
        let written = results_json(&run, false, Duration::from_secs(895), &figures, &m);
        let results: Results = serde_json::from_str(&written).unwrap();
        assert_eq!(results.date, run.date);
        assert_eq!(results.machine.describe(), run.machine.describe());
        assert_eq!(results.versions.user_agent, "userAgent 1.0");
        assert_eq!(results.figures.len(), figures.len());
        assert_eq!(Measurements::try_from(results.measurements).unwrap(), m);
    }

    const README: &str = "# spinlab\n\n## Performance\n\nintro\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n\n## After\n";

    #[test]
    fn replaces_the_readme_table_between_its_markers() {
        let updated = with_table(
            README,
            "| new | table |\n",
            "./x bench",
            "2026-01-02 03:04 UTC",
            "a CPU, 2 cores",
        )
        .unwrap();
        assert_eq!(
            updated,
            "# spinlab\n\n## Performance\n\nintro\n\n<!-- bench:begin -->\n\
             Measured by `./x bench` on 2026-01-02 03:04 UTC: a CPU, 2 cores. Every figure is the median of its runs after a warm-up (min – max beside it); \
             ratios pair samples taken in the same run. Raw samples: `bench/results.json`.\n\n\
             | new | table |\n<!-- bench:end -->\n\n## After\n"
        );
        // Run again, it replaces its own table.
        let again = with_table(&updated, "| newer |\n", "./x bench", "d", "m").unwrap();
        assert!(
            again.contains("| newer |\n<!-- bench:end -->") && !again.contains("| new | table |")
        );
    }

    #[test]
    fn refuses_a_readme_without_both_markers_in_order() {
        for readme in [
            "no markers",
            "<!-- bench:begin -->\nonly the start",
            "<!-- bench:end -->\nreversed\n<!-- bench:begin -->\n",
        ] {
            let err = with_table(readme, "t", "c", "d", "m").unwrap_err();
            assert!(err.contains("has no <!-- bench:begin -->"), "{err}");
        }
    }
}
