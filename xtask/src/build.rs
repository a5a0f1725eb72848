//! `./x build [--dist DIR]`: the page's wasm module (release, threads) and
//! its `--target web` bindings into `www/pkg` (cargo, wasm-bindgen, the
//! rayon worker's patch, wasm-opt), and with `--dist` the deployable folder
//! (`dist.rs`). The end-to-end layer, the screenshots, the benchmark and the
//! server build the page here first.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::tools::{wasm_bindgen, wasm_opt};
use crate::{Result, bounded, cargo, dist, root, step};

/// Cargo arguments for the page's crate in wasm: std rebuilt with atomics
/// (`-Z build-std` needs the explicit `--target`; the rustflags are in
/// `.cargo/config.toml`).
pub const WASM_CRATE: [&str; 6] = [
    "--package",
    "spinlab",
    "--target",
    "wasm32-unknown-unknown",
    "-Z",
    "build-std=panic_abort,std",
];

/// The page's build (`build`, before the end-to-end layer, the screenshots,
/// the benchmark and the server): cargo, then wasm-bindgen and wasm-opt.
const CARGO_BUILD_BOUND: Duration = Duration::from_secs(20 * 60);
const TOOL_BOUND: Duration = Duration::from_secs(5 * 60);

/// Builds the wasm (release, threads) and its `--target web` bindings into
/// `www/pkg`. Returns the path of the bound `.wasm`.
pub fn build() -> Result<PathBuf> {
    let root = root();
    let bindgen = wasm_bindgen()?;
    step("building the wasm module (release, atomics + shared memory)");
    let t0 = Instant::now();
    let raw = compile(&root)?;
    let out = root.join("www/pkg");
    bind(&bindgen, &raw, &out)?;
    patch_rayon_worker(&out)?;
    publish_reference(&root)?;
    // The code panels' texts: fetched by the page, not carried in its module.
    let listings = out.join("listings.json");
    fs::write(&listings, spinlab::listings::listings_json())
        .map_err(|e| format!("writing {}: {e}", listings.display()))?;
    let bound = out.join("spinlab_bg.wasm");
    let bindgen_size = fs::metadata(&bound).map(|m| m.len() / 1024).unwrap_or(0);
    match wasm_opt() {
        Ok(wasm_opt) => optimise(&wasm_opt, &bound)?,
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

/// `cargo build` of the page's crate for wasm; returns the raw module's path.
fn compile(root: &Path) -> Result<PathBuf> {
    bounded::run_checked(
        cargo()
            .current_dir(root)
            .args(["build", "--profile", "web", "--lib"])
            .args(WASM_CRATE)
            // std's smaller variants of its own code (measured: 11 KB off
            // the module, 576 → 565 KB; the book's loop is ours, untouched).
            .args(["-Z", "build-std-features=optimize_for_size"]),
        "cargo build (wasm)",
        CARGO_BUILD_BOUND,
    )?;
    Ok(root.join("target/wasm32-unknown-unknown/web/spinlab.wasm"))
}

/// wasm-bindgen's `--target web` bindings of `raw` into `out`.
fn bind(bindgen: &Path, raw: &Path, out: &Path) -> Result<()> {
    // wasm-bindgen adds snippets but never removes them: a moved or deleted
    // JS file would otherwise stay in www/pkg (and in a dist build).
    match fs::remove_dir_all(out.join("snippets")) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("clearing {}/snippets: {e}", out.display()));
        }
        _ => {}
    }
    bounded::run_checked(
        Command::new(bindgen)
            .arg("--target")
            .arg("web")
            .arg("--no-typescript")
            // Function names only help a debugger; without them the module is a third smaller.
            .arg("--remove-name-section")
            .arg("--remove-producers-section")
            .arg("--out-dir")
            .arg(out)
            .arg(raw),
        "wasm-bindgen",
        TOOL_BOUND,
    )
}

/// `wasm-opt -Oz` on the bound module, in place.
fn optimise(wasm_opt: &Path, bound: &Path) -> Result<()> {
    bounded::run_checked(
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
            .arg(bound)
            .arg("-o")
            .arg(bound),
        "wasm-opt",
        TOOL_BOUND,
    )
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

/// Builds the page, then writes it to `dir` as a static site (see `dist.rs`).
pub fn build_dist(dir: &Path) -> Result<dist::Written> {
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

/// Copies the last full results beside the page, which shows them as a
/// labelled reference (`pkg/reference.json`; `null` when there are none).
pub fn publish_reference(root: &Path) -> Result<()> {
    let results =
        fs::read_to_string(root.join("bench/results.json")).unwrap_or_else(|_| "null".into());
    let to = root.join("www/pkg/reference.json");
    fs::write(&to, results).map_err(|e| format!("writing {}: {e}", to.display()))
}
