//! Shareable state: what a link to the page records, so that a teacher can
//! send one that opens on a lab, set up, ready for one button press.
//!
//! `?lab=pool&mode=processes&workers=2&workload=custom&numbers=2+3+5` opens
//! the pool lab with those controls set and the processes button focused.
//! Pure: the page reads the query with `URLSearchParams` and hands the pairs
//! here; a bad value is ignored (the control keeps its default) and named in
//! a message, and a link never starts a run by itself.

use crate::core::primes::{echo, parse_number, parse_number_list};
use crate::core::protocol::Mode;
use crate::core::spinner::Model;

/// The page's experiments, in the chapter's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lab {
    Spinner,
    Smoke,
    Pool,
    Bench,
}

impl Lab {
    /// In the page's order: the hello world, the real impact of the GIL, the pool, the benchmarks.
    pub const ALL: [Lab; 4] = [Lab::Spinner, Lab::Smoke, Lab::Pool, Lab::Bench];

    /// Also its section's `data-experiment`.
    pub fn key(self) -> &'static str {
        match self {
            Lab::Smoke => "smoke",
            Lab::Spinner => "spinner",
            Lab::Pool => "pool",
            Lab::Bench => "bench",
        }
    }

    pub fn parse(key: &str) -> Option<Lab> {
        Lab::ALL.into_iter().find(|l| l.key() == key)
    }
}

/// The spinner lab's `slow()`.
pub use crate::core::spinner::SlowKind;

/// The pool lab's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    Book,
    Calibrated,
    Io,
    Mixed,
    Custom,
}

impl Workload {
    pub fn key(self) -> &'static str {
        match self {
            Workload::Book => "book",
            Workload::Calibrated => "calibrated",
            Workload::Io => "io",
            Workload::Mixed => "mixed",
            Workload::Custom => "custom",
        }
    }

    pub fn parse(key: &str) -> Option<Workload> {
        [
            Workload::Book,
            Workload::Calibrated,
            Workload::Io,
            Workload::Mixed,
            Workload::Custom,
        ]
        .into_iter()
        .find(|w| w.key() == key)
    }
}

/// Everything a link can set; `None` leaves the page's default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    pub lab: Option<Lab>,
    pub model: Option<Model>,
    pub slow: Option<SlowKind>,
    /// The spinner lab's `n`.
    pub n: Option<u64>,
    pub mode: Option<Mode>,
    pub workers: Option<usize>,
    pub workload: Option<Workload>,
    /// The pool lab's typed numbers (implies the custom workload).
    pub numbers: Option<Vec<u64>>,
}

/// The settings a link may carry, in the order a link writes them.
pub const KEYS: [&str; 8] = [
    "lab", "model", "slow", "n", "mode", "workers", "workload", "numbers",
];

fn one_of(keys: impl IntoIterator<Item = &'static str>) -> String {
    let keys: Vec<&str> = keys.into_iter().collect();
    match keys.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Reads a link's settings from its query's `(key, value)` pairs (already
/// percent-decoded). Returns what was understood, and a message for each
/// setting that was not; a later pair overrides an earlier one.
pub fn parse_link(pairs: &[(String, String)], max_workers: usize) -> (Link, Vec<String>) {
    let mut link = Link::default();
    let mut problems = Vec::new();
    for (key, value) in pairs {
        let value = value.trim();
        let why = match key.as_str() {
            "lab" => Lab::parse(value)
                .map(|lab| link.lab = Some(lab))
                .ok_or_else(|| format!("not a lab: one of {}", one_of(Lab::ALL.map(Lab::key)))),
            "model" => Model::parse(value)
                .map(|model| link.model = Some(model))
                .ok_or_else(|| {
                    format!(
                        "not a spinner model: one of {}",
                        one_of(Model::ALL.map(Model::key))
                    )
                }),
            "slow" => SlowKind::parse(value)
                .map(|slow| link.slow = Some(slow))
                .ok_or_else(|| "slow() is \"sleep\", \"blocking-sleep\" or \"prime\"".to_string()),
            "n" => parse_number(value)
                .map(|n| link.n = Some(n))
                .map_err(|e| e.to_string()),
            "mode" => Mode::parse(value)
                .map(|mode| link.mode = Some(mode))
                .ok_or_else(|| {
                    format!(
                        "not a pool mode: one of {}",
                        one_of(Mode::ALL.map(Mode::key))
                    )
                }),
            "workers" => match value.parse::<usize>() {
                Ok(w) if (1..=max_workers).contains(&w) => {
                    link.workers = Some(w);
                    Ok(())
                }
                // A link made on a bigger machine: as many as there are here.
                Ok(w) if w > max_workers => {
                    link.workers = Some(max_workers);
                    problems.push(format!(
                        "This link's workers={}: this machine has {max_workers} cores, so {max_workers} workers.",
                        echo(value)
                    ));
                    Ok(())
                }
                _ => Err(format!(
                    "workers must be a whole number from 1 to {max_workers} (the cores here)"
                )),
            },
            "workload" => Workload::parse(value)
                .map(|w| link.workload = Some(w))
                .ok_or_else(|| {
                    "the workload is \"book\", \"calibrated\", \"io\", \"mixed\" or \"custom\""
                        .into()
                }),
            "numbers" => parse_number_list(value).map(|numbers| {
                link.numbers = Some(numbers);
                link.workload = Some(Workload::Custom);
            }),
            _ => Err(format!("not a setting: a link may set {}", one_of(KEYS))),
        };
        if let Err(why) = why {
            problems.push(format!(
                "This link's {key}={}: {why}. Ignored.",
                echo(value)
            ));
        }
    }
    if link.numbers.is_none() && link.workload == Some(Workload::Custom) {
        problems.push("This link asks for typed numbers but gives none (numbers=…).".into());
    }
    (link, problems)
}

/// A link's `(key, value)` pairs, in the order of [`KEYS`]: what the page
/// writes into its address as its controls change.
pub fn link_pairs(link: &Link) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if let Some(lab) = link.lab {
        pairs.push(("lab", lab.key().to_string()));
    }
    if let Some(model) = link.model {
        pairs.push(("model", model.key().to_string()));
    }
    if let Some(slow) = link.slow {
        pairs.push(("slow", slow.key().to_string()));
    }
    if let Some(n) = link.n {
        pairs.push(("n", n.to_string()));
    }
    if let Some(mode) = link.mode {
        pairs.push(("mode", mode.key().to_string()));
    }
    if let Some(workers) = link.workers {
        pairs.push(("workers", workers.to_string()));
    }
    match (&link.numbers, link.workload) {
        (Some(numbers), _) => {
            let list: Vec<String> = numbers.iter().map(u64::to_string).collect();
            pairs.push(("numbers", list.join(" ")));
        }
        (None, Some(workload)) if workload != Workload::Custom => {
            pairs.push(("workload", workload.key().to_string()));
        }
        _ => {}
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &[(&str, &str)]) -> Vec<(String, String)> {
        query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_full_link_is_read_and_written_back_the_same() {
        let (link, problems) = parse_link(
            &pairs(&[
                ("lab", "pool"),
                ("model", "coroutine-nap"),
                ("slow", "prime"),
                ("n", "5_000_111_000_222_021"),
                ("mode", "threads-gil"),
                ("workers", "2"),
                ("numbers", "2 3\n18446744073709551557"),
            ]),
            2,
        );
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(link.lab, Some(Lab::Pool));
        assert_eq!(link.model, Some(Model::CoroutineNap));
        assert_eq!(link.slow, Some(SlowKind::Prime));
        assert_eq!(link.n, Some(5_000_111_000_222_021));
        assert_eq!(link.mode, Some(Mode::ThreadsGil));
        assert_eq!(link.workers, Some(2));
        assert_eq!(link.workload, Some(Workload::Custom));
        assert_eq!(link.numbers, Some(vec![2, 3, 18446744073709551557]));
        let written = link_pairs(&link);
        let again: Vec<(String, String)> = written
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(parse_link(&again, 2), (link, vec![]));
        assert_eq!(
            written.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["lab", "model", "slow", "n", "mode", "workers", "numbers"]
        );
    }

    #[test]
    fn bad_values_are_ignored_and_named() {
        let (link, problems) = parse_link(
            &pairs(&[
                ("lab", "kitchen"),
                ("model", "fork"),
                ("slow", "fast"),
                ("n", "-7"),
                ("mode", "gevent"),
                ("workers", "99"),
                ("workload", "huge"),
                ("numbers", "2 abc"),
                ("mdoe", "threads"),
            ]),
            2,
        );
        assert_eq!(
            link,
            Link {
                workers: Some(2),
                ..Link::default()
            },
            "nothing is half-applied; too many workers become the most there are"
        );
        let expected = [
            "This link's lab=\"kitchen\": not a lab: one of spinner, smoke, pool or bench. Ignored.",
            "This link's model=\"fork\": not a spinner model: one of thread, thread-gil, process, coroutine, coroutine-nap or coroutine-offload. Ignored.",
            "This link's slow=\"fast\": slow() is \"sleep\", \"blocking-sleep\" or \"prime\". Ignored.",
            "This link's n=\"-7\": \"-7\" is negative: spinlab checks whole numbers from 0 to 18446744073709551615. Ignored.",
            "This link's mode=\"gevent\": not a pool mode: one of sequential, processes, threads, threads-gil or rayon. Ignored.",
            "This link's workers=\"99\": this machine has 2 cores, so 2 workers.",
            "This link's workload=\"huge\": the workload is \"book\", \"calibrated\", \"io\", \"mixed\" or \"custom\". Ignored.",
            "This link's numbers=\"2 abc\": line 1: \"abc\" is not a decimal integer: it contains 'a', and only the digits 0-9 are allowed. Ignored.",
            "This link's mdoe=\"threads\": not a setting: a link may set lab, model, slow, n, mode, workers, workload or numbers. Ignored.",
        ];
        assert_eq!(problems, expected);
    }

    #[test]
    fn numbers_above_two_to_the_64_and_long_values_are_refused_with_a_short_echo() {
        let long = "1".repeat(100);
        let (link, problems) = parse_link(&pairs(&[("n", &long)]), 2);
        assert_eq!(link.n, None);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with(&format!(
                "This link's n=\"{}…\" (100 characters): ",
                "1".repeat(40)
            )),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("above 18446744073709551615"),
            "{}",
            problems[0]
        );
        for bad in ["0", "1.5"] {
            let (link, problems) = parse_link(&pairs(&[("workers", bad)]), 2);
            assert_eq!(link.workers, None);
            assert_eq!(
                problems,
                [format!(
                    "This link's workers=\"{bad}\": workers must be a whole number from 1 to 2 \
                     (the cores here). Ignored."
                )]
            );
        }
    }

    #[test]
    fn custom_without_numbers_is_named_and_the_book_workload_is_written() {
        let (link, problems) = parse_link(&pairs(&[("workload", "custom")]), 2);
        assert_eq!(link.workload, Some(Workload::Custom));
        assert_eq!(
            problems,
            ["This link asks for typed numbers but gives none (numbers=…)."]
        );
        let (link, _) = parse_link(&pairs(&[("workload", "calibrated"), ("n", " 7 ")]), 2);
        assert_eq!(
            link_pairs(&link),
            [
                ("n", "7".to_string()),
                ("workload", "calibrated".to_string())
            ]
        );
        assert_eq!(link_pairs(&Link::default()), []);
    }

    #[test]
    fn a_later_pair_overrides_an_earlier_one() {
        let (link, problems) = parse_link(&pairs(&[("mode", "rayon"), ("mode", "threads")]), 2);
        assert!(problems.is_empty());
        assert_eq!(link.mode, Some(Mode::Threads));
    }
}
