//! Extracts the regions between `// tag::NAME[]` and `// end::NAME[]` (the
//! book's own convention) from the model sources into `OUT_DIR/code/NAME.rs`,
//! dedented, for the page's code panel: the Rust shown beside the Python is
//! the code that runs, and only those regions are embedded in the module.

use std::path::Path;
use std::{env, fs};

const SOURCES: [&str; 11] = [
    "src/models/thread.rs",
    "src/models/process.rs",
    "src/models/coroutine.rs",
    "src/models/lock.rs",
    "src/models/pool/start.rs",
    "src/models/pool/processes.rs",
    "src/models/pool/rayon.rs",
    "src/protocol.rs",
    "src/lock.rs",
    "src/models/start_cost.rs",
    "src/models/crossing.rs",
];

fn main() {
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("code");
    fs::create_dir_all(&out).expect("OUT_DIR is writable");
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
            } else if let Some((_, lines)) = &mut open {
                lines.push(line);
            }
        }
        assert!(open.is_none(), "{source}: a tag:: region is not closed");
    }
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
