//! The chapter's "big picture" (its opening section), measured: starting a
//! thread or a process is not cheap, so workers loop over a queue instead of
//! being started per job, while a coroutine is cheap to start. Pure: the
//! units, their limits, and the lines a run prints and notes.

use crate::core::primes::with_commas;

/// What a start-cost run starts: the chapter's three execution units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Units {
    /// Rust futures on the page's event loop (`asyncio.create_task`).
    Coroutines,
    /// Web Workers on the page's shared memory (`threading.Thread`).
    Threads,
    /// Web Workers with a module instance and a memory of their own
    /// (`multiprocessing.Process`).
    Processes,
}

impl Units {
    pub const ALL: [Units; 3] = [Units::Coroutines, Units::Threads, Units::Processes];

    pub fn key(self) -> &'static str {
        match self {
            Units::Coroutines => "coroutines",
            Units::Threads => "threads",
            Units::Processes => "processes",
        }
    }

    pub fn parse(key: &str) -> Option<Units> {
        Units::ALL.into_iter().find(|u| u.key() == key)
    }

    /// One of them, in words.
    pub fn one(self) -> &'static str {
        match self {
            Units::Coroutines => "a coroutine",
            Units::Threads => "a thread",
            Units::Processes => "a process",
        }
    }

    /// The most a run may start at once: a coroutine is a few dozen bytes
    /// of the page's heap; a thread a Web Worker and a stack in the page's
    /// memory; a process a Web Worker, a module instance and a memory of
    /// its own.
    pub fn max_count(self) -> usize {
        match self {
            Units::Coroutines => 100_000,
            Units::Threads => 64,
            Units::Processes => 32,
        }
    }

    /// What the lab's buttons start.
    pub fn default_count(self) -> usize {
        match self {
            Units::Coroutines => 10_000,
            Units::Threads => 50,
            Units::Processes => 20,
        }
    }

    /// `count`, if a run may start that many.
    pub fn check_count(self, count: usize) -> Result<usize, String> {
        if count == 0 || count > self.max_count() {
            return Err(format!(
                "count {count} is out of range: start 1 to {} {} at once",
                with_commas(self.max_count() as u64),
                self.key()
            ));
        }
        Ok(count)
    }
}

/// A start-cost run: `count` units started at once, each putting one
/// message on a queue as its first instruction, until every message was in.
#[derive(Clone, Debug, PartialEq)]
pub struct StartCost {
    pub units: Units,
    pub count: usize,
    /// From the first start to the last message in.
    pub total_ms: f64,
    /// Each unit, from being started to its first instruction.
    pub first_instruction_ms: Vec<f64>,
}

impl StartCost {
    /// The run's total shared out: what one unit cost.
    pub fn per_unit_ms(&self) -> f64 {
        self.total_ms / self.count.max(1) as f64
    }

    /// What `start_cost.py` prints for this run.
    pub fn transcript(&self) -> Vec<String> {
        vec![start_cost_line(
            self.units,
            self.count,
            self.total_ms / 1000.0,
        )]
    }

    /// The page's own measurements, in words.
    pub fn notes(&self) -> Vec<String> {
        let mut first = self.first_instruction_ms.clone();
        first.sort_by(f64::total_cmp);
        let mut notes = Vec::new();
        if let (Some(fastest), Some(slowest)) = (first.first(), first.last()) {
            notes.push(format!(
                "from being started to its first instruction: {} the median unit, {} to {}",
                duration(first[first.len() / 2]),
                duration(*fastest),
                duration(*slowest)
            ));
        }
        notes.push(format!(
            "{}: {} each, {} for all {}",
            self.units.key(),
            duration(self.per_unit_ms()),
            duration(self.total_ms),
            with_commas(self.count as u64)
        ));
        notes.push(
            match self.units {
                Units::Coroutines => {
                    "a coroutine here is a Rust future on the page's event loop \
                     (spawn_local): starting one allocates it and queues it, nothing more"
                }
                Units::Threads => {
                    "a thread here is a Web Worker on the page's shared memory: \
                     the browser starts a worker, which loads the glue and instantiates \
                     the module on that memory"
                }
                Units::Processes => {
                    "a process here is a Web Worker with a module instance and a memory \
                     of its own: the browser starts a worker, which loads the glue and \
                     instantiates the module afresh"
                }
            }
            .to_string(),
        );
        notes
    }
}

/// `start_cost.py`'s line: `10,000 coroutines started and heard from in
/// 0.012s: 0.001200 ms each`.
pub fn start_cost_line(units: Units, count: usize, total_s: f64) -> String {
    format!(
        "{} {} started and heard from in {total_s:.3}s: {:.6} ms each",
        with_commas(count as u64),
        units.key(),
        total_s * 1000.0 / count.max(1) as f64
    )
}

/// A duration for the page's sentences: µs below a millisecond, ms below a
/// second, s above. Zero is a reading below the clock's grain (5 µs in
/// Chromium, 20 µs in Firefox when isolated), not a time, and says so.
pub fn duration(ms: f64) -> String {
    if ms <= 0.0 {
        "0 µs (below the clock's grain)".into()
    } else if ms < 1.0 {
        format!("{:.2} µs", ms * 1000.0)
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The big picture's second point with this browser's figures: what starting
/// one of each cost, the ones measured so far, and how many times a
/// coroutine's a thread and a process cost.
pub fn claim(measured: &[(Units, f64)]) -> String {
    let cost = |units: Units| {
        measured
            .iter()
            .rev()
            .find(|(u, _)| *u == units)
            .map(|(_, ms)| *ms)
    };
    let mut parts = Vec::new();
    for units in Units::ALL {
        if let Some(ms) = cost(units) {
            let times = match (units, cost(Units::Coroutines)) {
                (Units::Coroutines, _) | (_, None) => String::new(),
                (_, Some(c)) if c > 0.0 => format!(
                    " ({} × a coroutine's)",
                    with_commas((ms / c).round() as u64)
                ),
                _ => String::new(),
            };
            parts.push(format!("{} in {}{times}", units.one(), duration(ms)));
        }
    }
    if parts.is_empty() {
        return "Start each kind to measure it in this browser.".into();
    }
    let mut sentence = format!("Started here: {}.", parts.join("; "));
    if let (Some(thread), Some(process)) = (cost(Units::Threads), cost(Units::Processes)) {
        // Measured: 25-40 ms each, either kind, 20 to 50 at once (2 cores).
        if (0.75..=1.0 / 0.75).contains(&(process / thread)) {
            sentence.push_str(
                " A thread and a process cost about the same here: both are Web Workers \
                 sharing one compiled module, where CPython's process also starts a new \
                 interpreter.",
            );
        }
    }
    sentence
}

/// The consequence the chapter draws, measured: the book's numbers on a
/// pool of `units` that loop, and on one new unit per number.
pub fn per_job_claim(units: Units, pool: (usize, f64), per_job: (usize, f64)) -> String {
    let times = if pool.1 > 0.0 {
        format!(" ({:.1} × the pool's time)", per_job.1 / pool.1)
    } else {
        String::new()
    };
    format!(
        "The book's 20 numbers here: a pool of {} {} that loop, {}; {} {}, one a number, {}{times}.",
        pool.0,
        units.key(),
        duration(pool.1),
        per_job.0,
        units.key(),
        duration(per_job.1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_by_key_and_bound_their_count() {
        for units in Units::ALL {
            assert_eq!(Units::parse(units.key()), Some(units));
            assert!(units.check_count(units.default_count()).is_ok());
            assert!(units.check_count(units.max_count()).is_ok());
        }
        assert_eq!(Units::parse("fibers"), None);
        assert_eq!(
            Units::Threads.check_count(0).unwrap_err(),
            "count 0 is out of range: start 1 to 64 threads at once"
        );
        assert_eq!(
            Units::Coroutines.check_count(100_001).unwrap_err(),
            "count 100001 is out of range: start 1 to 100,000 coroutines at once"
        );
    }

    #[test]
    fn a_run_prints_the_python_line_and_notes_its_figures() {
        let run = StartCost {
            units: Units::Threads,
            count: 50,
            total_ms: 2_750.0,
            first_instruction_ms: vec![40.0, 20.0, 30.0],
        };
        assert_eq!(run.per_unit_ms(), 55.0);
        assert_eq!(
            run.transcript(),
            ["50 threads started and heard from in 2.750s: 55.000000 ms each"]
        );
        let notes = run.notes();
        assert_eq!(
            notes[0],
            "from being started to its first instruction: 30.0 ms the median unit, 20.0 ms to 40.0 ms"
        );
        assert_eq!(notes[1], "threads: 55.0 ms each, 2.75 s for all 50");
        assert!(notes[2].contains("Web Worker"), "{}", notes[2]);
        assert_eq!(
            start_cost_line(Units::Coroutines, 10_000, 0.0045),
            "10,000 coroutines started and heard from in 0.004s: 0.000450 ms each"
        );
    }

    #[test]
    fn the_per_job_claim_puts_the_two_designs_side_by_side() {
        assert_eq!(
            per_job_claim(Units::Processes, (2, 977.0), (20, 1_729.0)),
            "The book's 20 numbers here: a pool of 2 processes that loop, 977.0 ms; \
             20 processes, one a number, 1.73 s (1.8 × the pool's time)."
        );
    }

    #[test]
    fn the_claim_names_what_was_measured_and_the_ratios() {
        assert_eq!(claim(&[]), "Start each kind to measure it in this browser.");
        assert_eq!(
            claim(&[(Units::Threads, 55.0)]),
            "Started here: a thread in 55.0 ms."
        );
        let all = [
            (Units::Coroutines, 0.0004),
            (Units::Processes, 110.0),
            (Units::Threads, 60.0),
            (Units::Threads, 55.0),
        ];
        assert_eq!(
            claim(&all),
            "Started here: a coroutine in 0.40 µs; a thread in 55.0 ms (137,500 × a coroutine's); \
             a process in 110.0 ms (275,000 × a coroutine's)."
        );
        // Within a third of each other: said to be about the same.
        let close = [(Units::Threads, 29.0), (Units::Processes, 31.5)];
        assert_eq!(
            claim(&close),
            "Started here: a thread in 29.0 ms; a process in 31.5 ms. A thread and a process \
             cost about the same here: both are Web Workers sharing one compiled module, where \
             CPython's process also starts a new interpreter."
        );
    }
}
