//! Extracts the regions between `// tag::NAME[]` and `// end::NAME[]` (the
//! book's own convention) from the model sources into `OUT_DIR/code/NAME.rs`,
//! dedented, for the page's code panel: the Rust shown beside the Python is
//! the code that runs. `OUT_DIR/code/regions.rs` lists them all, each named
//! and included (`crate::listings::REGIONS`); the build tool writes them into
//! `www/pkg/listings.json`, which the page fetches: they are not in the module.

use std::path::Path;
use std::{env, fs};

const SOURCES: [&str; 13] = [
    "src/models/thread.rs",
    "src/models/thread_gil.rs",
    "src/models/process.rs",
    "src/models/coroutine.rs",
    "src/models/lock.rs",
    "src/models/pool/start.rs",
    "src/models/pool/processes.rs",
    "src/models/pool/rayon.rs",
    "src/core/protocol.rs",
    "src/core/lock.rs",
    "src/models/start_cost.rs",
    "src/models/crossing.rs",
    "src/models/errors.rs",
];

fn main() {
    build_id();
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("code");
    fs::create_dir_all(&out).expect("OUT_DIR is writable");
    let mut regions = String::from(
        "/// Every region: its name and its text.\npub const REGIONS: &[(&str, &str)] = &[\n",
    );
    for source in SOURCES {
        println!("cargo::rerun-if-changed={source}");
        let text = fs::read_to_string(source).expect("a model source");
        let mut open: Option<(&str, Vec<&str>)> = None;
        for line in text.lines() {
            let marker = line.trim();
            if let Some(name) = marker
                .strip_prefix("// tag::")
                .and_then(|m| m.strip_suffix("[]"))
            {
                assert!(
                    open.is_none(),
                    "{source}: tag::{name} inside another region"
                );
                open = Some((name, Vec::new()));
            } else if let Some(name) = marker
                .strip_prefix("// end::")
                .and_then(|m| m.strip_suffix("[]"))
            {
                let (tag, lines) = open.take().expect("end:: without tag::");
                assert_eq!(tag, name, "{source}: end::{name} closes tag::{tag}");
                fs::write(out.join(format!("{name}.rs")), dedent(&lines))
                    .expect("OUT_DIR is writable");
                assert!(
                    !regions.contains(&format!("(\"{name}\",")),
                    "{source}: a second region named {name}"
                );
                regions.push_str(&format!(
                    "    (\"{name}\", include_str!(concat!(env!(\"OUT_DIR\"), \"/code/{name}.rs\"))),\n"
                ));
            } else if let Some((_, lines)) = &mut open {
                lines.push(line);
            }
        }
        assert!(open.is_none(), "{source}: a tag:: region is not closed");
    }
    regions.push_str("];\n");
    fs::write(out.join("regions.rs"), regions).expect("OUT_DIR is writable");
}

/// `SPINLAB_BUILD`: a hash of what the module is built from (every file
/// under `src/`, the manifest and the lock file, the toolchain and the
/// build's flags), so that the page can tell a
/// calibration stored by this module from one stored by another build.
fn build_id() {
    use std::hash::{DefaultHasher, Hasher};
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in fs::read_dir(dir).expect("src/ is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    // The recipe too: the toolchain, the wasm flags, the build tool's
    // (build-std's features, wasm-opt's): each changes the module's speed.
    let mut files: Vec<std::path::PathBuf> = [
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
        ".cargo/config.toml",
        "xtask/src/build.rs",
    ]
    .into_iter()
    .map(Into::into)
    .collect();
    walk(Path::new("src"), &mut files);
    files.sort();
    let mut hash = DefaultHasher::new();
    for file in &files {
        hash.write(file.to_string_lossy().as_bytes());
        hash.write(&fs::read(file).unwrap_or_default());
    }
    println!("cargo::rerun-if-changed=src");
    for file in &files {
        if !file.starts_with("src") {
            println!("cargo::rerun-if-changed={}", file.display());
        }
    }
    println!("cargo::rustc-env=SPINLAB_BUILD={:016x}", hash.finish());
}

fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut text = String::new();
    for line in lines {
        text.push_str(line.get(indent..).unwrap_or("").trim_end());
        text.push('\n');
    }
    text
}
