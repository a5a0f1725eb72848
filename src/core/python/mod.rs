//! The Python the page shows and offers for download: whole programs, written
//! for this page after the book's scripts in `19-concurrency/` (their names,
//! logic and output lines), that run as they are under Python 3.11+ with
//! [`primes_py`] beside them. Pure Rust: the texts, and the few facts the
//! page reads out of them (a file's name, the line `spin` starts on).
//!
//! The texts mark the steps a run highlights with lines of their own,
//! `# step: NAME` (an empty name ends a step); [`runnable`] drops them.

mod crossing;
mod errors;
mod lock;
mod pool;
mod program;
mod spinner;
mod start_cost;

pub use crossing::{CROSSING_FILE, crossing_program};
pub use errors::{errors_lines, errors_program};
pub use lock::{lock_file, lock_program};
pub use pool::{IO_FILE, io_program, pool_file, pool_program};
pub use program::{Program, STEP_MARKER, line_of, runnable};
pub use spinner::{spinner_file, spinner_program};
pub use start_cost::{START_COST_FILE, start_cost_program};

use crate::core::primes::PRIME_FIXTURE;
use crate::core::protocol::Mode;
use crate::core::spinner::{Model, Offload, SlowKind};

/// `primes.py`: the book's fixture and `is_prime`, which every other
/// program imports.
pub fn primes_py() -> String {
    let fixture: String = PRIME_FIXTURE
        .iter()
        .map(|(n, prime)| format!("    ({n}, {}),\n", if *prime { "True" } else { "False" }))
        .collect();
    format!(
        "\"\"\"primes.py: written for spinlab after the book's primes.py (Fluent Python,
2nd ed., chapter 19): the 20-number fixture and is_prime, odd trial division
up to isqrt(n). Run it to check the fixture: python3 primes.py\"\"\"

import math

PRIME_FIXTURE = [
{fixture}]

NUMBERS = [n for n, _ in PRIME_FIXTURE]


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n == 2:
        return True
    if n % 2 == 0:
        return False
    root = math.isqrt(n)
    for i in range(3, root + 1, 2):
        if n % i == 0:
            return False
    return True


if __name__ == '__main__':
    for n, prime in PRIME_FIXTURE:
        assert is_prime(n) == prime, n
        print(n, prime)
"
    )
}

/// Every program the page can show, once each (the downloads).
pub fn all_programs() -> Vec<Program> {
    let mut out: Vec<Program> = Vec::new();
    let mut add = |p: Program| {
        if !out.iter().any(|q| q.file == p.file) {
            out.push(p);
        }
    };
    for model in Model::ALL {
        for slow in SlowKind::ALL {
            for offload in [Offload::Thread, Offload::Process] {
                add(spinner_program(model, slow, offload));
            }
        }
    }
    for mode in Mode::ALL {
        for design in crate::core::protocol::Design::ALL {
            add(pool_program(mode, design));
        }
    }
    add(io_program());
    for units in crate::core::lock::Units::ALL {
        add(lock_program(units));
    }
    add(start_cost_program());
    add(crossing_program());
    for model in crate::core::errors::ErrorsModel::ALL {
        add(errors_program(model));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::primes::{NUMBERS, PrimeResult, report_line};
    use crate::core::protocol::Design;
    use crate::core::spinner::{answer_line, spinner_object};
    use std::path::{Path, PathBuf};
    use std::process::Command;

    #[test]
    fn markers_are_dropped_and_lines_counted_without_them() {
        let text = "a\n# step: start\n    def spin():\n# step:\nb\n";
        assert_eq!(runnable(text), "a\n    def spin():\nb\n");
        assert_eq!(line_of(&runnable(text), "def spin"), Some(2));
        assert_eq!(line_of(&runnable(text), "def slow"), None);
    }

    #[test]
    fn every_program_has_a_distinct_py_name_and_says_what_it_is() {
        let programs = all_programs();
        // 12 spinner files (spinner_async_experiment.py among them), 9 pool
        // files, 3 lock files, the start cost, the crossing, 3 errors files.
        assert_eq!(programs.len(), 29);
        for p in &programs {
            assert!(p.file.ends_with(".py"), "{}", p.file);
            let first = p.text.lines().next().unwrap();
            assert!(
                first.starts_with(&format!("\"\"\"{}: written for spinlab", p.file)),
                "{first}"
            );
            assert!(!p.text.contains("as the book writes it"));
            assert!(!p.runnable().contains(STEP_MARKER));
        }
    }

    /// A scratch directory of the test's own (tests run in parallel) with
    /// `primes.py` and every program in it.
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("spinlab-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("primes.py"), primes_py()).unwrap();
        for p in all_programs() {
            std::fs::write(dir.join(p.file), p.runnable()).unwrap();
        }
        dir
    }

    /// What a terminal shows: each line as it reads after its last `\r`,
    /// empty lines dropped.
    fn run(dir: &Path, file: &str, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
        let out = Command::new("python3")
            .arg(file)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(dir)
            .output()
            .expect("python3 runs (./x test installs it on Debian)");
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.rsplit('\r').next().unwrap_or("").trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// A row with its time replaced: what the page and CPython share.
    fn shape(line: &str) -> String {
        let mut out = String::new();
        for word in line.split_inclusive(' ') {
            let w = word.trim_end();
            let timed = w.ends_with('s')
                && w[..w.len() - 1].contains('.')
                && w[..w.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.');
            if timed {
                out.push_str(&word.replace(w, "T"));
            } else {
                out.push_str(word);
            }
        }
        out
    }

    #[test]
    fn primes_py_agrees_with_the_fixture() {
        // `python3 primes.py` checks the whole fixture: half a minute of
        // CPython. Its list, and is_prime on numbers it answers at once.
        let dir = scratch("primes_py_agrees_with_the_fixture");
        let script = format!(
            "from primes import PRIME_FIXTURE, is_prime\n\
             print(*[f'{{n}} {{p}}' for n, p in PRIME_FIXTURE], sep='\\n')\n\
             print(*[is_prime(n) for n in {SMALL:?}])"
        );
        let lines = run(&dir, "-c", &[&script], &[]);
        let mut want: Vec<String> = PRIME_FIXTURE
            .iter()
            .map(|(n, p)| format!("{n} {}", if *p { "True" } else { "False" }))
            .collect();
        let small: Vec<&str> = SMALL
            .iter()
            .map(|&n| {
                if crate::core::primes::is_prime(n) {
                    "True"
                } else {
                    "False"
                }
            })
            .collect();
        want.push(small.join(" "));
        assert_eq!(lines, want);
    }

    /// Small numbers CPython checks at once: two primes, five composites.
    const SMALL: [u64; 7] = [
        2,
        1_000_000_007,
        3333333333333333,
        4444444444444444,
        5555555555555555,
        9999999999999999,
        999_999_937,
    ];

    #[test]
    fn the_pool_programs_print_the_pages_lines() {
        let dir = scratch("the_pool_programs_print_the_pages_lines");
        let args: Vec<String> = SMALL.iter().map(u64::to_string).collect();
        let rows: Vec<String> = SMALL
            .iter()
            .map(|&n| {
                shape(&report_line(&PrimeResult {
                    n,
                    prime: crate::core::primes::is_prime(n),
                    elapsed: 0.0,
                }))
            })
            .collect();
        let per_job = [Mode::Processes, Mode::Threads].map(|m| (m, Design::PerJob));
        for (mode, design) in Mode::ALL
            .map(|m| (m, Design::Pool))
            .into_iter()
            .chain(per_job)
        {
            let file = pool_file(mode, design);
            // One worker a number takes no worker count.
            let workers = if design == Design::PerJob {
                SMALL.len()
            } else {
                2
            };
            let mut argv: Vec<&str> = if mode == Mode::Sequential || design == Design::PerJob {
                vec![]
            } else {
                vec!["2"]
            };
            argv.extend(args.iter().map(String::as_str));
            let lines = run(&dir, file, &argv, &[]);
            assert_eq!(lines[0], mode.header(SMALL.len(), workers), "{file}");
            assert_eq!(
                shape(lines.last().unwrap()),
                shape(&mode.footer(SMALL.len(), 0.0)),
                "{file}"
            );
            let mut got: Vec<String> = lines[1..lines.len() - 1].iter().map(|l| shape(l)).collect();
            let mut want = rows.clone();
            got.sort();
            want.sort();
            assert_eq!(got, want, "{file}");
        }
    }

    #[test]
    fn the_start_cost_program_prints_the_pages_line() {
        use crate::core::big_picture::{Units, start_cost_line};
        let dir = scratch("the_start_cost_program_prints_the_pages_line");
        for (units, count) in [
            (Units::Coroutines, 1_000),
            (Units::Threads, 4),
            (Units::Processes, 2),
        ] {
            let lines = run(
                &dir,
                START_COST_FILE,
                &[units.key(), &count.to_string()],
                &[],
            );
            // The same words and number formats; only the times differ.
            let digits = |line: &str| -> String {
                line.chars()
                    .map(|c| if c.is_ascii_digit() { '0' } else { c })
                    .collect()
            };
            let want = start_cost_line(units, count, 0.0);
            assert_eq!(lines.len(), 1, "{lines:?}");
            let (got_head, want_head) = (
                lines[0].split(" in ").next().unwrap(),
                want.split(" in ").next().unwrap(),
            );
            assert_eq!(got_head, want_head);
            let tail = |line: &str| {
                let t = line.split(" in ").nth(1).unwrap().to_string();
                // Whole seconds and ms may take more digits than 0.
                digits(&t).replace("00.", "0.").replace("00.", "0.")
            };
            assert_eq!(tail(&lines[0]), tail(&want), "{}", lines[0]);
        }
    }

    #[test]
    fn the_crossing_program_prints_the_pages_line() {
        use crate::core::crossing::{Via, crossing_line};
        let dir = scratch("the_crossing_program_prints_the_pages_line");
        let program = crossing_program();
        assert!(program.text.starts_with(&format!("\"\"\"{CROSSING_FILE}:")));
        for via in Via::ALL {
            let lines = run(&dir, CROSSING_FILE, &[via.key(), "65536"], &[]);
            assert_eq!(lines.len(), 1, "{lines:?}");
            // The same words and formats; only the time differs.
            let time = |line: &str| -> String {
                let (head, tail) = line.split_once(" in ").unwrap();
                let (seconds, rest) = tail.split_once('s').unwrap();
                assert!(seconds.parse::<f64>().is_ok(), "{line}");
                assert_eq!(seconds.split('.').nth(1).map(str::len), Some(6), "{line}");
                format!("{head} in Ns{rest}")
            };
            assert_eq!(
                time(&lines[0]),
                time(&crossing_line(
                    via,
                    65_536,
                    0.0,
                    crate::core::crossing::ROUNDS
                ))
            );
        }
    }

    #[test]
    fn the_io_program_prints_the_pages_lines() {
        let dir = scratch("the_io_program_prints_the_pages_lines");
        let lines = run(&dir, IO_FILE, &["10"], &[]);
        assert_eq!(lines[0], Mode::Threads.header(NUMBERS.len(), 10));
        assert_eq!(
            shape(lines.last().unwrap()),
            shape(&Mode::Threads.footer(NUMBERS.len(), 0.0))
        );
        let mut got: Vec<String> = lines[1..lines.len() - 1].iter().map(|l| shape(l)).collect();
        let mut want: Vec<String> = PRIME_FIXTURE
            .iter()
            .map(|&(n, prime)| {
                shape(&report_line(&PrimeResult {
                    n,
                    prime,
                    elapsed: 0.0,
                }))
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn the_early_race_prints_rows_then_total_time() {
        let dir = scratch("the_early_race_prints_rows_then_total_time");
        for mode in [Mode::Processes, Mode::Threads] {
            let file = pool_file(mode, Design::EarlyRace);
            // Without the reader's sleep, the loop can also wait forever on
            // a result that will never come (the page says when it would):
            // with it, the pills are taken before `jobs.empty()` is asked.
            let lines = run(
                &dir,
                file,
                &["2", "2", "1000000007", "9"],
                &[("DELAY", "0.2")],
            );
            assert_eq!(lines[0], mode.header(3, 2), "{file}");
            let last = lines.last().unwrap();
            assert!(
                last.starts_with("Total time: ") && last.ends_with('s'),
                "{last}"
            );
            // Rows may be lost to the race; the ones printed are right.
            for row in &lines[1..lines.len() - 1] {
                let n: u64 = row.split_whitespace().next().unwrap().parse().unwrap();
                let prime = crate::core::primes::is_prime(n);
                let want = report_line(&PrimeResult {
                    n,
                    prime,
                    elapsed: 0.0,
                });
                assert_eq!(shape(row), shape(&want), "{file}");
            }
        }
    }

    #[test]
    fn the_lock_programs_print_the_pages_lines() {
        use crate::core::lock::{Units, header, parent_line, process_line, total_line};
        let dir = scratch("the_lock_programs_print_the_pages_lines");
        let py = |units: Units, flags: &[&str]| {
            let mut argv = vec!["3", "200"];
            argv.extend_from_slice(flags);
            run(&dir, lock_file(units), &argv, &[])
        };
        let exact = |units: Units| vec![header(units, 3, 200), total_line(600, 600)];
        assert_eq!(py(Units::Threads, &["--lock"]), exact(Units::Threads));
        assert_eq!(py(Units::Coroutines, &[]), exact(Units::Coroutines));
        assert_eq!(
            py(Units::Coroutines, &["--lock", "--await"]),
            exact(Units::Coroutines)
        );
        // One event loop, tasks in turn: all read, all await, all write.
        let lossy = vec![header(Units::Coroutines, 3, 200), total_line(200, 600)];
        assert_eq!(py(Units::Coroutines, &["--await"]), lossy);
        assert_eq!(crate::core::lock::run_coroutines(3, 200, true, false), 200);
        // Threads without a lock: the counter is CPython's to tell.
        let racy = py(Units::Threads, &[]);
        assert_eq!(racy[0], header(Units::Threads, 3, 200));
        assert!(racy[1].starts_with("counter = ") && racy[1].ends_with(" (expected 600)"));
        assert_eq!(py(Units::Processes, &["--lock"]), exact(Units::Processes));
        let mut own = py(Units::Processes, &[]);
        assert_eq!(own.remove(0), header(Units::Processes, 3, 200));
        assert_eq!(own.pop().unwrap(), parent_line(0));
        own.sort();
        assert_eq!(
            own,
            (1..=3).map(|i| process_line(i, 200)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_spinner_programs_print_the_pages_lines() {
        let dir = scratch("the_spinner_programs_print_the_pages_lines");
        for model in Model::ALL {
            for slow in SlowKind::ALL {
                for offload in [Offload::Thread, Offload::Process] {
                    if model != Model::CoroutineOffload && offload == Offload::Process {
                        continue;
                    }
                    let prime = slow == SlowKind::Prime;
                    let p = spinner_program(model, slow, offload);
                    let arg = if prime { "1000000007" } else { "0.3" };
                    let lines = run(&dir, p.file, &[arg], &[]);
                    let at = format!(
                        "{}:{}",
                        p.file,
                        line_of(&p.runnable(), "async def spin").unwrap_or(0)
                    );
                    // A fresh CPython's first unit: Thread-1, Process-1, Task-2.
                    let id = if matches!(model, Model::Thread | Model::ThreadGil | Model::Process) {
                        1
                    } else {
                        2
                    };
                    let object = format!("spinner object: {}", spinner_object(model, id, 0, &at));
                    assert_eq!(lines.len(), 2, "{}: {lines:?}", p.file);
                    // Python prints a pid and a path where the page has
                    // stand-ins: compare what comes before them.
                    let got = lines[0].split(" parent=").next().unwrap().to_string();
                    let got = match got.split_once(" running at ") {
                        Some((head, path)) => {
                            let name = path.rsplit('/').next().unwrap();
                            format!("{head} running at {name}")
                        }
                        None => got,
                    };
                    assert_eq!(got, object.split(" parent=").next().unwrap(), "{}", p.file);
                    let answer = answer_line(prime.then_some((1_000_000_007, true)));
                    assert_eq!(lines[1], answer, "{}", p.file);
                }
            }
        }
    }

    /// Each errors listing, run by CPython: its stderr is the page's
    /// transcript, once the paths and the standard library's line numbers
    /// (which differ from one Python to another) are set aside.
    #[test]
    fn the_errors_programs_print_the_pages_traceback() {
        use crate::core::errors::{ErrorsModel, ZERO_DIVISION, traceback};
        let dir = scratch("the_errors_programs_print_the_pages_traceback");
        let version = Command::new("python3")
            .args(["-c", "import sys; print(*sys.version_info[:2])"])
            .output()
            .expect("python3 runs");
        let python_3_11 = String::from_utf8_lossy(&version.stdout).trim() == "3 11";
        for model in ErrorsModel::ALL {
            let out = Command::new("python3")
                .arg(model.file())
                .current_dir(&dir)
                .output()
                .expect("python3 runs");
            assert!(out.status.success(), "{}", model.file());
            let printed: Vec<String> = String::from_utf8(out.stderr)
                .unwrap()
                .lines()
                .map(|line| {
                    // `File "/usr/lib/python3.11/threading.py", line 1038,`
                    // reads `File "…/threading.py", line …,` on the page.
                    let Some((head, rest)) = line.split_once("File \"") else {
                        return line.to_string();
                    };
                    let (path, tail) = rest.split_once('"').unwrap();
                    let name = if path.contains("/multiprocessing/") {
                        format!("multiprocessing/{}", path.rsplit('/').next().unwrap())
                    } else {
                        path.rsplit('/').next().unwrap().to_string()
                    };
                    let tail = if name.ends_with(model.file()) {
                        tail.to_string()
                    } else {
                        let (_, after) = tail.split_once(", line ").unwrap();
                        let (_, after) = after.split_once(',').unwrap();
                        format!(", line …,{after}")
                    };
                    format!("{head}File \"…/{name}\"{tail}")
                })
                .collect();
            let page = traceback(model, ZERO_DIVISION, errors_lines(model));
            assert_eq!(printed.first(), page.first(), "{}", model.file());
            assert_eq!(printed.last(), page.last(), "{}", model.file());
            // The lines between differ by version (3.13 marks other carets).
            if python_3_11 {
                assert_eq!(printed, page, "{}: CPython 3.11's lines", model.file());
            }
        }
    }
}
