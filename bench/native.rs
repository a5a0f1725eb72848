//! The native Rust reference for `./x bench`: the same `check` and the same
//! pool protocol as the page (`spinlab::core::protocol`), built for this machine
//! with the release profile and run on its own threads. Prints JSON.
//!
//! ```text
//! spinlab-native kernel <runs> <n>...     is_prime(n) and the labelled variant
//!                                         is_prime_unrolled(n), ms a run
//! spinlab-native fixture <runs> <max>     the book's fixture: sequentially,
//!                                         then threads × 1..=max, ms a run
//! spinlab-native split <runs> <n> <parts>  is_prime(n) split into 1 part, then
//!                                         into <parts> on as many threads, ms a run
//! ```
//! Every series starts with a warm-up run that is not printed.

use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use spinlab::core::clock::now_seconds;
use std::sync::atomic::{AtomicBool, Ordering};

use spinlab::core::primes::{
    NUMBERS, check, check_with, divisor_ranges, has_divisor_in, is_prime_unrolled,
};
use spinlab::core::protocol::{JobQueue, Message, check_cancellable, worker};
use spinlab::core::report::json_string;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
    match (args.first().map(String::as_str), number(1)) {
        (Some("kernel"), Some(runs)) if args.len() > 2 => {
            let mut entries = Vec::new();
            for arg in &args[2..] {
                let Ok(n) = arg.parse::<u64>() else {
                    eprintln!("not a number: {arg}");
                    return ExitCode::FAILURE;
                };
                let ms = samples(runs, || check(n).elapsed * 1000.0);
                let unrolled = samples(runs, || check_with(n, is_prime_unrolled).elapsed * 1000.0);
                entries.push(format!(
                    "{{\"n\":\"{n}\",\"ms\":{},\"unrolledMs\":{}}}",
                    list(&ms),
                    list(&unrolled)
                ));
            }
            println!("{{\"kernels\":[{}]}}", entries.join(","));
        }
        (Some("fixture"), Some(runs)) => {
            let max = number(2).unwrap_or(1).max(1);
            let sequential = samples(runs, || {
                let t0 = Instant::now();
                for n in NUMBERS {
                    std::hint::black_box(check(n));
                }
                t0.elapsed().as_secs_f64() * 1000.0
            });
            let mut pools = Vec::new();
            for workers in 1..=max {
                let ms = samples(runs, || threads(workers));
                pools.push(format!(
                    "{{\"mode\":{},\"workers\":{workers},\"totalMs\":{}}}",
                    json_string("native-threads"),
                    list(&ms)
                ));
            }
            println!(
                "{{\"sequentialMs\":{},\"pools\":[{}]}}",
                list(&sequential),
                pools.join(",")
            );
        }
        (Some("split"), Some(runs)) if args.len() == 4 => {
            let (Ok(n), Some(parts)) = (args[2].parse::<u64>(), number(3)) else {
                eprintln!("usage: spinlab-native split <runs> <n> <parts>");
                return ExitCode::FAILURE;
            };
            let one = samples(runs, || split(n, 1));
            let many = samples(runs, || split(n, parts.max(1)));
            println!(
                "{{\"n\":\"{n}\",\"parts\":{parts},\"oneMs\":{},\"partsMs\":{}}}",
                list(&one),
                list(&many)
            );
        }
        _ => {
            eprintln!(
                "usage: spinlab-native kernel <runs> <n>... | fixture <runs> <max workers> | split <runs> <n> <parts>"
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// A warm-up, then `runs` samples.
fn samples(runs: usize, mut sample: impl FnMut() -> f64) -> Vec<f64> {
    sample();
    (0..runs).map(|_| sample()).collect()
}

/// The page's `threads` mode on native threads: the book's fixture through a
/// `JobQueue` with a pill per worker. Milliseconds from before the threads
/// start until the last one is done.
fn threads(workers: usize) -> f64 {
    let t0 = Instant::now();
    let jobs = Arc::new(JobQueue::with_jobs(&NUMBERS, workers));
    let handles: Vec<_> = (0..workers)
        .map(|id| {
            let jobs = Arc::clone(&jobs);
            thread::spawn(move || {
                let mut checked = 0;
                worker(
                    id,
                    || jobs.get(),
                    |n| check_cancellable(n, &|| false, now_seconds),
                    || 0.0,
                    |m| checked += usize::from(matches!(m, Message::Result { .. })),
                );
                checked
            })
        })
        .collect();
    let checked: usize = handles.into_iter().map(|h| h.join().expect("worker")).sum();
    assert_eq!(checked, NUMBERS.len(), "every number checked once");
    t0.elapsed().as_secs_f64() * 1000.0
}

/// The page's split of one number (`split_check`, rayon there) on scoped
/// native threads: the same divisor ranges, the same early stop. Asserts the
/// answer is the book's `is_prime`'s. Milliseconds.
fn split(n: u64, parts: usize) -> f64 {
    let t0 = Instant::now();
    let found = AtomicBool::new(false);
    let composite = n < 2 || (n != 2 && n.is_multiple_of(2)) || {
        let ranges = divisor_ranges(n, parts);
        thread::scope(|s| {
            let found = &found;
            let handles: Vec<_> = ranges
                .into_iter()
                .map(|(lo, hi)| {
                    s.spawn(move || {
                        let hit = has_divisor_in(n, lo, hi, found);
                        if hit {
                            found.store(true, Ordering::Relaxed);
                        }
                        hit
                    })
                })
                .collect();
            // Every part joined, not only up to the first divisor found.
            let mut any = false;
            for handle in handles {
                any |= handle.join().expect("a split part");
            }
            any
        })
    };
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(!composite, check(n).prime, "the split agrees with is_prime");
    ms
}

fn list(xs: &[f64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| format!("{x:.4}")).collect();
    format!("[{}]", items.join(","))
}
