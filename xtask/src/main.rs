//! spinlab's build tool: `cargo xtask serve | build | test` (via `./x`).
//!
//! One way to do each thing. It installs what a package manager can install
//! (wasm-bindgen-cli at the crate's pinned version, wasm-pack, the end-to-end
//! test's npm packages, and, as root on Debian, Chromium and its driver) and
//! otherwise stops with the exact command to run.

mod bench;
mod server;

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

type Result<T> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: ./x <command>            (or: cargo xtask <command>)

  serve [--port N] [--host H]   build the page and serve www/ (default 127.0.0.1:8000)
  build                         build the wasm (release) and its bindings into www/pkg
  test                          run every test: native, wasm in headless Chrome, end-to-end
  bench [--quick]               measure spinlab against native Rust and CPython (see README)
";

/// Chromium flags for a closed network (its background services would only
/// fail to connect) and for running as root.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

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
    let args: Vec<String> = env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("build") => build().map(drop),
        Some("test") => test(),
        Some("bench") => bench::bench(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nerror: {message}");
            ExitCode::FAILURE
        }
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

/// Runs `cmd`, streaming its output; fails with `what` if it fails.
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

/// Runs `cmd`, echoing its standard output line by line and returning it.
fn run_capturing(cmd: &mut Command, what: &str) -> Result<(bool, String)> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: could not run {:?}: {e}", cmd.get_program()))?;
    let mut captured = String::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.map_err(|e| format!("{what}: reading its output: {e}"))?;
        println!("{line}");
        captured.push_str(&line);
        captured.push('\n');
    }
    let status = child.wait().map_err(|e| format!("{what}: {e}"))?;
    Ok((status.success(), captured))
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
    cmd.args(["install", krate]);
    if let Some(v) = version {
        cmd.args(["--version", v]);
    }
    if locked {
        cmd.arg("--locked");
    }
    run(&mut cmd, &format!("cargo install {label}"))?;
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
        run(
            Command::new("npm")
                .current_dir(&tools)
                .args(["ci", "--no-audit", "--no-fund"]),
            "npm ci (xtask)",
        )?;
    }
    Ok(bin)
}

/// Builds the wasm (release, threads) and its `--target web` bindings into
/// `www/pkg`. Returns the path of the bound `.wasm`.
fn build() -> Result<PathBuf> {
    let root = root();
    let bindgen = wasm_bindgen()?;
    step("building the wasm module (release, atomics + shared memory)");
    let t0 = Instant::now();
    run(
        cargo()
            .current_dir(&root)
            .args(["build", "--profile", "web", "--lib"])
            .args(WASM_CRATE),
        "cargo build (wasm)",
    )?;
    let raw = root.join("target/wasm32-unknown-unknown/web/spinlab.wasm");
    let out = root.join("www/pkg");
    run(
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
    )?;
    bench::publish_reference(&root)?;
    let bound = out.join("spinlab_bg.wasm");
    let bindgen_size = fs::metadata(&bound).map(|m| m.len() / 1024).unwrap_or(0);
    match wasm_opt() {
        Ok(wasm_opt) => run(
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

fn serve(args: &[String]) -> Result<()> {
    let mut host = "127.0.0.1".to_string();
    let mut port: u16 = env::var("SPINLAB_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => {
                port = value()?
                    .parse()
                    .map_err(|_| "--port takes a number 0-65535")?
            }
            "--host" => host = value()?.clone(),
            other => return Err(format!("serve: unknown option {other}\n\n{USAGE}")),
        }
    }
    build()?;
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .map_err(|_| format!("{host}:{port} is not an IP address and port"))?;
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

/// `N passed; M failed` summed over every "test result:" line (cargo, the
/// wasm-bindgen test runner) or read from node's "# pass N" / "# fail N".
fn count_results(output: &str) -> (u32, u32) {
    let number_before = |line: &str, word: &str| -> u32 {
        let words: Vec<&str> = line
            .split([' ', ';', '.'])
            .filter(|w| !w.is_empty())
            .collect();
        words
            .windows(2)
            .find(|w| w[1] == word)
            .and_then(|w| w[0].parse().ok())
            .unwrap_or(0)
    };
    let mut passed = 0;
    let mut failed = 0;
    for line in output.lines() {
        let line = line.trim();
        if line.starts_with("test result:") {
            passed += number_before(line, "passed");
            failed += number_before(line, "failed");
        } else if let Some(n) = line
            .strip_prefix("# pass ")
            .or_else(|| line.strip_prefix("ℹ pass "))
        {
            passed += n.trim().parse().unwrap_or(0);
        } else if let Some(n) = line
            .strip_prefix("# fail ")
            .or_else(|| line.strip_prefix("ℹ fail "))
        {
            failed += n.trim().parse().unwrap_or(0);
        }
    }
    (passed, failed)
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

/// Node.js 18 or newer with npm, installed by apt when it can be.
fn ensure_node() -> Result<()> {
    let node_major = || {
        version_of(Path::new("node")).and_then(|v| {
            v.trim_start_matches('v')
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        })
    };
    if node_major().is_none_or(|m| m < 18) && can_apt() {
        apt_install(&["nodejs", "npm"])?;
    }
    if node_major().is_none_or(|m| m < 18) {
        return Err(
            "the end-to-end tests and wasm-opt need Node.js 18 or newer with npm.\n\
                    On Debian/Ubuntu: sudo apt-get install nodejs npm"
                .into(),
        );
    }
    Ok(())
}

/// Node.js (for the end-to-end tests) and their npm packages.
fn ensure_node_packages(e2e: &Path) -> Result<()> {
    ensure_node()?;
    let installed = ["playwright-core", "axe-core"].iter().all(|package| {
        e2e.join("node_modules")
            .join(package)
            .join("package.json")
            .exists()
    });
    if !installed {
        step("installing the end-to-end tests' npm packages (npm ci, once)");
        run(
            Command::new("npm")
                .current_dir(e2e)
                .args(["ci", "--no-audit", "--no-fund"]),
            "npm ci",
        )?;
    }
    Ok(())
}

struct Layer {
    name: &'static str,
    passed: u32,
    failed: u32,
    ok: bool,
}

fn test() -> Result<()> {
    let root = root();
    let e2e = root.join("tests/e2e");
    let t0 = Instant::now();

    // Everything the three layers need, before any of them runs.
    wasm_bindgen()?;
    ensure_cargo_tool("wasm-pack", "wasm-pack", None, true)?;
    ensure_chromium()?;
    ensure_node_packages(&e2e)?;

    let mut layers = Vec::new();

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
    let mut passed = 0;
    for (what, args) in lints {
        if run(cargo().current_dir(&root).args(args), what).is_ok() {
            passed += 1;
        }
    }
    let failed = lints.len() as u32 - passed;
    layers.push(Layer {
        name: "lint (fmt, clippy)",
        passed,
        failed,
        ok: failed == 0,
    });

    step("native tests (cargo test --workspace)");
    let (ok, out) = run_capturing(
        cargo().current_dir(&root).args(["test", "--workspace"]),
        "cargo test",
    )?;
    let (passed, failed) = count_results(&out);
    layers.push(Layer {
        name: "native (cargo test)",
        passed,
        failed,
        ok,
    });

    step("wasm tests in headless Chrome (wasm-pack test --headless --chrome)");
    let (ok, out) = run_capturing(
        Command::new(cargo_bin_dir().join("wasm-pack"))
            .current_dir(&root)
            .args(["test", "--headless", "--chrome"])
            .env("PATH", path_with_cargo_bin())
            // -Z build-std needs an explicit --target, which wasm-pack passes.
            .env("CARGO_UNSTABLE_BUILD_STD", "panic_abort,std")
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env(
                "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
                root.join("tests/webdriver.json"),
            )
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        "wasm-pack test",
    )?;
    let (passed, failed) = count_results(&out);
    layers.push(Layer {
        name: "wasm (wasm-pack test, headless Chrome)",
        passed,
        failed,
        ok,
    });

    step("end-to-end tests (playwright-core + Chromium against the real server)");
    build()?;
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    let www = root.join("www");
    let isolated =
        server::start(&www, loopback, server::Isolation::On).map_err(|e| e.to_string())?;
    // The same files without COOP/COEP: the page must explain what is missing.
    let plain = server::start(&www, loopback, server::Isolation::Off).map_err(|e| e.to_string())?;
    let url = format!("http://{}/", isolated.addr);
    let plain_url = format!("http://{}/", plain.addr);
    println!("serving www/ at {url} (and without isolation headers at {plain_url})");
    let (ok, out) = run_capturing(
        Command::new("node")
            .current_dir(&e2e)
            .args(["--test", "--test-reporter=tap", "--test-concurrency=1"])
            .env("SPINLAB_URL", &url)
            .env("SPINLAB_URL_NOT_ISOLATED", &plain_url)
            .env("CHROMIUM", CHROMIUM)
            .env("SPINLAB_ARTIFACTS", e2e.join("artifacts")),
        "node --test",
    )?;
    drop((isolated, plain));
    let (passed, failed) = count_results(&out);
    layers.push(Layer {
        name: "end-to-end (playwright-core, Chromium)",
        passed,
        failed,
        ok,
    });

    println!("\n==> summary ({:.0} s)", t0.elapsed().as_secs_f64());
    for layer in &layers {
        let verdict = if layer.ok && layer.failed == 0 && layer.passed > 0 {
            "ok"
        } else {
            "FAILED"
        };
        println!(
            "  {:<42} {:>4} passed {:>3} failed   {verdict}",
            layer.name, layer.passed, layer.failed
        );
    }
    let total: u32 = layers.iter().map(|l| l.passed).sum();
    let bad: Vec<&str> = layers
        .iter()
        .filter(|l| !l.ok || l.failed > 0 || l.passed == 0)
        .map(|l| l.name)
        .collect();
    if bad.is_empty() {
        println!("  all {total} tests passed");
        Ok(())
    } else {
        Err(format!("tests failed in: {}", bad.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::count_results;

    #[test]
    fn counts_cargo_and_node_results() {
        let cargo = "test result: ok. 16 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.00s\n\
                     test result: FAILED. 3 passed; 2 failed; 0 ignored\n";
        assert_eq!(count_results(cargo), (19, 2));
        let node = "# tests 5\n# pass 4\n# fail 1\n";
        assert_eq!(count_results(node), (4, 1));
        assert_eq!(count_results("nothing here"), (0, 0));
    }
}
