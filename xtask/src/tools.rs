//! What the commands need installed, and where it is: the wasm tools
//! (wasm-bindgen-cli at the crate's pinned version, wasm-pack, geckodriver,
//! by `cargo install`; binaryen's wasm-opt by npm), Node.js and the
//! end-to-end tests' npm packages, CPython, and the browsers (Chromium,
//! Firefox ESR, WebKitGTK, as root on Debian by apt-get). What cannot be
//! installed here stops the command with the exact command to run.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Result, bounded, cargo, root, step};

/// Chromium flags for a closed network (its background services would only
/// fail to connect) and for running as root.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Firefox ESR from Debian's packages: the second browser of the tests.
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
/// WebKitGTK from Debian's packages (webkit2gtk-driver, xvfb): the third browser.
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
pub const XVFB_RUN: &str = "/usr/bin/xvfb-run";
/// geckodriver for `wasm-pack test --firefox`: no Debian package, so
/// `cargo install`, pinned.
const GECKODRIVER_VERSION: &str = "0.37.1";
/// wasm-pack, pinned (its `--locked` install works).
const WASM_PACK_VERSION: &str = "0.15.1";

/// One install: `cargo install`, `npm ci` or `apt-get`.
const INSTALL_BOUND: Duration = Duration::from_secs(20 * 60);

/// The output of `program --version`, if it runs.
fn version_of(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

/// `PATH` with cargo's bin directory first, so tools installed just now are found.
pub fn path_with_cargo_bin() -> OsString {
    let mut paths = vec![cargo_bin_dir()];
    paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    env::join_paths(paths).expect("PATH entries are valid")
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

/// wasm-bindgen-cli at the version Cargo.lock pins for the crate.
pub fn wasm_bindgen() -> Result<PathBuf> {
    let version = locked_wasm_bindgen_version()?;
    // `--locked` fails for 0.2.130 (a locked dependency was yanked); without it works.
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", Some(&version), false)
}

/// wasm-pack, for the wasm layer of the tests.
pub fn wasm_pack() -> Result<PathBuf> {
    ensure_cargo_tool("wasm-pack", "wasm-pack", Some(WASM_PACK_VERSION), true)
}

/// binaryen's `wasm-opt`, from npm (`xtask/package.json`): wasm-pack's own
/// download of it is not reachable here, and Debian's binaryen 108 rewrites
/// the export of wasm-bindgen's externref table to the wrong table.
pub fn wasm_opt() -> Result<PathBuf> {
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
pub fn ensure_chromium() -> Result<()> {
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
pub fn ensure_firefox() -> Result<PathBuf> {
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
pub fn ensure_webkit(e2e: &Path) -> Result<()> {
    ensure_node_packages(e2e)?;
    ensure_python()?;
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
pub fn node_version() -> Option<(u32, u32)> {
    let v = version_of(Path::new("node"))?;
    let mut parts = v.trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Whether `node --test` takes `--test-timeout` (Node 20.11 and 21.2 on;
/// Debian 12's and Ubuntu 24.04's Node 18 refuses it, and then the
/// end-to-end layer's own bound is the only one).
pub fn takes_test_timeout((major, minor): (u32, u32)) -> bool {
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
pub fn ensure_node_packages(e2e: &Path) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_takes_a_test_timeout_from_20_11() {
        assert!(!takes_test_timeout((18, 19)));
        assert!(!takes_test_timeout((20, 10)));
        assert!(takes_test_timeout((20, 11)));
        assert!(!takes_test_timeout((21, 1)));
        assert!(takes_test_timeout((21, 2)));
        assert!(takes_test_timeout((22, 0)));
    }
}
