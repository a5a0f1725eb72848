//! `./x test [--only LAYER] [--under-load]`: every layer of the tests, each
//! within its bound: lint (fmt, clippy), native (`cargo test`), wasm
//! (`wasm-pack test` in Chrome, Firefox and WebKitGTK), end-to-end
//! (`node --test` against the built page in the same three), then the
//! summary. `layer` holds a layer's counts and verdict, `webdriver` the wasm
//! layer's browser capabilities.

mod layer;
mod webdriver;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use self::layer::{Layer, summarize};
use self::webdriver::{relayed_capabilities, webkit_capabilities};
use crate::build::{WASM_CRATE, build};
use crate::serve::{python_http_server, serve_dist, serve_on_loopback};
use crate::tools::{
    CHROMEDRIVER, CHROMIUM, FIREFOX, MINIBROWSER, WEBKIT_DRIVER, XVFB_RUN, cargo_bin_dir,
    ensure_chromium, ensure_firefox, ensure_node_packages, ensure_python, ensure_webkit,
    node_version, path_with_cargo_bin, takes_test_timeout, wasm_bindgen, wasm_pack,
};
use crate::{Result, bounded, cargo, relay, root, server, span, step};

/// The fewest tests each layer must pass: fewer means a test file was lost
/// or renamed while the rest passed. Raise them as tests are added.
const LINT_MINIMUM: u32 = 3;
const NATIVE_MINIMUM: u32 = 226;
const WASM_MINIMUM: u32 = 15;
const E2E_MINIMUM: u32 = 135;

/// How long each layer may run, compiling included, before its processes are
/// killed: generous for a busy 2-core machine, far below CI's 90 minutes, so
/// that a hang fails naming what hung.
const LINT_BOUND: Duration = Duration::from_secs(15 * 60);
const NATIVE_BOUND: Duration = Duration::from_secs(15 * 60);
const WASM_BOUND: Duration = Duration::from_secs(20 * 60);
const E2E_BOUND: Duration = Duration::from_secs(30 * 60);
/// One end-to-end test's bound, in ms (`node --test` has none by default).
const E2E_TEST_TIMEOUT_MS: u32 = 300_000;

/// MiniBrowser's settings for the tests, as tests/e2e/webkit.mjs gives them:
/// shared memory on (Safari turns it on for an isolated page by itself), and
/// painting on the CPU (WebKitGTK 2.50's Skia GPU path crashes the web
/// process when workers draw on handed-over canvases while others start and
/// end; tests/e2e/canvas-churn.mjs).
const WEBKIT_ENV: [(&str, &str); 2] = [
    ("JSC_useSharedArrayBuffer", "1"),
    ("WEBKIT_SKIA_ENABLE_CPU_RENDERING", "1"),
];

/// The layers `./x test --only` can pick.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum Only {
    Lint,
    Native,
    Wasm,
    E2e,
    /// The end-to-end layer in WebKitGTK alone (e2e runs it after Chromium
    /// and Firefox).
    E2eWebkit,
}

/// Whether `layer` runs when `./x test --only` names `only` (`None`: every
/// layer). e2e-webkit alone only when named: e2e runs it with the other two.
fn wanted(only: Option<Only>, layer: Only) -> bool {
    only.is_none_or(|o| o == layer) && (layer != Only::E2eWebkit || only == Some(layer))
}

/// Runs the layers `only` picks (all by default), with one core kept busy
/// meanwhile if `under_load`, and prints their summary; fails naming the
/// layers that failed.
pub fn test(only: Option<Only>, under_load: bool) -> Result<()> {
    let _load = under_load.then(BusyCore::start).transpose()?;
    let root = root();
    let e2e = root.join("tests/e2e");
    let t0 = Instant::now();
    let geckodriver = prepare(only, &e2e)?;
    let mut layers = Vec::new();
    if wanted(only, Only::Lint) {
        layers.push(lint_layer(&root)?);
    }
    if wanted(only, Only::Native) {
        layers.push(native_layer(&root)?);
    }
    if wanted(only, Only::Wasm) {
        for browser in WASM_BROWSERS {
            layers.push(wasm_layer(&root, browser, &geckodriver)?);
        }
    }
    if wanted(only, Only::E2e) {
        step(
            "end-to-end tests (Chromium by playwright-core, Firefox ESR by puppeteer-core, \
             WebKitGTK by selenium-webdriver)",
        );
        let browsers = [E2E_BROWSERS[0], E2E_BROWSERS[1], E2E_WEBKIT];
        layers.extend(e2e_layers(&root, &e2e, &browsers));
    }
    if wanted(only, Only::E2eWebkit) {
        step("end-to-end tests in WebKitGTK (WebKitWebDriver, selenium-webdriver)");
        layers.extend(e2e_layers(&root, &e2e, &[E2E_WEBKIT]));
    }
    summarize(&layers, t0.elapsed())
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

/// Everything the layers `only` picks need, before any of them runs.
/// Returns geckodriver's path (empty when no browser layer runs).
fn prepare(only: Option<Only>, e2e: &Path) -> Result<PathBuf> {
    let wanted = |layer| wanted(only, layer);
    let browsers = wanted(Only::Wasm) || wanted(Only::E2e);
    if browsers || wanted(Only::E2eWebkit) {
        ensure_webkit(e2e)?;
    }
    let mut geckodriver = PathBuf::new();
    if browsers {
        wasm_bindgen()?;
        ensure_chromium()?;
        geckodriver = ensure_firefox()?;
    }
    if wanted(Only::Wasm) {
        wasm_pack()?;
    }
    if wanted(Only::E2e) {
        ensure_node_packages(e2e)?;
    }
    // The page's Python listings are run by CPython (native and end to end).
    if wanted(Only::Native) || wanted(Only::E2e) {
        ensure_python()?;
    }
    Ok(geckodriver)
}

/// The lint layer: `cargo fmt --check`, then clippy natively and for wasm,
/// one passed test each, all within `LINT_BOUND`.
fn lint_layer(root: &Path) -> Result<Layer> {
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
        let ran = bounded::run(cargo().current_dir(root).args(args), what, deadline)?;
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
    Ok(lint)
}

/// The native layer: `cargo test --workspace` within `NATIVE_BOUND`.
fn native_layer(root: &Path) -> Result<Layer> {
    step("native tests (cargo test --workspace)");
    let what = "cargo test --workspace";
    let ran = bounded::run(
        cargo().current_dir(root).args(["test", "--workspace"]),
        what,
        Instant::now() + NATIVE_BOUND,
    )?;
    Ok(Layer::of_run(
        "native (cargo test)",
        NATIVE_MINIMUM,
        what,
        NATIVE_BOUND,
        &ran,
    ))
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
    let capabilities = write_capabilities(root, browser, &relay)?;
    let mut command = wasm_pack_test(root, browser, geckodriver, &capabilities);
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

/// Writes `browser`'s capabilities, sent through `relay`, under `target/`
/// for the test runner; returns the file's path.
fn write_capabilities(root: &Path, browser: WasmBrowser, relay: &relay::Relay) -> Result<PathBuf> {
    let (label, _, _) = browser.names();
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
    Ok(capabilities)
}

/// `wasm-pack test --headless` in `browser`, with the `capabilities` file;
/// WebKit's MiniBrowser under xvfb-run, for it needs a display.
fn wasm_pack_test(
    root: &Path,
    browser: WasmBrowser,
    geckodriver: &Path,
    capabilities: &Path,
) -> Command {
    let (_, flag, _) = browser.names();
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
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", capabilities)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    match browser {
        WasmBrowser::WebKit => command.args(["--geckodriver", WEBKIT_DRIVER]),
        _ => command.env("GECKODRIVER", geckodriver),
    };
    command
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

/// The end-to-end layers in `browsers`, or, when the page could not be
/// built or served for them, each failed with the reason: the page's build
/// is the layers', if it fails, so do they.
fn e2e_layers(root: &Path, e2e: &Path, browsers: &[(&'static str, &str, u32)]) -> Vec<Layer> {
    end_to_end(root, e2e, browsers).unwrap_or_else(|why| {
        browsers
            .iter()
            .map(|&(name, _, _)| {
                let mut layer = Layer::new(name, E2E_MINIMUM);
                layer.trouble.push(format!("no end-to-end test ran: {why}"));
                layer
            })
            .collect()
    })
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
    let headerless = python_http_server(&ensure_python()?, &site)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e2e_webkit_runs_only_when_named() {
        for layer in [Only::Lint, Only::Native, Only::Wasm, Only::E2e] {
            assert!(wanted(None, layer));
            assert!(wanted(Some(layer), layer));
            assert!(!wanted(Some(Only::E2eWebkit), layer));
        }
        assert!(!wanted(None, Only::E2eWebkit));
        assert!(!wanted(Some(Only::E2e), Only::E2eWebkit));
        assert!(wanted(Some(Only::E2eWebkit), Only::E2eWebkit));
    }
}
