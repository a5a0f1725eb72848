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
//! and writes `target/bench/results-quick.json` only.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Map, Value};
use spinlab::core::bench::{
    Kernel, Measurements, Pitfall, PoolSeries, QueueSeries, Sizes, Split, Verdict, figures_json,
    markdown_table,
};
use spinlab::core::primes::{BOOK_PRIME, NUMBERS};
use spinlab::core::report::json_string;

use crate::{
    CHROMIUM, Result, apt_install, build, can_apt, cargo, ensure_chromium, ensure_node_packages,
    root, run, serve_dist, step, version_of,
};

/// The file whose table `./x bench` rewrites, between the markers below.
const TABLE_FILE: &str = "docs/performance.md";
const README_BEGIN: &str = "<!-- bench:begin -->";
const README_END: &str = "<!-- bench:end -->";

pub fn bench(quick: bool) -> Result<()> {
    let t0 = Instant::now();
    let root = root();
    let e2e = root.join("tests/e2e");
    ensure_chromium()?;
    ensure_node_packages(&e2e)?;
    let python = ensure_python()?;

    build()?;
    step("building the native reference (release)");
    run(
        cargo()
            .current_dir(&root)
            .args(["build", "--release", "--package", "spinlab-native"]),
        "cargo build (native reference)",
    )?;
    let native = root.join("target/release/spinlab-native");

    // The page as learners get it from a host: the deployable site with
    // its _headers (isolated; the hashed module, glue and snippets
    // `immutable`, so neither a reload nor a new worker asks for them again).
    step("the page in headless Chromium, served as deployed (start-up, then spinlab.runBench)");
    let scratch = root.join("target/bench");
    fs::create_dir_all(&scratch).map_err(|e| format!("creating {}: {e}", scratch.display()))?;
    let page_json = scratch.join("page.json");
    let _ = fs::remove_file(&page_json);
    let (server, written) = serve_dist(&scratch.join("site"))?;
    println!(
        "serving the deployable site ({}) with its _headers at http://{}/",
        written.bundle, server.addr
    );
    let outcome = run(
        Command::new("node")
            .current_dir(&e2e)
            .arg("bench.mjs")
            .env("SPINLAB_URL", format!("http://{}/", server.addr))
            .env("SPINLAB_BENCH_OUT", &page_json)
            .env("SPINLAB_BENCH_QUICK", if quick { "1" } else { "0" })
            .env("CHROMIUM", CHROMIUM),
        "the browser benchmark",
    );
    drop(server);
    outcome?;
    let page: Value = serde_json::from_str(
        &fs::read_to_string(&page_json)
            .map_err(|e| format!("reading {}: {e}", page_json.display()))?,
    )
    .map_err(|e| format!("the browser benchmark wrote bad JSON: {e}"))?;
    let page = Record::new(&page, "page.json", &["browser", "measurements"])?;
    let browser = page.text("browser")?;
    let mut m = measurements_from(page.get("measurements")?)?;
    let runs = m.runs.to_string();

    step("the native reference: the same check and pool protocol, release build");
    let mut numbers: Vec<String> = m.kernels.iter().map(|k| k.n.to_string()).collect();
    numbers.sort();
    numbers.dedup();
    let out = json_of(Command::new(&native).args(["kernel", &runs]).args(&numbers))?;
    let timed = native_kernels(&out)?;
    for kernel in &mut m.kernels {
        let native = timed
            .iter()
            .find(|native| native.n == kernel.n)
            .ok_or_else(|| format!("the native reference did not time {}", kernel.n))?;
        kernel.native_ms = if kernel.variant == "is_prime" {
            native.ms.clone()
        } else {
            native.unrolled_ms.clone()
        };
    }
    let out = json_of(Command::new(&native).args(["fixture", &runs, &m.cores.to_string()]))?;
    m.pools.extend(native_pools(&out)?);
    if let Some(split) = &mut m.split {
        let out = json_of(Command::new(&native).args([
            "split",
            &runs,
            &split.n.to_string(),
            &split.parts.to_string(),
        ]))?;
        let native = Record::new(
            &out,
            "spinlab-native split",
            &["n", "parts", "oneMs", "partsMs"],
        )?;
        if native.big("n")? != split.n || native.count("parts")? != split.parts {
            return Err("the native split did not split the page's number into its parts".into());
        }
        split.native_one_ms = native.numbers("oneMs")?;
        split.native_parts_ms = native.numbers("partsMs")?;
    }

    step(&format!(
        "CPython ({}): the book's is_prime",
        python.display()
    ));
    let out = json_of(
        Command::new(&python)
            .arg(root.join("bench/is_prime.py"))
            .args(["kernel", &runs, &BOOK_PRIME.to_string()]),
    )?;
    let cpython_ms = cpython_kernel(&out, BOOK_PRIME)?;
    if let Some(kernel) = m
        .kernels
        .iter_mut()
        .find(|k| k.n == BOOK_PRIME && k.variant == "is_prime")
    {
        kernel.cpython_ms = cpython_ms;
    }
    if !quick {
        println!(
            "CPython, the fixture sequentially: {} runs after a warm-up (about 15 s each)…",
            m.runs
        );
        let fixture: Vec<String> = NUMBERS.iter().map(u64::to_string).collect();
        let out = json_of(
            Command::new(&python)
                .arg(root.join("bench/is_prime.py"))
                .args(["fixture", &runs])
                .args(&fixture),
        )?;
        m.cpython_fixture_ms =
            Record::new(&out, "is_prime.py fixture", &["fixtureMs"])?.numbers("fixtureMs")?;
        // The book's procs.py and threads.py designs with 1..N workers,
        // beside the page's processes and threads modes.
        for kind in ["processes", "threads"] {
            for workers in 1..=m.cores {
                println!("CPython, the book's pool: {kind} × {workers}, {runs} runs…");
                let out = json_of(
                    Command::new(&python)
                        .arg(root.join("bench/is_prime.py"))
                        .args(["pool", &runs, kind, &workers.to_string()])
                        .args(&fixture),
                )?;
                let pool = Record::new(&out, "is_prime.py pool", &["mode", "workers", "totalMs"])?;
                m.pools.push(PoolSeries {
                    mode: format!("cpython-{}", pool.text("mode")?),
                    workers: pool.count("workers")?,
                    total_ms: pool.numbers("totalMs")?,
                    ..PoolSeries::default()
                });
            }
        }
    }

    m.sizes = Some(sizes(&root.join("www/pkg")));
    let figures = m.figures();
    let table = markdown_table(&figures);
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
            first_line(Command::new("git").current_dir(&root).args([
                "rev-parse",
                "--short",
                "HEAD",
            ])),
        ),
        (
            "rustc",
            first_line(Command::new("rustc").current_dir(&root).arg("--version")),
        ),
        (
            "chromium",
            first_line(Command::new(CHROMIUM).arg("--version")),
        ),
        ("userAgent", browser),
        ("python", first_line(Command::new(&python).arg("--version"))),
        ("node", first_line(Command::new("node").arg("--version"))),
    ];
    let results = format!(
        "{{\"date\":{},\"command\":{},\"quick\":{quick},\"seconds\":{:.0},\"machine\":{},\"versions\":{{{}}},\"figures\":{},\"measurements\":{}}}\n",
        json_string(&date),
        json_string(command),
        t0.elapsed().as_secs_f64(),
        machine.to_json(),
        versions
            .iter()
            .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
            .collect::<Vec<_>>()
            .join(","),
        figures_json(&figures),
        m.to_json()
    );
    let file = if quick {
        scratch.join("results-quick.json")
    } else {
        root.join("bench/results.json")
    };
    fs::write(&file, &results).map_err(|e| format!("writing {}: {e}", file.display()))?;
    if !quick {
        publish_reference(&root)?;
        let path = root.join(TABLE_FILE);
        let readme = fs::read_to_string(&path).map_err(|e| format!("reading {TABLE_FILE}: {e}"))?;
        let updated = with_table(&readme, &table, command, &date, &machine.describe())?;
        fs::write(&path, updated).map_err(|e| format!("writing {TABLE_FILE}: {e}"))?;
    }

    println!("\n==> spinlab benchmark, {date}, {}\n", machine.describe());
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
    println!("took {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// Copies the last full results beside the page, which shows them as a
/// labelled reference (`pkg/reference.json`; `null` when there are none).
pub fn publish_reference(root: &Path) -> Result<()> {
    let results =
        fs::read_to_string(root.join("bench/results.json")).unwrap_or_else(|_| "null".into());
    let to = root.join("www/pkg/reference.json");
    fs::write(&to, results).map_err(|e| format!("writing {}: {e}", to.display()))
}

/// CPython for the reference and for the listings' tests: Debian's build when there is one (the
/// distribution's optimised interpreter), else `python3` on PATH.
pub fn ensure_python() -> Result<PathBuf> {
    let debian = Path::new("/usr/bin/python3");
    if !debian.exists() && version_of(Path::new("python3")).is_none() && can_apt() {
        apt_install(&["python3"])?;
    }
    if debian.exists() {
        return Ok(debian.to_path_buf());
    }
    if version_of(Path::new("python3")).is_some() {
        return Ok(PathBuf::from("python3"));
    }
    Err("the tests run the page's Python and the benchmark compares with CPython: install python3 3.11+ (Debian/Ubuntu: sudo apt-get install python3)".into())
}

/// Runs `cmd` and parses its standard output as JSON.
fn json_of(cmd: &mut Command) -> Result<Value> {
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

/// A JSON object read strictly, with its path for messages: an unknown key
/// (a misspelling), a missing key or a value of the wrong type is an error
/// naming it, never a zero or an empty series.
struct Record<'a> {
    path: String,
    fields: &'a Map<String, Value>,
}

impl<'a> Record<'a> {
    /// `v`, found at `path`: an object with exactly `keys`.
    /// `keys` are every key the object has; one written `?key` was added
    /// later and may be missing (results written before it), never misspelt.
    fn new(v: &'a Value, path: impl Into<String>, keys: &[&str]) -> Result<Record<'a>> {
        let path = path.into();
        let fields = v
            .as_object()
            .ok_or_else(|| format!("{path} is not an object: {v}"))?;
        let names: Vec<&str> = keys.iter().map(|k| k.trim_start_matches('?')).collect();
        if let Some(unknown) = fields.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(format!(
                "{path} has an unknown key \"{unknown}\" (its keys are {})",
                names.join(", ")
            ));
        }
        if let Some(missing) = keys
            .iter()
            .find(|k| !k.starts_with('?') && !fields.contains_key(**k))
        {
            return Err(format!("{path} has no \"{missing}\""));
        }
        Ok(Record { path, fields })
    }

    /// Samples at a key added later (`?key`): none when it is missing.
    fn added_numbers(&self, key: &str) -> Result<Vec<f64>> {
        if self.fields.contains_key(key) {
            self.numbers(key)
        } else {
            Ok(Vec::new())
        }
    }

    /// Lists of samples (one list a run) at a key added later: none when
    /// it is missing.
    fn added_runs(&self, key: &str) -> Result<Vec<Vec<f64>>> {
        if self.fields.contains_key(key) {
            self.runs(key)
        } else {
            Ok(Vec::new())
        }
    }

    /// Lists of samples, one a run (a run's costs, a run's stages).
    fn runs(&self, key: &str) -> Result<Vec<Vec<f64>>> {
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, run)| samples(run, &format!("{}[{i}]", self.at(key))))
            .collect()
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn get(&self, key: &str) -> Result<&'a Value> {
        self.fields
            .get(key)
            .ok_or_else(|| format!("{} has no \"{key}\"", self.path))
    }

    /// The value at `key`, read by `read`, which says what it expected.
    fn read<T>(
        &self,
        key: &str,
        expected: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<T> {
        let v = self.get(key)?;
        read(v).ok_or_else(|| format!("{} is not {expected}: {v}", self.at(key)))
    }

    fn count(&self, key: &str) -> Result<usize> {
        self.read(key, "a count", |v| v.as_u64().map(|n| n as usize))
    }

    fn flag(&self, key: &str) -> Result<bool> {
        self.read(key, "true or false", Value::as_bool)
    }

    fn text(&self, key: &str) -> Result<String> {
        self.read(key, "a string", |v| v.as_str().map(str::to_string))
    }

    /// A number beyond 2^53, as a decimal string.
    fn big(&self, key: &str) -> Result<u64> {
        self.read(key, "a number as a decimal string", |v| {
            v.as_str()?.parse().ok()
        })
    }

    fn list(&self, key: &str) -> Result<&'a [Value]> {
        self.read(key, "a list", |v| v.as_array().map(Vec::as_slice))
    }

    /// Samples: every one a number (`null`, a sample that was not finite, is refused).
    fn numbers(&self, key: &str) -> Result<Vec<f64>> {
        samples(self.get(key)?, &self.at(key))
    }

    /// The records in the list at `key`, each with exactly `keys`.
    fn records(&self, key: &str, keys: &[&str]) -> Result<Vec<Record<'a>>> {
        self.list(key)?
            .iter()
            .enumerate()
            .map(|(i, v)| Record::new(v, format!("{}[{i}]", self.at(key)), keys))
            .collect()
    }

    /// The record at `key` with exactly `keys`, or `None` for `null`.
    fn optional(&self, key: &str, keys: &[&str]) -> Result<Option<Record<'a>>> {
        let v = self.get(key)?;
        if v.is_null() {
            return Ok(None);
        }
        Record::new(v, self.at(key), keys).map(Some)
    }
}

/// A list of samples at `path`, every one a number.
fn samples(v: &Value, path: &str) -> Result<Vec<f64>> {
    v.as_array()
        .ok_or_else(|| format!("{path} is not a list: {v}"))?
        .iter()
        .enumerate()
        .map(|(i, x)| {
            x.as_f64()
                .ok_or_else(|| format!("{path}[{i}] is not a number: {x}"))
        })
        .collect()
}

/// The page's measurements (`Measurements::to_json`, with `bench.mjs`'s
/// start-up samples), read back.
fn measurements_from(v: &Value) -> Result<Measurements> {
    let v = Record::new(
        v,
        "measurements",
        &[
            "runs",
            "cores",
            "kernels",
            "sequentialMs",
            "sequentialCostsMs",
            "cpythonFixtureMs",
            "pools",
            "queues",
            "split",
            "pitfall",
            "startupColdMs",
            "startupWarmMs",
            "?bareWorkersMs",
            // The page cannot measure its own files: the sizes are read here, after the build.
            "sizes",
        ],
    )?;
    let mut m = Measurements {
        runs: v.count("runs")?,
        cores: v.count("cores")?,
        sequential_ms: v.numbers("sequentialMs")?,
        sequential_costs_ms: v.runs("sequentialCostsMs")?,
        cpython_fixture_ms: v.numbers("cpythonFixtureMs")?,
        startup_cold_ms: v.numbers("startupColdMs")?,
        startup_warm_ms: v.numbers("startupWarmMs")?,
        bare_workers_ms: v.added_numbers("bareWorkersMs")?,
        ..Measurements::default()
    };
    if m.runs == 0 || m.cores == 0 {
        return Err(format!(
            "the page's measurements are incomplete: {} runs, {} cores",
            m.runs, m.cores
        ));
    }
    for k in v.records(
        "kernels",
        &["n", "variant", "wasmMs", "nativeMs", "cpythonMs"],
    )? {
        m.kernels.push(Kernel {
            n: k.big("n")?,
            variant: k.text("variant")?,
            wasm_ms: k.numbers("wasmMs")?,
            native_ms: k.numbers("nativeMs")?,
            cpython_ms: k.numbers("cpythonMs")?,
        });
    }
    for p in v.records(
        "pools",
        &[
            "mode",
            "workers",
            "totalMs",
            "gapMs",
            "?startupMs",
            "?bootMs",
            "?costsMs",
            "?tailMs",
        ],
    )? {
        m.pools.push(PoolSeries {
            mode: p.text("mode")?,
            workers: p.count("workers")?,
            total_ms: p.numbers("totalMs")?,
            gap_ms: p.numbers("gapMs")?,
            startup_ms: p.added_numbers("startupMs")?,
            boot_ms: p.added_runs("bootMs")?,
            costs_ms: p.added_runs("costsMs")?,
            tail_ms: p.added_numbers("tailMs")?,
        });
    }
    for q in v.records("queues", &["via", "shared", "jobs", "usPerJob"])? {
        m.queues.push(QueueSeries {
            via: q.text("via")?,
            shared: q.flag("shared")?,
            jobs: q.count("jobs")?,
            us_per_job: q.numbers("usPerJob")?,
        });
    }
    if let Some(s) = v.optional(
        "split",
        &[
            "n",
            "parts",
            "oneMs",
            "partsMs",
            "?nativeOneMs",
            "?nativePartsMs",
        ],
    )? {
        m.split = Some(Split {
            n: s.big("n")?,
            parts: s.count("parts")?,
            one_ms: s.numbers("oneMs")?,
            parts_ms: s.numbers("partsMs")?,
            native_one_ms: s.added_numbers("nativeOneMs")?,
            native_parts_ms: s.added_numbers("nativePartsMs")?,
        });
    }
    if let Some(p) = v.optional("pitfall", &["n", "computeMs", "gapMs"])? {
        m.pitfall = Some(Pitfall {
            n: p.big("n")?,
            compute_ms: p.numbers("computeMs")?,
            gap_ms: p.numbers("gapMs")?,
        });
    }
    Ok(m)
}

/// One number timed by the native reference, with `is_prime` and with
/// `is_prime_unrolled`.
#[derive(Debug, PartialEq)]
struct NativeKernel {
    n: u64,
    ms: Vec<f64>,
    unrolled_ms: Vec<f64>,
}

/// The native reference's `kernel` output.
fn native_kernels(out: &Value) -> Result<Vec<NativeKernel>> {
    Record::new(out, "spinlab-native kernel", &["kernels"])?
        .records("kernels", &["n", "ms", "unrolledMs"])?
        .iter()
        .map(|k| {
            Ok(NativeKernel {
                n: k.big("n")?,
                ms: k.numbers("ms")?,
                unrolled_ms: k.numbers("unrolledMs")?,
            })
        })
        .collect()
}

/// The native reference's `fixture` output: its pools (the sequential
/// total is the page's own figure, so it is not used).
fn native_pools(out: &Value) -> Result<Vec<PoolSeries>> {
    Record::new(out, "spinlab-native fixture", &["sequentialMs", "pools"])?
        .records("pools", &["mode", "workers", "totalMs"])?
        .iter()
        .map(|p| {
            Ok(PoolSeries {
                mode: p.text("mode")?,
                workers: p.count("workers")?,
                total_ms: p.numbers("totalMs")?,
                ..PoolSeries::default()
            })
        })
        .collect()
}

/// CPython's `kernel` output for the one number `n` it was given.
fn cpython_kernel(out: &Value, n: u64) -> Result<Vec<f64>> {
    let kernels =
        Record::new(out, "is_prime.py kernel", &["kernels"])?.records("kernels", &["n", "ms"])?;
    match kernels.as_slice() {
        [k] if k.big("n")? == n => k.numbers("ms"),
        _ => Err(format!(
            "is_prime.py kernel timed other numbers than {n}: {out}"
        )),
    }
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

struct Machine {
    cpu: String,
    cores: usize,
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
    use super::*;

    /// The page's measurements as `bench.mjs` writes them, small.
    const PAGE: &str = r#"{"runs":2,"cores":2,
        "kernels":[{"n":"5000111000222021","variant":"is_prime","wasmMs":[3300.5,3310],"nativeMs":[],"cpythonMs":[]}],
        "sequentialMs":[600,610.25],"sequentialCostsMs":[[1.5,2],[1.25,2.5]],"cpythonFixtureMs":[],
        "pools":[{"mode":"processes","workers":2,"totalMs":[320,330],"gapMs":[4,5],"startupMs":[60,70],"bootMs":[[1,12,14,30,2,1],[1,13,15,35,5,1]],"costsMs":[[150,140],[151,139]],"tailMs":[3,4]}],
        "queues":[{"via":"messages","shared":false,"jobs":1000,"usPerJob":[12.5,13]}],
        "split":{"n":"9007199254740997","parts":4,"oneMs":[100,101],"partsMs":[52,53],"nativeOneMs":[99,99.5],"nativePartsMs":[50,51]},
        "pitfall":null,"startupColdMs":[536,627],"startupWarmMs":[281,378],"bareWorkersMs":[21,23.5],"sizes":null}"#;

    fn read(json: &str) -> Result<Measurements> {
        measurements_from(&serde_json::from_str(json).expect("valid JSON"))
    }

    #[test]
    fn reads_the_page_measurements() {
        let m = read(PAGE).unwrap();
        assert_eq!(
            m,
            Measurements {
                runs: 2,
                cores: 2,
                kernels: vec![Kernel {
                    n: 5_000_111_000_222_021,
                    variant: "is_prime".into(),
                    wasm_ms: vec![3300.5, 3310.0],
                    native_ms: vec![],
                    cpython_ms: vec![],
                }],
                sequential_ms: vec![600.0, 610.25],
                sequential_costs_ms: vec![vec![1.5, 2.0], vec![1.25, 2.5]],
                cpython_fixture_ms: vec![],
                pools: vec![PoolSeries {
                    mode: "processes".into(),
                    workers: 2,
                    total_ms: vec![320.0, 330.0],
                    gap_ms: vec![4.0, 5.0],
                    startup_ms: vec![60.0, 70.0],
                    boot_ms: vec![
                        vec![1.0, 12.0, 14.0, 30.0, 2.0, 1.0],
                        vec![1.0, 13.0, 15.0, 35.0, 5.0, 1.0]
                    ],
                    costs_ms: vec![vec![150.0, 140.0], vec![151.0, 139.0]],
                    tail_ms: vec![3.0, 4.0],
                }],
                queues: vec![QueueSeries {
                    via: "messages".into(),
                    shared: false,
                    jobs: 1000,
                    us_per_job: vec![12.5, 13.0],
                }],
                split: Some(Split {
                    n: 9_007_199_254_740_997,
                    parts: 4,
                    one_ms: vec![100.0, 101.0],
                    parts_ms: vec![52.0, 53.0],
                    native_one_ms: vec![99.0, 99.5],
                    native_parts_ms: vec![50.0, 51.0],
                }),
                pitfall: None,
                startup_cold_ms: vec![536.0, 627.0],
                startup_warm_ms: vec![281.0, 378.0],
                bare_workers_ms: vec![21.0, 23.5],
                sizes: None,
            }
        );
    }

    #[test]
    fn results_written_before_a_key_was_added_read_without_it() {
        let older = PAGE
            .replace(
                r#","startupMs":[60,70],"bootMs":[[1,12,14,30,2,1],[1,13,15,35,5,1]],"costsMs":[[150,140],[151,139]],"tailMs":[3,4]"#,
                "",
            )
            .replace(r#","bareWorkersMs":[21,23.5]"#, "")
            .replace(r#","nativeOneMs":[99,99.5],"nativePartsMs":[50,51]"#, "");
        let m = read(&older).unwrap();
        assert!(m.pools[0].startup_ms.is_empty());
        assert!(m.pools[0].boot_ms.is_empty());
        assert!(m.pools[0].costs_ms.is_empty() && m.pools[0].tail_ms.is_empty());
        assert!(m.bare_workers_ms.is_empty());
        assert!(m.split.unwrap().native_one_ms.is_empty());
        // Added, not optional: a misspelling is still refused.
        let misspelt = PAGE.replace("startupMs", "startUpMs");
        assert!(
            read(&misspelt)
                .unwrap_err()
                .contains("unknown key \"startUpMs\"")
        );
    }

    #[test]
    fn reads_back_what_the_page_writes() {
        let mut m = read(PAGE).unwrap();
        m.pitfall = Some(Pitfall {
            n: BOOK_PRIME,
            compute_ms: vec![3000.0],
            gap_ms: vec![2999.5],
        });
        assert_eq!(read(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn refuses_a_misspelled_key_naming_it() {
        let err = read(&PAGE.replace("\"wasmMs\"", "\"wasmMS\"")).unwrap_err();
        assert!(
            err.starts_with("measurements.kernels[0] has an unknown key \"wasmMS\""),
            "{err}"
        );
        let err = read(&PAGE.replace("\"runs\"", "\"rusn\"")).unwrap_err();
        assert!(
            err.starts_with("measurements has an unknown key \"rusn\""),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_missing_key_naming_it() {
        let err = read(&PAGE.replace(",\"gapMs\":[4,5]", "")).unwrap_err();
        assert_eq!(err, "measurements.pools[0] has no \"gapMs\"");
        let err = read(&PAGE.replace("\"pitfall\":null,", "")).unwrap_err();
        assert_eq!(err, "measurements has no \"pitfall\"");
    }

    #[test]
    fn refuses_a_value_of_the_wrong_type_naming_it() {
        let err = read(&PAGE.replace("\"runs\":2", "\"runs\":\"2\"")).unwrap_err();
        assert_eq!(err, "measurements.runs is not a count: \"2\"");
        let err = read(&PAGE.replace("[600,610.25]", "[600,null]")).unwrap_err();
        assert_eq!(err, "measurements.sequentialMs[1] is not a number: null");
        let err = read(&PAGE.replace("[[1.5,2]", "[[1.5,\"2\"]")).unwrap_err();
        assert_eq!(
            err,
            "measurements.sequentialCostsMs[0][1] is not a number: \"2\""
        );
        let err = read(&PAGE.replace("\"9007199254740997\"", "9007199254740997")).unwrap_err();
        assert_eq!(
            err,
            "measurements.split.n is not a number as a decimal string: 9007199254740997"
        );
    }

    #[test]
    fn reads_the_references_output_strictly() {
        let native: Value = serde_json::from_str(
            r#"{"kernels":[{"n":"5000111000222021","ms":[40.5,41],"unrolledMs":[30,31.5]}]}"#,
        )
        .unwrap();
        assert_eq!(
            native_kernels(&native).unwrap(),
            [NativeKernel {
                n: 5_000_111_000_222_021,
                ms: vec![40.5, 41.0],
                unrolled_ms: vec![30.0, 31.5],
            }]
        );
        let fixture: Value = serde_json::from_str(
            r#"{"sequentialMs":[500],"pools":[{"mode":"native-threads","workers":2,"totalMs":[260,270]}]}"#,
        )
        .unwrap();
        assert_eq!(
            native_pools(&fixture).unwrap(),
            [PoolSeries {
                mode: "native-threads".into(),
                workers: 2,
                total_ms: vec![260.0, 270.0],
                ..PoolSeries::default()
            }]
        );
        let misspelled: Value = serde_json::from_str(
            r#"{"sequentialMs":[500],"pools":[{"mode":"native-threads","worker":2,"totalMs":[260]}]}"#,
        )
        .unwrap();
        let err = native_pools(&misspelled).unwrap_err();
        assert!(
            err.starts_with("spinlab-native fixture.pools[0] has an unknown key \"worker\""),
            "{err}"
        );
        let cpython: Value =
            serde_json::from_str(r#"{"kernels":[{"n":"5000111000222021","ms":[3300]}]}"#).unwrap();
        assert_eq!(
            cpython_kernel(&cpython, 5_000_111_000_222_021).unwrap(),
            [3300.0]
        );
        assert!(cpython_kernel(&cpython, 7).is_err());
    }

    /// `bench/results.json`, the last full run, is what the page shows as
    /// its reference: its measurements must read back.
    #[test]
    fn the_last_full_run_reads_back() {
        let path = root().join("bench/results.json");
        let results: Value =
            serde_json::from_str(&fs::read_to_string(&path).expect("bench/results.json"))
                .expect("valid JSON");
        let m = measurements_from(&results["measurements"]).unwrap();
        assert!(m.runs > 0 && !m.kernels.is_empty() && !m.pools.is_empty());
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
