//! What each code panel shows: a Python program (by its file name) beside
//! regions of the Rust that runs (by their names), for every setting of
//! every lab. Pure.
//!
//! The texts themselves are not in the page's module: the build tool writes
//! them, from [`listings_json`], into `pkg/listings.json` beside it, and the
//! page fetches that file while it starts (`ui::code`). The Python is
//! [`crate::core::python`]'s, the Rust the regions `build.rs` extracts from the
//! model sources ([`REGIONS`]).

use crate::core::big_picture;
use crate::core::crossing::Via;
use crate::core::lock::Units;
use crate::core::protocol::{Design, JobKind, Mode};
use crate::core::python;
use crate::core::report::Value;
use crate::core::spinner::{Model, Offload, SlowKind};

include!(concat!(env!("OUT_DIR"), "/code/regions.rs"));

/// A code panel's content, by name.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    /// The Python program's file name.
    pub program: &'static str,
    /// The Rust regions shown, in order.
    pub rust: Vec<&'static str>,
    /// Where those regions live in the sources.
    pub origin: &'static str,
}

/// The spinner lab's listing for `model`.
pub fn spinner(model: Model, slow: SlowKind, offload: Offload) -> Listing {
    let (rust, origin) = match model {
        Model::Thread => ("thread-supervisor", "src/models/thread.rs"),
        Model::ThreadGil => ("thread-gil-supervisor", "src/models/thread_gil.rs"),
        Model::Process => ("process-supervisor", "src/models/process.rs"),
        Model::Coroutine | Model::CoroutineNap | Model::CoroutineOffload => {
            ("coroutine-supervisor", "src/models/coroutine.rs")
        }
    };
    Listing {
        program: python::spinner_file(model, slow, offload),
        rust: vec![rust],
        origin,
    }
}

/// The pool lab's listing for `mode` in `design`; `kind`: jobs that
/// divide, or wait (`io_threads.py`).
pub fn pool(mode: Mode, design: Design, kind: JobKind) -> Listing {
    if kind != JobKind::Cpu {
        return Listing {
            program: python::IO_FILE,
            rust: vec![
                "pool-start-threads",
                "protocol-worker",
                "protocol-io",
                "protocol-report",
            ],
            origin: "src/models/pool/start.rs, src/protocol.rs",
        };
    }
    let protocol: &[&'static str] = if design == Design::PerJob {
        &["protocol-one-job", "protocol-worker", "protocol-report"]
    } else {
        &["protocol-worker", "protocol-report"]
    };
    let (rust, origin) = match mode {
        Mode::Sequential => (protocol.to_vec(), "src/protocol.rs (one worker)"),
        Mode::Processes => (
            [&["pool-start-processes"][..], protocol].concat(),
            "src/models/pool/processes.rs, src/protocol.rs",
        ),
        Mode::Threads | Mode::ThreadsGil => (
            [&["pool-start-threads"][..], protocol].concat(),
            "src/models/pool/start.rs, src/protocol.rs",
        ),
        Mode::Rayon => (vec!["pool-rayon"], "src/models/pool/rayon.rs"),
    };
    Listing {
        program: python::pool_file(mode, design),
        rust,
        origin,
    }
}

/// The lock lab's listing for `units`.
pub fn lock(units: Units) -> Listing {
    let (rust, origin) = match units {
        Units::Threads => (
            vec!["lock-count", "lock-threads"],
            "src/lock.rs, src/models/lock.rs",
        ),
        Units::ThreadsGil => (
            vec!["lock-gil", "lock-threads"],
            "src/lock.rs, src/models/lock.rs",
        ),
        Units::Coroutines => (vec!["lock-coroutines"], "src/lock.rs"),
        Units::Processes => (vec!["lock-processes"], "src/models/lock.rs"),
    };
    Listing {
        program: python::lock_file(units),
        rust,
        origin,
    }
}

/// The big picture's listing: `start_cost.py` beside the Rust that starts
/// `units`.
pub fn start_cost(units: big_picture::Units) -> Listing {
    use big_picture::Units;
    let rust = match units {
        Units::Coroutines => "start-cost-coroutines",
        Units::Threads => "start-cost-threads",
        Units::Processes => "start-cost-processes",
    };
    Listing {
        program: python::START_COST_FILE,
        rust: vec![rust],
        origin: "src/models/start_cost.rs",
    }
}

/// The big picture's crossing listing: `crossing.py` beside the Rust that
/// sends the bytes `via`.
pub fn crossing(via: Via) -> Listing {
    let rust = match via {
        Via::Copy | Via::Transfer => "crossing-process",
        Via::Share => "crossing-thread",
    };
    Listing {
        program: python::CROSSING_FILE,
        rust: vec![rust],
        origin: "src/models/crossing.rs",
    }
}

/// The errors run's listing: the unit's program beside the Rust that runs it.
pub fn errors(model: crate::core::errors::ErrorsModel) -> Listing {
    use crate::core::errors::ErrorsModel;
    let rust = match model {
        ErrorsModel::Thread => "errors-thread",
        ErrorsModel::Process => "errors-process",
        ErrorsModel::Coroutine => "errors-coroutine",
    };
    Listing {
        program: model.file(),
        rust: vec![rust],
        origin: "src/models/errors.rs",
    }
}

/// The file the download beside every listing offers: `primes.py`.
pub const PRIMES_FILE: &str = "primes.py";

/// Every listing a panel can show, with the Python program each setting
/// shows (several settings may show one program): what the tests hold
/// [`listings_json`] to.
#[cfg(test)]
fn every() -> Vec<(Listing, python::Program)> {
    let mut out = Vec::new();
    for model in Model::ALL {
        for slow in SlowKind::ALL {
            for offload in [Offload::Thread, Offload::Process] {
                out.push((
                    spinner(model, slow, offload),
                    python::spinner_program(model, slow, offload),
                ));
            }
        }
    }
    for mode in Mode::ALL {
        for design in Design::ALL {
            out.push((
                pool(mode, design, JobKind::Cpu),
                python::pool_program(mode, design),
            ));
            for kind in [JobKind::Io, JobKind::Mixed] {
                out.push((pool(mode, design, kind), python::io_program()));
            }
        }
    }
    for units in Units::ALL {
        out.push((lock(units), python::lock_program(units)));
    }
    for units in big_picture::Units::ALL {
        out.push((start_cost(units), python::start_cost_program()));
    }
    for via in Via::ALL {
        out.push((crossing(via), python::crossing_program()));
    }
    for model in crate::core::errors::ErrorsModel::ALL {
        out.push((errors(model), python::errors_program(model)));
    }
    out
}

/// `pkg/listings.json`: `{ "programs": { FILE: TEXT }, "regions": { NAME:
/// TEXT } }`, every Python program by its file name (step markers kept; the
/// page drops them for the download) with `primes.py`, and every Rust
/// region by its name.
pub fn listings_json() -> String {
    let mut programs: Vec<(&'static str, Value)> = Vec::new();
    for program in python::all_programs() {
        programs.push((program.file, Value::Str(program.text)));
    }
    programs.push((PRIMES_FILE, Value::Str(python::primes_py())));
    let regions = REGIONS
        .iter()
        .map(|(name, text)| (*name, Value::Str(text.to_string())))
        .collect();
    Value::Obj(vec![
        ("programs", Value::Obj(programs)),
        ("regions", Value::Obj(regions)),
    ])
    .to_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str) -> Option<&'static str> {
        REGIONS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The file the page fetches answers every listing: each setting's
    /// program is the one stored under its file name, and each Rust region
    /// it names exists.
    #[test]
    fn every_listing_is_answered_by_the_listings_file() {
        let programs = python::all_programs();
        let every = every();
        // 6 models × 3 slow()s × 2, 5 modes × 3 designs × 3 kinds, 4 + 3 + 3 + 3.
        assert_eq!(every.len(), 36 + 45 + 13);
        for (listing, program) in &every {
            assert_eq!(listing.program, program.file);
            let stored = programs.iter().find(|p| p.file == program.file);
            assert_eq!(
                stored.map(|p| &p.text),
                Some(&program.text),
                "{}: a setting shows another text than the one stored",
                program.file
            );
            assert!(!listing.rust.is_empty(), "{listing:?}");
            for name in &listing.rust {
                let text = region(name).unwrap_or_else(|| panic!("no region {name}"));
                assert!(!text.trim().is_empty(), "{name} is empty");
            }
        }
        // No region or program is stored that no listing shows.
        for (name, _) in REGIONS {
            assert!(
                every.iter().any(|(l, _)| l.rust.contains(name)),
                "region {name} is shown nowhere"
            );
        }
        for program in &programs {
            assert!(every.iter().any(|(l, _)| l.program == program.file));
        }
    }

    /// Parsed back, the file holds each program and region exactly, once.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_listings_file_holds_every_text_exactly() {
        let json: serde_json::Value = serde_json::from_str(&listings_json()).expect("JSON");
        let programs = json["programs"].as_object().expect("programs");
        let all = python::all_programs();
        // Each program, and primes.py.
        assert_eq!(programs.len(), all.len() + 1);
        for program in &all {
            assert_eq!(
                programs[program.file],
                program.text.as_str(),
                "{}",
                program.file
            );
        }
        assert_eq!(programs[PRIMES_FILE], python::primes_py().as_str());
        let regions = json["regions"].as_object().expect("regions");
        assert_eq!(regions.len(), REGIONS.len());
        for (name, text) in REGIONS {
            assert_eq!(regions[*name], *text, "{name}");
        }
        assert_eq!(json.as_object().map(|o| o.len()), Some(2));
    }
}
