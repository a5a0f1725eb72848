//! `./x bench [--quick]`: spinlab against native Rust and CPython, side by
//! side, on this machine, in one run.
//!
//! 1. builds the page (release) and the native reference (release);
//! 2. serves the page and drives headless Chromium through
//!    `window.spinlab.runBench` (`tests/e2e/bench.mjs`), which also times
//!    the page's start-up, cold and warm;
//! 3. runs the native reference (`bench/native.rs`) and CPython
//!    (`bench/is_prime.py`) on the numbers the page checked;
//! 4. prints the table (`spinlab::bench`), writes every raw sample to
//!    `bench/results.json` and the table into the README.
//!
//! `--quick` takes 3 runs a figure, a ≈1 s prime and no CPython fixture run,
//! and writes `target/bench/results-quick.json` only.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;
use spinlab::bench::Pitfall;
use spinlab::bench::{
    Kernel, Measurements, PoolSeries, QueueSeries, Sizes, Split, Verdict, figures_json,
    markdown_table, string,
};
use spinlab::primes::{BOOK_PRIME, NUMBERS};

use crate::{
    CHROMIUM, Result, apt_install, build, can_apt, cargo, ensure_chromium, ensure_node_packages,
    root, run, server, step, version_of,
};

const README_BEGIN: &str = "<!-- bench:begin -->";
const README_END: &str = "<!-- bench:end -->";

pub fn bench(args: &[String]) -> Result<()> {
    let mut quick = false;
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            other => return Err(format!("bench: unknown option {other}\n\n{}", crate::USAGE)),
        }
    }
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

    step("the page in headless Chromium (start-up, then spinlab.runBench)");
    let scratch = root.join("target/bench");
    fs::create_dir_all(&scratch).map_err(|e| format!("creating {}: {e}", scratch.display()))?;
    let page_json = scratch.join("page.json");
    let _ = fs::remove_file(&page_json);
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    let server = server::start(&root.join("www"), loopback, server::Isolation::On)
        .map_err(|e| e.to_string())?;
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
    let mut m = measurements_from(&page["measurements"])?;
    let runs = m.runs.to_string();

    step("the native reference: the same check and pool protocol, release build");
    let mut numbers: Vec<String> = m.kernels.iter().map(|k| k.n.to_string()).collect();
    numbers.sort();
    numbers.dedup();
    let out = json_of(Command::new(&native).args(["kernel", &runs]).args(&numbers))?;
    for kernel in &mut m.kernels {
        let key = if kernel.variant == "is_prime" {
            "ms"
        } else {
            "unrolledMs"
        };
        if let Some(native) = array(&out["kernels"])
            .iter()
            .find(|k| k["n"].as_str() == Some(&kernel.n.to_string()))
        {
            kernel.native_ms = floats(&native[key]);
        }
    }
    let out = json_of(Command::new(&native).args(["fixture", &runs, &m.cores.to_string()]))?;
    for series in array(&out["pools"]) {
        m.pools.push(PoolSeries {
            mode: text(&series["mode"]),
            workers: series["workers"].as_u64().unwrap_or(0) as usize,
            total_ms: floats(&series["totalMs"]),
            gap_ms: Vec::new(),
        });
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
    if let (Some(kernel), Some(cpython)) = (
        m.kernels
            .iter_mut()
            .find(|k| k.n == BOOK_PRIME && k.variant == "is_prime"),
        array(&out["kernels"]).first(),
    ) {
        kernel.cpython_ms = floats(&cpython["ms"]);
    }
    if !quick {
        println!(
            "the fixture, {} runs after a warm-up (about 20 s each)…",
            m.runs
        );
        let fixture: Vec<String> = NUMBERS.iter().map(u64::to_string).collect();
        let out = json_of(
            Command::new(&python)
                .arg(root.join("bench/is_prime.py"))
                .args(["fixture", &runs])
                .args(&fixture),
        )?;
        m.cpython_fixture_ms = floats(&out["fixtureMs"]);
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
        ("userAgent", text(&page["browser"])),
        ("python", first_line(Command::new(&python).arg("--version"))),
        ("node", first_line(Command::new("node").arg("--version"))),
    ];
    let results = format!(
        "{{\"date\":{},\"command\":{},\"quick\":{quick},\"seconds\":{:.0},\"machine\":{},\"versions\":{{{}}},\"figures\":{},\"measurements\":{}}}\n",
        string(&date),
        string(command),
        t0.elapsed().as_secs_f64(),
        machine.to_json(),
        versions
            .iter()
            .map(|(k, v)| format!("{}:{}", string(k), string(v)))
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
        update_readme(&root, &table, command, &date, &machine)?;
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
            "; the README's table is updated".into()
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

/// CPython for the reference: Debian's build when there is one (the
/// distribution's optimised interpreter), else `python3` on PATH.
fn ensure_python() -> Result<PathBuf> {
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
    Err("the benchmark compares with CPython: install python3 (Debian/Ubuntu: sudo apt-get install python3)".into())
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

fn array(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn floats(v: &Value) -> Vec<f64> {
    array(v).iter().filter_map(Value::as_f64).collect()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn big(v: &Value) -> Result<u64> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("expected a number as a decimal string, got {v}"))
}

fn count(v: &Value) -> usize {
    v.as_u64().unwrap_or(0) as usize
}

/// The page's measurements (`Measurements::to_json`, read back).
fn measurements_from(v: &Value) -> Result<Measurements> {
    let mut m = Measurements {
        runs: count(&v["runs"]),
        cores: count(&v["cores"]),
        sequential_ms: floats(&v["sequentialMs"]),
        sequential_costs_ms: array(&v["sequentialCostsMs"]).iter().map(floats).collect(),
        cpython_fixture_ms: floats(&v["cpythonFixtureMs"]),
        startup_cold_ms: floats(&v["startupColdMs"]),
        startup_warm_ms: floats(&v["startupWarmMs"]),
        ..Measurements::default()
    };
    if m.runs == 0 || m.cores == 0 {
        return Err(format!("the page's measurements are incomplete: {v}"));
    }
    for k in array(&v["kernels"]) {
        m.kernels.push(Kernel {
            n: big(&k["n"])?,
            variant: text(&k["variant"]),
            wasm_ms: floats(&k["wasmMs"]),
            native_ms: floats(&k["nativeMs"]),
            cpython_ms: floats(&k["cpythonMs"]),
        });
    }
    for p in array(&v["pools"]) {
        m.pools.push(PoolSeries {
            mode: text(&p["mode"]),
            workers: count(&p["workers"]),
            total_ms: floats(&p["totalMs"]),
            gap_ms: floats(&p["gapMs"]),
        });
    }
    for q in array(&v["queues"]) {
        m.queues.push(QueueSeries {
            via: text(&q["via"]),
            shared: q["shared"].as_bool().unwrap_or(false),
            jobs: count(&q["jobs"]),
            us_per_job: floats(&q["usPerJob"]),
        });
    }
    let s = &v["split"];
    if !s.is_null() {
        m.split = Some(Split {
            n: big(&s["n"])?,
            parts: count(&s["parts"]),
            one_ms: floats(&s["oneMs"]),
            parts_ms: floats(&s["partsMs"]),
        });
    }
    let p = &v["pitfall"];
    if !p.is_null() {
        m.pitfall = Some(Pitfall {
            n: big(&p["n"])?,
            compute_ms: floats(&p["computeMs"]),
            gap_ms: floats(&p["gapMs"]),
        });
    }
    Ok(m)
}

/// The built module's and glue's sizes, raw and gzipped (`gzip -9`).
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
            string(&self.cpu),
            self.cores,
            self.memory_gib,
            string(&self.os)
        )
    }
}

/// Replaces the README's table (between the bench markers) with this run's.
fn update_readme(
    root: &Path,
    table: &str,
    command: &str,
    date: &str,
    machine: &Machine,
) -> Result<()> {
    let path = root.join("README.md");
    let readme = fs::read_to_string(&path).map_err(|e| format!("reading README.md: {e}"))?;
    let (Some(begin), Some(end)) = (readme.find(README_BEGIN), readme.find(README_END)) else {
        return Err(format!(
            "README.md has no {README_BEGIN} … {README_END} markers for the table"
        ));
    };
    let block = format!(
        "{README_BEGIN}\nMeasured by `{command}` on {date}: {}. Every figure is the median of its runs after a warm-up (min – max beside it); \
         ratios pair samples taken in the same run. Raw samples: `bench/results.json`.\n\n{table}",
        machine.describe()
    );
    let updated = format!("{}{block}{}", &readme[..begin], &readme[end..]);
    fs::write(&path, updated).map_err(|e| format!("writing README.md: {e}"))
}
