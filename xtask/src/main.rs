//! spinlab's build tool: `cargo xtask serve | build | test | bench | screenshots`
//! (via `./x`).
//!
//! One way to do each thing. It installs what a package manager can install
//! (wasm-bindgen-cli at the crate's pinned version, wasm-pack, the end-to-end
//! test's npm packages, and, as root on Debian, Chromium and its driver) and
//! otherwise stops with the exact command to run.

mod bench;
mod bounded;
mod dist;
mod relay;
mod server;

use std::env;
use std::ffi::OsString;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

type Result<T> = std::result::Result<T, String>;

/// spinlab's build tool: `./x <command>` (or `cargo xtask <command>`)
// The usage lines spell out every flag, so that a refusal, which prints
// them, lists the valid ones: keep them in step with the flags.
#[derive(Debug, Parser)]
#[command(
    name = "./x",
    bin_name = "./x",
    override_usage = "./x serve [--port N] [--host H]\n       \
                      ./x build [--dist DIR]\n       \
                      ./x test [--only LAYER]\n       \
                      ./x bench [--quick]\n       \
                      ./x screenshots"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, PartialEq, Subcommand)]
enum Task {
    /// Build the page and serve www/ (default 127.0.0.1:8000)
    #[command(override_usage = "./x serve [--port N] [--host H]")]
    Serve {
        /// The port to listen on
        #[arg(long, value_name = "N", env = "SPINLAB_PORT", default_value_t = 8000)]
        port: u16,
        /// The address to listen on (browsers isolate plain http:// on loopback only)
        #[arg(long, value_name = "H", default_value = "127.0.0.1")]
        host: IpAddr,
    },
    /// Build the wasm (release) and its bindings into www/pkg
    #[command(override_usage = "./x build [--dist DIR]")]
    Build {
        /// Also write the page as a folder any static host can serve:
        /// content-hashed assets, _headers, serve.json, the isolation shim on
        /// (docs/deploying.md)
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
    },
    /// Run every test: lint, native, wasm in headless Chrome, end-to-end
    #[command(override_usage = "./x test [--only LAYER] [--under-load]")]
    Test {
        /// Run one layer only (while working on it; CI runs them all).
        /// (e2e-webkit: the end-to-end layer in WebKitGTK alone)
        #[arg(long, value_enum, value_name = "LAYER")]
        only: Option<Only>,
        /// Keep one core busy with a process started and stopped here, to
        /// check that the suite holds on a busy machine
        #[arg(long)]
        under_load: bool,
    },
    /// Measure spinlab against native Rust and CPython (see docs/performance.md)
    #[command(override_usage = "./x bench [--quick]")]
    Bench {
        /// 3 runs a figure, a ≈1 s prime, no CPython fixture run; writes
        /// target/bench/results-quick.json only
        #[arg(long)]
        quick: bool,
    },
    /// Refresh the documentation's screenshots (tests/e2e/screenshots)
    #[command(override_usage = "./x screenshots")]
    Screenshots,
}

/// The fewest tests each layer must pass: fewer means a test file was lost
/// or renamed while the rest passed. Raise them as tests are added.
const LINT_MINIMUM: u32 = 3;
const NATIVE_MINIMUM: u32 = 200;
const WASM_MINIMUM: u32 = 14;
const E2E_MINIMUM: u32 = 123;

/// How long each layer may run, compiling included, before its processes are
/// killed: generous for a busy 2-core machine, far below CI's 90 minutes, so
/// that a hang fails naming what hung.
const LINT_BOUND: Duration = Duration::from_secs(15 * 60);
const NATIVE_BOUND: Duration = Duration::from_secs(15 * 60);
const WASM_BOUND: Duration = Duration::from_secs(20 * 60);
const E2E_BOUND: Duration = Duration::from_secs(30 * 60);
const SCREENSHOTS_BOUND: Duration = Duration::from_secs(15 * 60);
/// The page's build (`build`, before the end-to-end layer, the screenshots,
/// the benchmark and the server): cargo, then wasm-bindgen and wasm-opt.
const CARGO_BUILD_BOUND: Duration = Duration::from_secs(20 * 60);
const TOOL_BOUND: Duration = Duration::from_secs(5 * 60);
/// One install: `cargo install`, `npm ci` or `apt-get`.
const INSTALL_BOUND: Duration = Duration::from_secs(20 * 60);
/// One end-to-end test's bound, in ms (`node --test` has none by default).
const E2E_TEST_TIMEOUT_MS: u32 = 300_000;

/// Chromium flags for a closed network (its background services would only
/// fail to connect) and for running as root.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Firefox ESR from Debian's packages: the second browser of the tests.
const FIREFOX: &str = "/usr/bin/firefox-esr";
/// WebKitGTK from Debian's packages (webkit2gtk-driver, xvfb): the third browser.
const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const XVFB_RUN: &str = "/usr/bin/xvfb-run";
/// MiniBrowser's settings for the tests, as tests/e2e/webkit.mjs gives them:
/// shared memory on (Safari turns it on for an isolated page by itself), and
/// painting on the CPU (WebKitGTK 2.50's Skia GPU path crashes the web
/// process when workers draw on handed-over canvases while others start and
/// end; tests/e2e/canvas-churn.mjs).
const WEBKIT_ENV: [(&str, &str); 2] = [
    ("JSC_useSharedArrayBuffer", "1"),
    ("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1"),
];
/// geckodriver for `wasm-pack test --firefox`: no Debian package, so
/// `cargo install`, pinned.
const GECKODRIVER_VERSION: &str = "0.37.1";
/// wasm-pack, pinned (its `--locked` install works).
const WASM_PACK_VERSION: &str = "0.15.1";

/// Cargo arguments for the page's crate in wasm: std rebuilt with atomics
/// (`-Z build-std` needs the explicit `--target`; the rustflags are in
/// `.cargo/config.toml`).
const WASM_CRATE: [&str; 6] = [
    "--package",
    "spinlab",
    "--target",
    "wasm32-unknown-unknown",
    "-Z",
    "build-std=panic_abort,std",
];

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Task::Serve { port, host } => serve(SocketAddr::new(host, port)),
        Task::Build { dist: None } => build().map(drop),
        Task::Build { dist: Some(dir) } => build_dist(&invoked_from().join(dir)).map(drop),
        Task::Test { only, under_load } => {
            let load = if under_load {
                match BusyCore::start() {
                    Ok(load) => Some(load),
                    Err(e) => return fail(e),
                }
            } else {
                None
            };
            let outcome = test(only);
            drop(load);
            outcome
        }
        Task::Bench { quick } => bench::bench(quick),
        Task::Screenshots => screenshots(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("\nerror: {message}");
    ExitCode::FAILURE
}

/// One core kept busy while the tests run (`./x test --under-load`): a shell
/// spinning in a loop, at normal priority, killed when this is dropped.
struct BusyCore(std::process::Child);

impl BusyCore {
    fn start() -> Result<BusyCore> {
        let child = Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .map_err(|e| format!("cannot start the busy process for --under-load: {e}"))?;
        println!(
            "==> under load: one core kept busy by process {} (a shell spinning) until the tests end",
            child.id()
        );
        Ok(BusyCore(child))
    }
}

impl Drop for BusyCore {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The repository root (this crate sits in `xtask/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the repository")
        .to_path_buf()
}

fn step(what: &str) {
    println!("\n==> {what}");
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

/// The output of `program --version`, if it runs.
fn version_of(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Where `cargo install` puts binaries.
fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// `PATH` with cargo's bin directory first, so tools installed just now are found.
fn path_with_cargo_bin() -> OsString {
    let mut paths = vec![cargo_bin_dir()];
    paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    env::join_paths(paths).expect("PATH entries are valid")
}

fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The exact `wasm-bindgen` version in Cargo.lock: the CLI must match it.
fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    Err("Cargo.lock does not pin wasm-bindgen".into())
}

/// Makes sure `cargo install <krate>` put `bin` (at `version`, if given) in
/// cargo's bin directory, installing it if not.
fn ensure_cargo_tool(
    bin: &str,
    krate: &str,
    version: Option<&str>,
    locked: bool,
) -> Result<PathBuf> {
    let path = cargo_bin_dir().join(bin);
    let good = |v: &str| version.is_none_or(|want| v.split_whitespace().any(|w| w == want));
    if version_of(&path).is_some_and(|v| good(&v)) {
        return Ok(path);
    }
    let label = version.map_or(krate.to_string(), |v| format!("{krate} {v}"));
    step(&format!("installing {label} (cargo install, once)"));
    let mut cmd = cargo();
    cmd.args(["install", krate])
        // One build folder for every tool, so that what they share is compiled
        // once; and a lighter release profile: a cold install of the three took
        // 444 s here instead of 505 s, and none of them is on a hot path.
        .env("CARGO_TARGET_DIR", root().join("target/tools"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1");
    if let Some(v) = version {
        cmd.args(["--version", v]);
    }
    if locked {
        cmd.arg("--locked");
    }
    bounded::run_checked(&mut cmd, &format!("cargo install {label}"), INSTALL_BOUND)?;
    match version_of(&path) {
        Some(v) if good(&v) => Ok(path),
        other => Err(format!("{bin} installed but reports {other:?}")),
    }
}

fn wasm_bindgen() -> Result<PathBuf> {
    let version = locked_wasm_bindgen_version()?;
    // `--locked` fails for 0.2.130 (a locked dependency was yanked); without it works.
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", Some(&version), false)
}

/// binaryen's `wasm-opt`, from npm (`xtask/package.json`): wasm-pack's own
/// download of it is not reachable here, and Debian's binaryen 108 rewrites
/// the export of wasm-bindgen's externref table to the wrong table.
fn wasm_opt() -> Result<PathBuf> {
    let tools = root().join("xtask");
    let bin = tools.join("node_modules/.bin/wasm-opt");
    if !bin.exists() {
        ensure_node()?;
        step("installing binaryen's wasm-opt (npm ci, once)");
        bounded::run_checked(
            Command::new("npm")
                .current_dir(&tools)
                .args(["ci", "--no-audit", "--no-fund"]),
            "npm ci (xtask)",
            INSTALL_BOUND,
        )?;
    }
    Ok(bin)
}

/// wasm-bindgen-rayon 1.3.0's worker (its `no-bundler` helper, the only
/// release) starts the module with `init(module, memory)`, which the glue of
/// wasm-bindgen ≥ 0.2.93 accepts but warns about in every worker's console
/// ("using deprecated parameters for the initialization function; pass a
/// single object instead"). Upstream fixed its bundler helper the same way
/// (RReverser/wasm-bindgen-rayon#13); until a release carries it to the
/// no-bundler one, the built snippet gets the one-object call. A changed
/// helper stops the build here, to be looked at.
fn patch_rayon_worker(pkg: &Path) -> Result<()> {
    const OLD: &str = "await pkg.default(data.module, data.memory);";
    const NEW: &str = "await pkg.default({ module_or_path: data.module, memory: data.memory });";
    let snippets = pkg.join("snippets");
    let dirs =
        fs::read_dir(&snippets).map_err(|e| format!("reading {}: {e}", snippets.display()))?;
    for dir in dirs.flatten() {
        if !dir
            .file_name()
            .to_string_lossy()
            .starts_with("wasm-bindgen-rayon-")
        {
            continue;
        }
        let helper = dir.path().join("src/workerHelpers.no-bundler.js");
        let text = fs::read_to_string(&helper)
            .map_err(|e| format!("reading {}: {e}", helper.display()))?;
        if text.matches(OLD).count() != 1 {
            return Err(format!(
                "{} no longer holds `{OLD}` once: wasm-bindgen-rayon changed its worker; \
                 check whether patch_rayon_worker is still needed",
                helper.display()
            ));
        }
        fs::write(&helper, text.replace(OLD, NEW))
            .map_err(|e| format!("writing {}: {e}", helper.display()))?;
        return Ok(());
    }
    Err(format!(
        "no wasm-bindgen-rayon snippet in {}",
        snippets.display()
    ))
}

/// Builds the wasm (release, threads) and its `--target web` bindings into
/// `www/pkg`. Returns the path of the bound `.wasm`.
fn build() -> Result<PathBuf> {
    let root = root();
    let bindgen = wasm_bindgen()?;
    step("building the wasm module (release, atomics + shared memory)");
    let t0 = Instant::now();
    bounded::run_checked(
        cargo()
            .current_dir(&root)
            .args(["build", "--profile", "web", "--lib"])
            .args(WASM_CRATE)
            // std's smaller variants of its own code (measured: 11 KB off
            // the module, 576 → 565 KB; the book's loop is ours, untouched).
            .args(["-Z", "build-std-features=optimize_for_size"]),
        "cargo build (wasm)",
        CARGO_BUILD_BOUND,
    )?;
    let raw = root.join("target/wasm32-unknown-unknown/web/spinlab.wasm");
    let out = root.join("www/pkg");
    // wasm-bindgen adds snippets but never removes them: a moved or deleted
    // JS file would otherwise stay in www/pkg (and in a dist build).
    match fs::remove_dir_all(out.join("snippets")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("clearing {}/snippets: {e}", out.display()));
        }
        _ => {}
    }
    bounded::run_checked(
        Command::new(&bindgen)
            .arg("--target")
            .arg("web")
            .arg("--no-typescript")
            // Function names only help a debugger; without them the module is a third smaller.
            .arg("--remove-name-section")
            .arg("--remove-producers-section")
            .arg("--out-dir")
            .arg(&out)
            .arg(&raw),
        "wasm-bindgen",
        TOOL_BOUND,
    )?;
    patch_rayon_worker(&out)?;
    bench::publish_reference(&root)?;
    // The code panels' texts: fetched by the page, not carried in its module.
    let listings = out.join("listings.json");
    fs::write(&listings, spinlab::listings::listings_json())
        .map_err(|e| format!("writing {}: {e}", listings.display()))?;
    let bound = out.join("spinlab_bg.wasm");
    let bindgen_size = fs::metadata(&bound).map(|m| m.len() / 1024).unwrap_or(0);
    match wasm_opt() {
        Ok(wasm_opt) => bounded::run_checked(
            Command::new(wasm_opt)
                .arg("-Oz")
                // The module's features: threads, and wasm-bindgen's externref table.
                .args([
                    "--enable-threads",
                    "--enable-bulk-memory",
                    "--enable-mutable-globals",
                    "--enable-sign-ext",
                    "--enable-nontrapping-float-to-int",
                    "--enable-reference-types",
                    "--enable-multivalue",
                ])
                .arg(&bound)
                .arg("-o")
                .arg(&bound),
            "wasm-opt",
            TOOL_BOUND,
        )?,
        Err(why) => println!("note: the module is not size-optimised: {why}"),
    }
    let size = |p: &Path| fs::metadata(p).map(|m| m.len() / 1024).unwrap_or(0);
    println!(
        "built in {:.1} s: {} KB raw → {bindgen_size} KB after bindgen → {} KB after wasm-opt ({})",
        t0.elapsed().as_secs_f64(),
        size(&raw),
        size(&bound),
        bound.display()
    );
    Ok(bound)
}

/// The folder `./x` was run from (it changes to the repository root first):
/// where a relative path on its command line starts.
fn invoked_from() -> PathBuf {
    env::var_os("SPINLAB_INVOKED_FROM")
        .map(PathBuf::from)
        .unwrap_or_else(|| env::current_dir().unwrap_or_else(|_| root()))
}

/// Builds the page, then writes it to `dir` as a static site (see `dist.rs`).
fn build_dist(dir: &Path) -> Result<dist::Written> {
    build()?;
    step(&format!("writing the deployable site to {}", dir.display()));
    let written = dist::write(&root().join("www"), dir)?;
    println!(
        "wrote {} files ({} KB) to {}: the page loads its assets from {}/; \
         _headers and serve.json carry the isolation headers; the isolation shim is on \
         (docs/deploying.md)",
        written.files,
        written.bytes / 1024,
        dir.display(),
        written.bundle
    );
    Ok(written)
}

fn serve(addr: SocketAddr) -> Result<()> {
    build()?;
    let handle = server::start(&root().join("www"), addr, server::Isolation::On)
        .map_err(|e| e.to_string())?;
    println!(
        "\nspinlab is served at http://{}/  (Ctrl-C stops it)",
        handle.addr
    );
    if !handle.addr.ip().is_loopback() {
        println!(
            "note: listening beyond loopback; browsers only isolate http:// pages on localhost, use https elsewhere"
        );
    }
    handle.wait();
    Ok(())
}

/// A layer's tally, summed over its runners' closing lines.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counts {
    passed: u32,
    failed: u32,
    /// Skipped, todo, cancelled or ignored: tests that did not run.
    skipped: u32,
}

/// The counts in cargo's and the wasm-bindgen test runner's
/// `test result: … N passed; M failed; K ignored …` lines, and in node's
/// closing `# pass N`, `# fail N`, `# skipped N`, `# todo N`,
/// `# cancelled N` (TAP reporter; `ℹ pass N` and so on from the spec reporter).
fn count_results(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines().map(str::trim) {
        if line.starts_with("test result:") {
            counts.passed += number_before(line, "passed");
            counts.failed += number_before(line, "failed");
            counts.skipped += number_before(line, "ignored");
        } else if let Some((key, n)) = node_count(line) {
            match key {
                "pass" => counts.passed += n,
                "fail" => counts.failed += n,
                "skipped" | "todo" | "cancelled" => counts.skipped += n,
                _ => {}
            }
        }
    }
    counts
}

/// In `test result: ok. 16 passed; 0 failed; …`, the number before `word`.
fn number_before(line: &str, word: &str) -> u32 {
    let words: Vec<&str> = line
        .split([' ', ';', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .find(|w| w[1] == word)
        .and_then(|w| w[0].parse().ok())
        .unwrap_or(0)
}

/// One of node's closing counts: `# pass 4` (TAP) or `ℹ pass 4` (spec).
fn node_count(line: &str) -> Option<(&str, u32)> {
    let (key, n) = line
        .strip_prefix("# ")
        .or_else(|| line.strip_prefix("ℹ "))?
        .split_once(' ')?;
    Some((key, n.trim().parse().ok()?))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn can_apt() -> bool {
    is_root() && Path::new("/etc/debian_version").exists() && Path::new("/usr/bin/apt-get").exists()
}

fn apt_install(packages: &[&str]) -> Result<()> {
    step(&format!(
        "installing {} (apt-get, once)",
        packages.join(" ")
    ));
    let apt = || {
        let mut cmd = Command::new("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    let run = |cmd: &mut Command, what| bounded::run_checked(cmd, what, INSTALL_BOUND);
    // A fresh machine may have no package lists yet.
    if run(
        apt().args(["install", "-y", "-q"]).args(packages),
        "apt-get install",
    )
    .is_err()
    {
        run(apt().args(["update", "-q"]), "apt-get update")?;
        run(
            apt().args(["install", "-y", "-q"]).args(packages),
            "apt-get install",
        )?;
    }
    Ok(())
}

/// Chromium and a chromedriver of the same version, for both browser layers.
fn ensure_chromium() -> Result<()> {
    let present = || Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if present() {
        return Ok(());
    }
    if can_apt() {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    if present() {
        Ok(())
    } else {
        Err(format!(
            "the browser tests need Chromium at {CHROMIUM} and its driver at {CHROMEDRIVER}.\n\
             On Debian: sudo apt-get install chromium chromium-driver"
        ))
    }
}

/// Firefox ESR and a geckodriver, for the Firefox half of the browser layers.
fn ensure_firefox() -> Result<PathBuf> {
    if !Path::new(FIREFOX).exists() && can_apt() {
        apt_install(&["firefox-esr"])?;
    }
    if !Path::new(FIREFOX).exists() {
        return Err(format!(
            "the browser tests also run in Firefox ESR, expected at {FIREFOX}.\n\
             On Debian: sudo apt-get install firefox-esr"
        ));
    }
    ensure_cargo_tool(
        "geckodriver",
        "geckodriver",
        Some(GECKODRIVER_VERSION),
        true,
    )
}

/// WebKitGTK's WebDriver and a virtual display for its MiniBrowser, which
/// has no headless mode, and what every end-to-end layer needs.
fn ensure_webkit(e2e: &Path) -> Result<()> {
    ensure_node_packages(e2e)?;
    bench::ensure_python()?;
    let present = || {
        [WEBKIT_DRIVER, MINIBROWSER, XVFB_RUN]
            .iter()
            .all(|p| Path::new(p).exists())
    };
    if !present() && can_apt() {
        apt_install(&["webkit2gtk-driver", "xvfb"])?;
    }
    if present() {
        Ok(())
    } else {
        Err(format!(
            "the WebKit tests need {WEBKIT_DRIVER}, {MINIBROWSER} and {XVFB_RUN}.\n\
             On Debian: sudo apt-get install webkit2gtk-driver xvfb"
        ))
    }
}

/// Node.js's version as (major, minor), if it runs.
fn node_version() -> Option<(u32, u32)> {
    let v = version_of(Path::new("node"))?;
    let mut parts = v.trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Whether `node --test` takes `--test-timeout` (Node 20.11 and 21.2 on;
/// Debian 12's and Ubuntu 24.04's Node 18 refuses it, and then the
/// end-to-end layer's own bound is the only one).
fn takes_test_timeout((major, minor): (u32, u32)) -> bool {
    major >= 22 || (major == 21 && minor >= 2) || (major == 20 && minor >= 11)
}

/// Node.js 18 or newer with npm, installed by apt when it can be.
fn ensure_node() -> Result<()> {
    let node_major = || node_version().map(|(major, _)| major);
    if node_major().is_none_or(|m| m < 20) && can_apt() {
        apt_install(&["nodejs", "npm"])?;
    }
    match node_major() {
        Some(major) if major >= 20 => Ok(()),
        found => Err(format!(
            "the end-to-end tests and wasm-opt need Node.js 20 or newer with npm \
             (playwright-core 1.64 asks for it); found {}.\n\
             On Debian/Ubuntu: sudo apt-get install nodejs npm, where it gives 20 or newer \
             (Debian 12's is 18: take Node.js 20 or 22 from NodeSource, deb.nodesource.com)",
            found.map_or("none".to_string(), |m| format!("Node.js {m}"))
        )),
    }
}

/// Node.js (for the end-to-end tests) and their npm packages.
fn ensure_node_packages(e2e: &Path) -> Result<()> {
    ensure_node()?;
    let installed = ["playwright-core", "puppeteer-core", "axe-core"]
        .iter()
        .all(|package| {
            e2e.join("node_modules")
                .join(package)
                .join("package.json")
                .exists()
        });
    if !installed {
        step("installing the end-to-end tests' npm packages (npm ci, once)");
        bounded::run_checked(
            Command::new("npm")
                .current_dir(e2e)
                .args(["ci", "--no-audit", "--no-fund"]),
            "npm ci",
            INSTALL_BOUND,
        )?;
    }
    Ok(())
}

/// One layer of `./x test`: what its runners counted, the fewest passed
/// tests it must reach, and what went wrong that the counts do not show.
struct Layer {
    name: &'static str,
    counts: Counts,
    minimum: u32,
    /// Tests this layer declares it skips (a browser without a feature the
    /// test needs, each saying why in the test); any other skip fails it.
    declared_skips: u32,
    /// A command that failed with no failing test counted, or ran out of time.
    trouble: Vec<String>,
    /// How long its commands ran (the summary prints it).
    took: Duration,
}

impl Layer {
    fn new(name: &'static str, minimum: u32) -> Layer {
        Layer {
            name,
            counts: Counts::default(),
            minimum,
            declared_skips: 0,
            trouble: Vec::new(),
            took: Duration::ZERO,
        }
    }

    /// A layer run by one bounded command, counted from its output.
    fn of_run(
        name: &'static str,
        minimum: u32,
        what: &str,
        bound: Duration,
        ran: &bounded::Ran,
    ) -> Layer {
        let mut layer = Layer::new(name, minimum);
        layer.counts = count_results(&ran.stdout);
        layer.took = ran.took;
        match ran.status {
            None => layer.ran_out(what, bound, ran),
            Some(status) if !status.success() && layer.counts.failed == 0 => {
                layer.trouble.push(format!(
                    "{what} failed ({status}) with no failing test counted; its last lines:\n{}",
                    ran.last_lines()
                ))
            }
            Some(_) => {}
        }
        layer
    }

    /// Records that `what` ran out of the layer's bound and was killed. Its
    /// last lines show where it stood: libtest prints "test X has been
    /// running for over 60 seconds", node each test as it ends.
    fn ran_out(&mut self, what: &str, bound: Duration, ran: &bounded::Ran) {
        self.trouble.push(format!(
            "the {} layer ran out of its bound of {} in {what}, which was killed with its process group; its last lines:\n{}",
            self.name,
            span(bound),
            ran.last_lines()
        ));
    }

    /// Why the layer failed; empty when it passed. A test that did not run
    /// fails it too, and so do fewer tests than its minimum, unless trouble
    /// already explains the missing ones.
    fn problems(&self) -> Vec<String> {
        let Counts {
            passed,
            failed,
            skipped,
        } = self.counts;
        let mut why = self.trouble.clone();
        if failed > 0 {
            why.push(format!("{failed} failed"));
        }
        if skipped != self.declared_skips {
            why.push(format!(
                "{skipped} skipped, todo, cancelled or ignored ({} declared for this browser): \
                 every other test must run, so the layer fails",
                self.declared_skips
            ));
        }
        if self.trouble.is_empty() && passed + failed + skipped < self.minimum {
            why.push(format!(
                "{passed} passed, expected at least {}: a test file was lost or renamed?",
                self.minimum
            ));
        }
        why
    }
}

/// A duration as the messages say it: whole minutes, or seconds.
fn span(d: Duration) -> String {
    if d.as_secs() >= 60 && d.as_secs().is_multiple_of(60) {
        format!("{} min", d.as_secs() / 60)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Serves `www/` on a free loopback port, for the browsers of the tests, the
/// screenshots and the benchmark.
fn serve_on_loopback(isolation: server::Isolation) -> Result<server::Handle> {
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    server::start(&root().join("www"), loopback, isolation).map_err(|e| e.to_string())
}

/// Writes the deployable site (the built page) to `site` and serves it on a
/// free loopback port as a host that applies its `_headers` would: isolated,
/// the hashed assets `immutable`. For the tests and the benchmark.
fn serve_dist(site: &Path) -> Result<(server::Handle, dist::Written)> {
    let written = dist::write(&root().join("www"), site)?;
    let headers = fs::read_to_string(site.join("_headers"))
        .map_err(|e| format!("reading {}/_headers: {e}", site.display()))?;
    let server = server::start(
        site,
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        server::Isolation::Rules(std::sync::Arc::new(dist::parse_headers(&headers)?)),
    )
    .map_err(|e| e.to_string())?;
    Ok((server, written))
}

/// `python3 -m http.server` serving `dir`: a plain static server that sends
/// no headers of ours, as a host that cannot send them (GitHub Pages, say).
/// Stopped when dropped.
struct PlainServer {
    child: std::process::Child,
    url: String,
}

impl Drop for PlainServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python_http_server(python: &Path, dir: &Path) -> Result<PlainServer> {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(python)
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("starting python3 -m http.server: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut server = PlainServer {
        child,
        url: String::new(),
    };
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "python3 -m http.server said nothing in 30 s".to_string())?;
    let url = line
        .split_once("(http://")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(addr, _)| format!("http://{addr}"))
        .ok_or_else(|| format!("python3 -m http.server did not say where it serves: {line:?}"))?;
    server.url = url;
    Ok(server)
}

/// The layers `./x test --only` can pick.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
enum Only {
    Lint,
    Native,
    Wasm,
    E2e,
    /// The end-to-end layer in WebKitGTK alone (e2e runs it after Chromium
    /// and Firefox).
    E2eWebkit,
}

fn test(only: Option<Only>) -> Result<()> {
    // e2e-webkit alone only when named: e2e runs it with the other two.
    let wanted = |layer: Only| {
        only.is_none_or(|o| o == layer) && (layer != Only::E2eWebkit || only == Some(layer))
    };
    let root = root();
    let e2e = root.join("tests/e2e");
    let t0 = Instant::now();

    // Everything the layers need, before any of them runs.
    let browsers = wanted(Only::Wasm) || wanted(Only::E2e);
    if wanted(Only::Wasm) || wanted(Only::E2e) || wanted(Only::E2eWebkit) {
        ensure_webkit(&e2e)?;
    }
    let mut geckodriver = PathBuf::new();
    if browsers {
        wasm_bindgen()?;
        ensure_chromium()?;
        geckodriver = ensure_firefox()?;
    }
    if wanted(Only::Wasm) {
        ensure_cargo_tool("wasm-pack", "wasm-pack", Some(WASM_PACK_VERSION), true)?;
    }
    if wanted(Only::E2e) {
        ensure_node_packages(&e2e)?;
    }
    // The page's Python listings are run by CPython (native and end to end).
    if wanted(Only::Native) || wanted(Only::E2e) {
        bench::ensure_python()?;
    }

    let mut layers = Vec::new();

    if wanted(Only::Lint) {
        step("lint: cargo fmt --check, cargo clippy -D warnings (native and wasm)");
        let wasm_clippy = [
            &["clippy", "--lib", "--tests"][..],
            &WASM_CRATE,
            &["--", "-D", "warnings"],
        ]
        .concat();
        let lints: [(&str, &[&str]); 3] = [
            ("cargo fmt", &["fmt", "--all", "--check"]),
            (
                "cargo clippy (native)",
                &[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ],
            ),
            ("cargo clippy (wasm)", &wasm_clippy),
        ];
        let mut lint = Layer::new("lint (fmt, clippy)", LINT_MINIMUM);
        let started = Instant::now();
        let deadline = started + LINT_BOUND;
        for (what, args) in lints {
            let ran = bounded::run(cargo().current_dir(&root).args(args), what, deadline)?;
            match ran.status {
                Some(status) if status.success() => lint.counts.passed += 1,
                Some(status) => {
                    lint.counts.failed += 1;
                    lint.trouble.push(format!("{what} failed ({status})"));
                }
                None => {
                    lint.ran_out(what, LINT_BOUND, &ran);
                    break;
                }
            }
        }
        lint.took = started.elapsed();
        layers.push(lint);
    }

    if wanted(Only::Native) {
        step("native tests (cargo test --workspace)");
        let what = "cargo test --workspace";
        let ran = bounded::run(
            cargo().current_dir(&root).args(["test", "--workspace"]),
            what,
            Instant::now() + NATIVE_BOUND,
        )?;
        layers.push(Layer::of_run(
            "native (cargo test)",
            NATIVE_MINIMUM,
            what,
            NATIVE_BOUND,
            &ran,
        ));
    }

    if wanted(Only::Wasm) {
        for browser in WASM_BROWSERS {
            layers.push(wasm_layer(&root, browser, &geckodriver)?);
        }
    }

    if wanted(Only::E2e) {
        step(
            "end-to-end tests (Chromium by playwright-core, Firefox ESR by puppeteer-core, \
             WebKitGTK by selenium-webdriver)",
        );
        let browsers = [E2E_BROWSERS[0], E2E_BROWSERS[1], E2E_WEBKIT];
        // The page's build is the layers': if it fails, so do they.
        match end_to_end(&root, &e2e, &browsers) {
            Ok(mut ran) => layers.append(&mut ran),
            Err(why) => {
                for (name, _, _) in browsers {
                    let mut layer = Layer::new(name, E2E_MINIMUM);
                    layer.trouble.push(format!("no end-to-end test ran: {why}"));
                    layers.push(layer);
                }
            }
        }
    }

    if wanted(Only::E2eWebkit) {
        step("end-to-end tests in WebKitGTK (WebKitWebDriver, selenium-webdriver)");
        layers.push(webkit_layer(&root, &e2e));
    }

    summarize(&layers, t0.elapsed())
}

/// A browser of the wasm layer: its name, wasm-pack's flag, the layer's name.
/// WebKit goes through the runner's geckodriver path (the one that sends W3C
/// capabilities): wasm-pack is told that WebKitWebDriver is its geckodriver.
#[derive(Clone, Copy, PartialEq)]
enum WasmBrowser {
    Chrome,
    Firefox,
    WebKit,
}

const WASM_BROWSERS: [WasmBrowser; 3] = [
    WasmBrowser::Chrome,
    WasmBrowser::Firefox,
    WasmBrowser::WebKit,
];

impl WasmBrowser {
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Chrome => (
                "Chrome",
                "--chrome",
                "wasm (wasm-pack test, headless Chrome)",
            ),
            Self::Firefox => (
                "Firefox",
                "--firefox",
                "wasm (wasm-pack test, headless Firefox)",
            ),
            Self::WebKit => (
                "WebKitGTK",
                "--firefox",
                "wasm (wasm-pack test, WebKitGTK, Xvfb)",
            ),
        }
    }
}

/// The wasm layer in one browser: `wasm-pack test` with the browser sent
/// through the relay, within `WASM_BOUND`.
fn wasm_layer(root: &Path, browser: WasmBrowser, geckodriver: &Path) -> Result<Layer> {
    let (label, flag, name) = browser.names();
    step(&format!(
        "wasm tests in {label} (wasm-pack test --headless {flag})"
    ));
    let what = "wasm-pack test";
    // The browser reaches the runner's server through the relay (see
    // relay.rs): its capabilities are the project's, plus the proxy.
    let relay = relay::start().map_err(|e| format!("cannot start the relay: {e}"))?;
    let project = root.join("tests/webdriver.json");
    let project = fs::read_to_string(&project)
        .map_err(|e| format!("cannot read {}: {e}", project.display()))?;
    let capabilities = root.join(format!(
        "target/webdriver-relayed-{}.json",
        label.to_lowercase()
    ));
    let relayed = match browser {
        WasmBrowser::WebKit => webkit_capabilities(&project, relay.addr())?,
        _ => relayed_capabilities(&project, relay.addr())?,
    };
    fs::write(&capabilities, relayed)
        .map_err(|e| format!("cannot write {}: {e}", capabilities.display()))?;
    let mut command = match browser {
        // MiniBrowser needs a display; xvfb-run gives the command one.
        WasmBrowser::WebKit => {
            let mut c = Command::new(XVFB_RUN);
            c.args(["-a", "-s", "-screen 0 1280x900x24"])
                .arg(cargo_bin_dir().join("wasm-pack"))
                .envs(WEBKIT_ENV);
            c
        }
        _ => Command::new(cargo_bin_dir().join("wasm-pack")),
    };
    command
        .current_dir(root)
        .args(["test", "--headless", flag])
        .env("PATH", path_with_cargo_bin())
        // -Z build-std needs an explicit --target, which wasm-pack passes.
        .env("CARGO_UNSTABLE_BUILD_STD", "panic_abort,std")
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &capabilities)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    match browser {
        WasmBrowser::WebKit => command.args(["--geckodriver", WEBKIT_DRIVER]),
        _ => command.env("GECKODRIVER", geckodriver),
    };
    let ran = bounded::run(&mut command, what, Instant::now() + WASM_BOUND)?;
    let mut layer = Layer::of_run(name, WASM_MINIMUM, what, WASM_BOUND, &ran);
    let ran_tests = layer.counts.passed + layer.counts.failed > 0;
    match relay.relayed() {
        0 if ran_tests => layer.trouble.push(format!(
            "the browser sent no request through the relay at {}: \
             its proxy settings in {} did not take",
            relay.addr(),
            capabilities.display()
        )),
        0 => {}
        n => println!("{label}: {n} requests to the runner's server went through the relay"),
    }
    Ok(layer)
}

/// `tests/webdriver.json` for WebKitGTK: MiniBrowser (its automation mode)
/// as the browser, and the W3C `proxy` capability pointing at `relay`.
fn webkit_capabilities(project: &str, relay: SocketAddr) -> Result<String> {
    use serde_json::{Value, json};
    let mut caps: Value = serde_json::from_str(project)
        .map_err(|e| format!("tests/webdriver.json is not JSON: {e}"))?;
    let object = caps
        .as_object_mut()
        .ok_or("tests/webdriver.json is not a JSON object")?;
    object.insert("browserName".into(), json!("MiniBrowser"));
    object.insert(
        "webkitgtk:browserOptions".into(),
        json!({ "binary": MINIBROWSER, "args": ["--automation"] }),
    );
    object.insert(
        "proxy".into(),
        json!({ "proxyType": "manual", "httpProxy": relay.to_string(), "noProxy": [] }),
    );
    Ok(serde_json::to_string_pretty(&caps).expect("JSON"))
}

/// `tests/webdriver.json` with the browsers told to reach every address,
/// loopback included, through the proxy at `relay`: Chrome by its
/// `--proxy-server` (`<-loopback>` takes loopback off its bypass list),
/// Firefox by its preferences (`allow_hijacking_localhost` likewise).
fn relayed_capabilities(project: &str, relay: SocketAddr) -> Result<String> {
    use serde_json::{Value, json};
    /// `parent[key]`, made `empty` if missing; `parent` must be an object.
    fn member<'a>(parent: &'a mut Value, key: &str, empty: Value) -> Result<&'a mut Value> {
        Ok(parent
            .as_object_mut()
            .ok_or(format!(
                "tests/webdriver.json: what holds \"{key}\" is not an object"
            ))?
            .entry(key)
            .or_insert(empty))
    }
    let mut caps: Value = serde_json::from_str(project)
        .map_err(|e| format!("tests/webdriver.json is not JSON: {e}"))?;
    let chrome = member(&mut caps, "goog:chromeOptions", json!({}))?;
    member(chrome, "args", json!([]))?
        .as_array_mut()
        .ok_or("tests/webdriver.json: goog:chromeOptions.args is not a list")?
        .extend([
            json!(format!("--proxy-server=http://{relay}")),
            json!("--proxy-bypass-list=<-loopback>"),
        ]);
    let firefox = member(&mut caps, "moz:firefoxOptions", json!({}))?;
    let prefs = member(firefox, "prefs", json!({}))?
        .as_object_mut()
        .ok_or("tests/webdriver.json: moz:firefoxOptions.prefs is not an object")?;
    for (name, value) in [
        ("network.proxy.type", json!(1)),
        ("network.proxy.http", json!(relay.ip().to_string())),
        ("network.proxy.http_port", json!(relay.port())),
        ("network.proxy.no_proxies_on", json!("")),
        ("network.proxy.allow_hijacking_localhost", json!(true)),
        // A `localhost` reached through a proxy stays a secure context.
        (
            "network.proxy.testing_localhost_is_secure_when_hijacked",
            json!(true),
        ),
    ] {
        prefs.insert(name.into(), value);
    }
    Ok(serde_json::to_string_pretty(&caps).expect("JSON"))
}

/// The end-to-end layers: `(name, SPINLAB_BROWSER, the tests it declares
/// skipped)`. In Firefox: the keyboard walk (BiDi keys do not activate a
/// focused control in headless Firefox), the reload test's CDP-only worker
/// list, the page without its listings file and the prose quoting another
/// reference run (playwright's request interception), and the Benchmarks
/// panel's quick run (the same Rust, its
/// figures not asserted: kept to Chromium for CI time). The runs of the page
/// without isolation are skipped only in a browser without
/// `Atomics.waitAsync` (Firefox before 145; Debian's ESR is 153). In both
/// Chromium and Firefox: the isolated page without `SharedArrayBuffer`,
/// which only WebKit gives (no-shared-memory.test.mjs).
const E2E_BROWSERS: [(&str, &str, u32); 2] = [
    ("end-to-end (playwright-core, Chromium)", "chromium", 1),
    ("end-to-end (puppeteer-core, Firefox ESR)", "firefox", 6),
];

/// The end-to-end layer in WebKitGTK: MiniBrowser through WebKitWebDriver
/// under Xvfb (tests/e2e/webkit.mjs). Its declared skips: the tests that
/// need CDP (the reload's worker list, request interception: the page
/// without its listings file, the prose quoting another reference run), the
/// Benchmarks panel's quick run, as in Firefox, and the dist build's
/// automatic shim, which reads the page before its reload with a script
/// run before the page's own (WebDriver classic has none).
const E2E_WEBKIT: (&str, &str, u32) = ("end-to-end (selenium-webdriver, WebKitGTK)", "webkit", 5);

/// The WebKit end-to-end layer, or the reason it could not run.
fn webkit_layer(root: &Path, e2e: &Path) -> Layer {
    match end_to_end(root, e2e, &[E2E_WEBKIT]) {
        Ok(mut ran) => ran.remove(0),
        Err(why) => {
            let mut layer = Layer::new(E2E_WEBKIT.0, E2E_MINIMUM);
            layer.trouble.push(format!("no end-to-end test ran: {why}"));
            layer
        }
    }
}

/// The end-to-end layers: builds the page, serves it, and runs `node --test`
/// against it in each browser, each run within `E2E_BOUND`.
fn end_to_end(
    root: &Path,
    e2e: &Path,
    browsers: &[(&'static str, &str, u32)],
) -> Result<Vec<Layer>> {
    build()?;
    let isolated = serve_on_loopback(server::Isolation::On)?;
    // The same files without COOP/COEP: the page must explain what is missing.
    let plain = serve_on_loopback(server::Isolation::Off)?;
    let url = format!("http://{}/", isolated.addr);
    let plain_url = format!("http://{}/", plain.addr);
    println!("serving www/ at {url} (and without isolation headers at {plain_url})");
    // The deployable site, as two kinds of host would serve it: one that
    // sends no headers (python3 -m http.server) and one that applies the
    // folder's _headers.
    let site = root.join("target/dist");
    let (ruled, written) = serve_dist(&site)?;
    let ruled_url = format!("http://{}/", ruled.addr);
    let headerless = python_http_server(&bench::ensure_python()?, &site)?;
    println!(
        "serving the dist build ({}) by python3 -m http.server at {} and with its _headers at {ruled_url}",
        written.bundle, headerless.url
    );
    // The tests' screenshots and traces: build output, never the documentation's images.
    let artifacts = root.join("target/e2e-artifacts");
    fs::create_dir_all(&artifacts).map_err(|e| format!("creating {}: {e}", artifacts.display()))?;
    let mut layers = Vec::new();
    for &(name, browser, declared_skips) in browsers {
        step(name);
        let mut node = Command::new("node");
        node.current_dir(e2e)
            .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
            .env("SPINLAB_BROWSER", browser)
            .env("SPINLAB_URL", &url)
            .env("SPINLAB_URL_NOT_ISOLATED", &plain_url)
            .env("SPINLAB_DIST_URL", &headerless.url)
            .env("SPINLAB_DIST_URL_HEADERS", &ruled_url)
            .env("CHROMIUM", CHROMIUM)
            .env("FIREFOX", FIREFOX)
            .env("MINIBROWSER", MINIBROWSER)
            .env("SPINLAB_ARTIFACTS", &artifacts);
        if node_version().is_some_and(takes_test_timeout) {
            node.arg(format!("--test-timeout={E2E_TEST_TIMEOUT_MS}"));
        } else {
            println!(
                "note: this Node.js has no --test-timeout (20.11 on): only the layer's bound of {} stops a hung test",
                span(E2E_BOUND)
            );
        }
        let what = "node --test";
        let ran = bounded::run(&mut node, what, Instant::now() + E2E_BOUND)?;
        let mut layer = Layer::of_run(name, E2E_MINIMUM, what, E2E_BOUND, &ran);
        layer.declared_skips = declared_skips;
        layers.push(layer);
    }
    drop((isolated, plain, ruled, headerless));
    Ok(layers)
}

/// Prints each layer's counts and verdict, with the reasons of a failure
/// under it; fails naming the layers that failed.
fn summarize(layers: &[Layer], took: Duration) -> Result<()> {
    println!("\n==> summary ({:.0} s)", took.as_secs_f64());
    let mut total = Counts::default();
    let mut bad = Vec::new();
    for layer in layers {
        let Counts {
            passed,
            failed,
            skipped,
        } = layer.counts;
        let problems = layer.problems();
        let verdict = if problems.is_empty() { "ok" } else { "FAILED" };
        println!(
            "  {:<42} {passed:>4} passed {failed:>3} failed {skipped:>3} skipped  {:>7}  {verdict}",
            layer.name,
            span(layer.took)
        );
        for problem in &problems {
            println!("      {}", problem.trim_end().replace('\n', "\n      "));
        }
        if !problems.is_empty() {
            bad.push(layer.name);
        }
        total.passed += passed;
        total.failed += failed;
        total.skipped += skipped;
    }
    println!(
        "total: {} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!("tests failed in: {}", bad.join(", ")))
    }
}

/// Refreshes the documentation's screenshots: `tests/e2e/screenshots.mjs` against
/// the built page, writing into `tests/e2e/screenshots`. The tests write
/// theirs under `target/e2e-artifacts`, never over these.
fn screenshots() -> Result<()> {
    let e2e = root().join("tests/e2e");
    ensure_chromium()?;
    ensure_node_packages(&e2e)?;
    build()?;
    let server = serve_on_loopback(server::Isolation::On)?;
    let url = format!("http://{}/", server.addr);
    let out = e2e.join("screenshots");
    step(&format!(
        "the documentation's screenshots (node screenshots.mjs against {url})"
    ));
    bounded::run_checked(
        Command::new("node")
            .current_dir(&e2e)
            .arg("screenshots.mjs")
            .env("SPINLAB_URL", &url)
            .env("CHROMIUM", CHROMIUM)
            .env("SPINLAB_SCREENSHOTS", &out),
        "node screenshots.mjs",
        SCREENSHOTS_BOUND,
    )?;
    println!(
        "the documentation's screenshots are refreshed in {}",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> std::result::Result<Task, clap::Error> {
        Cli::try_parse_from(std::iter::once("./x").chain(args.iter().copied())).map(|c| c.command)
    }

    /// The error's text as printed, without its colours.
    fn refusal(args: &[&str]) -> String {
        parse(args).expect_err("refused").render().to_string()
    }

    #[test]
    fn an_unknown_flag_is_refused_by_name() {
        let message = refusal(&["build", "--bogus"]);
        assert!(message.contains("--bogus"), "{message}");
        assert!(message.contains("Usage: ./x build"), "{message}");
    }

    #[test]
    fn a_misspelled_flag_is_refused_with_the_right_one() {
        let message = refusal(&["serve", "--prot", "9000"]);
        assert!(message.contains("'--prot'"), "{message}");
        assert!(
            message.contains("Usage: ./x serve [--port N] [--host H]"),
            "{message}"
        );
    }

    #[test]
    fn serve_takes_a_port_and_a_host() {
        let Ok(Task::Serve { port, .. }) = parse(&["serve", "--port", "9000"]) else {
            panic!("serve --port 9000 parses");
        };
        assert_eq!(port, 9000);
        let Ok(Task::Serve { host, .. }) = parse(&["serve", "--host", "::1"]) else {
            panic!("serve --host ::1 parses");
        };
        assert_eq!(host, IpAddr::from(std::net::Ipv6Addr::LOCALHOST));
        assert!(refusal(&["serve", "--port", "70000"]).contains("70000"));
        assert!(refusal(&["serve", "--host", "localhost:1"]).contains("localhost:1"));
    }

    #[test]
    fn build_takes_a_dist_folder() {
        assert_eq!(parse(&["build"]).unwrap(), Task::Build { dist: None });
        assert_eq!(
            parse(&["build", "--dist", "site"]).unwrap(),
            Task::Build {
                dist: Some(PathBuf::from("site"))
            }
        );
        assert!(refusal(&["build", "--dist"]).contains("--dist"));
    }

    #[test]
    fn bench_takes_quick() {
        assert_eq!(
            parse(&["bench", "--quick"]).unwrap(),
            Task::Bench { quick: true }
        );
        assert_eq!(parse(&["bench"]).unwrap(), Task::Bench { quick: false });
        let message = refusal(&["bench", "--qiuck"]);
        assert!(message.contains("'--qiuck'"), "{message}");
        assert!(message.contains("Usage: ./x bench [--quick]"), "{message}");
    }

    #[test]
    fn test_runs_every_layer_or_the_one_named() {
        assert_eq!(
            parse(&["test"]).unwrap(),
            Task::Test {
                only: None,
                under_load: false
            }
        );
        assert_eq!(
            parse(&["test", "--only", "wasm"]).unwrap(),
            Task::Test {
                only: Some(Only::Wasm),
                under_load: false
            }
        );
        assert_eq!(
            parse(&["test", "--under-load"]).unwrap(),
            Task::Test {
                only: None,
                under_load: true
            }
        );
        assert_eq!(
            parse(&["test", "--only", "e2e-webkit"]).unwrap(),
            Task::Test {
                only: Some(Only::E2eWebkit),
                under_load: false
            }
        );
        let message = refusal(&["test", "--only", "browser"]);
        assert!(message.contains("'browser'"), "{message}");
        assert!(
            message.contains("lint, native, wasm, e2e, e2e-webkit"),
            "{message}"
        );
    }

    #[test]
    fn the_wasm_layers_browsers_are_sent_through_the_relay() {
        let relay: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let project = fs::read_to_string(root().join("tests/webdriver.json")).unwrap();
        let caps: serde_json::Value =
            serde_json::from_str(&relayed_capabilities(&project, relay).unwrap()).unwrap();
        let args = caps["goog:chromeOptions"]["args"].as_array().unwrap();
        // The project's own flags stay, the proxy's are added.
        assert!(args.contains(&"--disable-gpu".into()), "{args:?}");
        assert!(args.contains(&"--proxy-server=http://127.0.0.1:4321".into()));
        assert!(args.contains(&"--proxy-bypass-list=<-loopback>".into()));
        let firefox = &caps["moz:firefoxOptions"];
        assert_eq!(firefox["binary"], FIREFOX);
        assert_eq!(firefox["prefs"]["network.proxy.type"], 1);
        assert_eq!(firefox["prefs"]["network.proxy.http"], "127.0.0.1");
        assert_eq!(firefox["prefs"]["network.proxy.http_port"], 4321);
        assert_eq!(
            firefox["prefs"]["network.proxy.allow_hijacking_localhost"],
            true
        );
        // From nothing, the same settings; from what is not an object, a refusal.
        let bare: serde_json::Value =
            serde_json::from_str(&relayed_capabilities("{}", relay).unwrap()).unwrap();
        assert_eq!(
            bare["goog:chromeOptions"]["args"].as_array().unwrap().len(),
            2
        );
        assert!(relayed_capabilities("[]", relay).is_err());
        assert!(relayed_capabilities(r#"{"goog:chromeOptions": 1}"#, relay).is_err());
        assert!(relayed_capabilities(r#"{"moz:firefoxOptions": {"prefs": 1}}"#, relay).is_err());
    }

    #[test]
    fn webkit_is_told_its_browser_and_the_relay() {
        let relay: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let project = fs::read_to_string(root().join("tests/webdriver.json")).unwrap();
        let caps: serde_json::Value =
            serde_json::from_str(&webkit_capabilities(&project, relay).unwrap()).unwrap();
        assert_eq!(caps["browserName"], "MiniBrowser");
        assert_eq!(caps["webkitgtk:browserOptions"]["binary"], MINIBROWSER);
        assert_eq!(caps["webkitgtk:browserOptions"]["args"][0], "--automation");
        assert_eq!(caps["proxy"]["proxyType"], "manual");
        assert_eq!(caps["proxy"]["httpProxy"], "127.0.0.1:4321");
        // The project's settings for the other two stay (WebKit ignores them).
        assert_eq!(caps["moz:firefoxOptions"]["binary"], FIREFOX);
        assert!(webkit_capabilities("[]", relay).is_err());
    }

    #[test]
    fn an_extra_argument_is_refused() {
        let message = refusal(&["test", "extra"]);
        assert!(message.contains("extra"), "{message}");
        assert_eq!(parse(&["screenshots"]).unwrap(), Task::Screenshots);
    }

    #[test]
    fn an_unknown_or_missing_command_is_refused_and_help_lists_them() {
        let message = refusal(&["tset"]);
        assert!(message.contains("'tset'"), "{message}");
        for usage in [
            "./x serve [--port N] [--host H]",
            "./x bench [--quick]",
            "./x screenshots",
        ] {
            assert!(message.contains(usage), "{usage} missing from {message}");
        }
        assert!(parse(&[]).is_err());
        let help = parse(&["--help"]).expect_err("help is printed, not run");
        assert_eq!(help.kind(), ErrorKind::DisplayHelp);
        let help = help.render().to_string();
        for command in ["serve", "build", "test", "bench", "screenshots"] {
            assert!(help.contains(command), "{command} missing from {help}");
        }
    }

    #[test]
    fn counts_cargo_results_with_ignored_tests() {
        let cargo = "\
     Running unittests src/lib.rs (target/debug/deps/spinlab-0f3c)

running 16 tests
test primes::tests::fixture ... ok
test primes::tests::slow ... ignored
test result: ok. 15 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 2.00s

     Running tests/bench.rs (target/debug/deps/bench-9a1e)

running 5 tests
test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

   Doc-tests spinlab

running 0 tests

test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            count_results(cargo),
            Counts {
                passed: 18,
                failed: 2,
                skipped: 1
            }
        );
    }

    #[test]
    fn counts_wasm_bindgen_test_runner_results() {
        let wasm = "\
Running headless tests in Chrome on `http://127.0.0.1:41207/`
Try find `webdriver.json` for configure browser's capabilities:
Load from `tests/webdriver.json`
running 14 tests
test web::pool_runs_in_parallel ... ok
test web::needs_a_second_core ... ignored

test result: ok. 13 passed; 0 failed; 1 ignored; 0 filtered out; finished in 6.51s
";
        assert_eq!(
            count_results(wasm),
            Counts {
                passed: 13,
                failed: 0,
                skipped: 1
            }
        );
    }

    #[test]
    fn counts_node_tap_results_with_skips_todos_and_cancelled() {
        let tap = "\
TAP version 13
# Subtest: the smoke experiment
ok 1 - the smoke experiment
  ---
  duration_ms: 812.5
  ...
# Subtest: scales onto two cores
ok 2 - scales onto two cores # SKIP only 1 core here
not ok 3 - stops at once # TODO
1..3
# tests 57
# suites 4
# pass 50
# fail 1
# cancelled 2
# skipped 3
# todo 1
# duration_ms 93412.7
";
        assert_eq!(
            count_results(tap),
            Counts {
                passed: 50,
                failed: 1,
                skipped: 6
            }
        );
        let spec = "ℹ tests 5\nℹ pass 3\nℹ fail 0\nℹ cancelled 0\nℹ skipped 1\nℹ todo 1\n";
        assert_eq!(
            count_results(spec),
            Counts {
                passed: 3,
                failed: 0,
                skipped: 2
            }
        );
        assert_eq!(count_results("nothing here"), Counts::default());
    }

    fn layer(passed: u32, failed: u32, skipped: u32) -> Layer {
        Layer {
            counts: Counts {
                passed,
                failed,
                skipped,
            },
            ..Layer::new("native (cargo test)", 68)
        }
    }

    #[test]
    fn a_layer_passes_with_every_test_run_and_enough_of_them() {
        assert!(layer(68, 0, 0).problems().is_empty());
        assert!(layer(70, 0, 0).problems().is_empty());
    }

    #[test]
    fn a_skipped_test_fails_the_layer_saying_how_many() {
        assert_eq!(
            layer(70, 0, 2).problems(),
            [
                "2 skipped, todo, cancelled or ignored (0 declared for this browser): every \
                 other test must run, so the layer fails"
            ]
        );
        // A layer may skip what it declares, and no more.
        let mut declared = layer(70, 0, 2);
        declared.declared_skips = 2;
        assert!(declared.problems().is_empty());
        declared.declared_skips = 1;
        assert_eq!(declared.problems().len(), 1);
        declared.declared_skips = 3;
        assert_eq!(
            declared.problems().len(),
            1,
            "fewer skips than declared: a cancelled test hides there"
        );
    }

    #[test]
    fn fewer_tests_than_the_minimum_fail_the_layer() {
        assert_eq!(
            layer(60, 0, 0).problems(),
            ["60 passed, expected at least 68: a test file was lost or renamed?"]
        );
        // Failures account for tests that did not pass: nothing was lost.
        assert_eq!(layer(66, 2, 0).problems(), ["2 failed"]);
    }

    #[test]
    fn trouble_fails_the_layer_without_blaming_lost_tests() {
        let mut hung = layer(12, 0, 0);
        hung.ran_out("cargo test --workspace", NATIVE_BOUND, &hung_run());
        let problems = hung.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with(
                "the native (cargo test) layer ran out of its bound of 15 min in cargo test --workspace"
            ),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("test slow has been running for over 60 seconds"),
            "{}",
            problems[0]
        );
        let summary = summarize(&[hung, layer(68, 0, 0)], Duration::ZERO);
        assert_eq!(summary, Err("tests failed in: native (cargo test)".into()));
    }

    /// A command that hung after printing libtest's warning, cut short.
    fn hung_run() -> bounded::Ran {
        bounded::run(
            Command::new("sh").args([
                "-c",
                "echo 'test slow has been running for over 60 seconds'; sleep 600",
            ]),
            "sh",
            Instant::now() + Duration::from_millis(300),
        )
        .unwrap()
    }

    #[test]
    fn node_takes_a_test_timeout_from_20_11() {
        assert!(!takes_test_timeout((18, 19)));
        assert!(!takes_test_timeout((20, 10)));
        assert!(takes_test_timeout((20, 11)));
        assert!(!takes_test_timeout((21, 1)));
        assert!(takes_test_timeout((21, 2)));
        assert!(takes_test_timeout((22, 0)));
    }

    #[test]
    fn spans_read_in_minutes_or_seconds() {
        assert_eq!(span(E2E_BOUND), "30 min");
        assert_eq!(span(Duration::from_millis(300)), "0.3 s");
        assert_eq!(span(Duration::from_secs(90)), "90.0 s");
    }
}
