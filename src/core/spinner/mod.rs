//! The spinner experiments' vocabulary, in the book's words: the models, the
//! `\|/-` cycle, `spinner object: …` and the transcript lines. Pure Rust.

pub mod run;

/// The book's `itertools.cycle(r'\|/-')`.
pub const SPIN_CHARS: [char; 4] = ['\\', '|', '/', '-'];

/// The book's `spin('thinking!')`.
pub const MESSAGE: &str = "thinking!";

/// The book's `done.wait(.1)` / `asyncio.sleep(.1)`: 10 frames a second.
pub const FRAME_MS: u32 = 100;

/// The book's `slow()` with `time.sleep(3)`.
pub const SLEEP_MS: u32 = 3_000;

/// The book's `status = f'\r{char} {msg}'` for frame `i` (without the `\r`).
pub fn status(i: u32, msg: &str) -> String {
    format!("{} {msg}", SPIN_CHARS[i as usize % SPIN_CHARS.len()])
}

/// Frames a 10 Hz spinner draws in `elapsed_ms`.
pub fn frames_expected(elapsed_ms: f64) -> f64 {
    elapsed_ms / f64::from(FRAME_MS)
}

/// The execution units of the spinner lab (`spinlab.runSpinner`'s `model`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// `threading.Thread`: a wasm thread sharing the page's memory.
    Thread,
    /// `threading.Thread` under CPython's GIL: `spin` and `slow` as two
    /// threads that must hold a simulated GIL to run Python code.
    ThreadGil,
    /// `multiprocessing.Process`: a worker with its own wasm instance and memory.
    Process,
    /// `asyncio.create_task`: a Rust future on the main thread's event loop.
    Coroutine,
    /// The book's stop-gap: an `is_prime` coroutine that naps.
    CoroutineNap,
    /// The fix: `await` the computation on a pool thread (`asyncio.to_thread`).
    CoroutineOffload,
}

impl Model {
    pub const ALL: [Model; 6] = [
        Model::Thread,
        Model::ThreadGil,
        Model::Process,
        Model::Coroutine,
        Model::CoroutineNap,
        Model::CoroutineOffload,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Model::Thread => "thread",
            Model::ThreadGil => "thread-gil",
            Model::Process => "process",
            Model::Coroutine => "coroutine",
            Model::CoroutineNap => "coroutine-nap",
            Model::CoroutineOffload => "coroutine-offload",
        }
    }

    pub fn parse(key: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Whether the model needs shared memory (a wasm thread or the pool);
    /// `offload` matters only to `coroutine-offload`.
    pub fn needs_threads(self, offload: Offload) -> bool {
        match self {
            Model::Thread | Model::ThreadGil => true,
            Model::CoroutineOffload => offload == Offload::Thread,
            _ => false,
        }
    }
}

/// What `slow()` does in a spinner run: `runSpinner`'s `slow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlowKind {
    /// The book's sleep: `await asyncio.sleep(3)` in a coroutine,
    /// `time.sleep(3)` on a thread's or a process's main thread.
    Sleep,
    /// `time.sleep(3)` everywhere: the book's `spinner_async_experiment.py`,
    /// where a coroutine's blocking sleep holds the event loop for 3 s (for
    /// the thread and process models, the same run as `Sleep`).
    BlockingSleep,
    /// `is_prime(n)`.
    Prime,
}

impl SlowKind {
    pub const ALL: [SlowKind; 3] = [SlowKind::Sleep, SlowKind::BlockingSleep, SlowKind::Prime];

    pub fn key(self) -> &'static str {
        match self {
            SlowKind::Sleep => "sleep",
            SlowKind::BlockingSleep => "blocking-sleep",
            SlowKind::Prime => "prime",
        }
    }

    pub fn parse(key: &str) -> Option<SlowKind> {
        SlowKind::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether `slow()` blocks the event loop for `model`: a computation or
    /// a blocking sleep in a coroutine that runs it on the loop's thread.
    pub fn blocks_the_loop(self, model: Model) -> bool {
        matches!(model, Model::Coroutine | Model::CoroutineNap) && self == SlowKind::BlockingSleep
            || model == Model::Coroutine && self == SlowKind::Prime
    }
}

/// Where `coroutine-offload` sends `slow()`'s work: `runSpinner`'s `offload`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Offload {
    /// `asyncio.to_thread`: a thread of the page's pool.
    #[default]
    Thread,
    /// `loop.run_in_executor(ProcessPoolExecutor(), …)`: a fresh process.
    Process,
}

impl Offload {
    pub fn key(self) -> &'static str {
        match self {
            Offload::Thread => "thread",
            Offload::Process => "process",
        }
    }

    pub fn parse(key: &str) -> Option<Offload> {
        [Offload::Thread, Offload::Process]
            .into_iter()
            .find(|o| o.key() == key)
    }
}

/// How the coroutine naps: `spinlab.runSpinner`'s `nap.via`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NapVia {
    /// A 0 ms timer, then a `MessageChannel` message: every due timer runs
    /// first, and timers never nest, so the 4 ms clamp never applies.
    Yield,
    /// A 0 ms timer: clamped to ≥ 4 ms once timers nest 5 deep.
    Timeout,
}

impl NapVia {
    pub fn key(self) -> &'static str {
        match self {
            NapVia::Yield => "yield",
            NapVia::Timeout => "timeout",
        }
    }

    pub fn parse(key: &str) -> Option<NapVia> {
        [NapVia::Yield, NapVia::Timeout]
            .into_iter()
            .find(|v| v.key() == key)
    }
}

/// The book's nap: `if i % 100_000 == 1: await asyncio.sleep(0)` with `i`
/// stepping by 2, so once every 50,000 divisions.
pub const BOOK_NAP_EVERY: u64 = 50_000;

/// How long a slice of work between naps should last by default: the book's
/// 50,000 CPython divisions took about 2-5 ms.
pub const NAP_SLICE_SECS: f64 = 0.005;

/// `spinner object: …` as Python prints the unit just created:
/// `<Thread(Thread-1 (spin), initial)>`, `<Process name='Process-1'
/// parent=NNN initial>` (`parent`: the page's stand-in for a pid), or the
/// task (`asyncio.run` made `supervisor` Task-1, so the first `spin` is
/// Task-2), whose coroutine has not started: Python names the file and the
/// line `spin` is defined on (`spin_at`, `spinner_async.py:21`). What each
/// is here goes in a note: [`spinner_object_note`].
pub fn spinner_object(model: Model, id: u32, parent: u32, spin_at: &str) -> String {
    match model {
        Model::Thread | Model::ThreadGil => format!("<Thread(Thread-{id} (spin), initial)>"),
        Model::Process => format!("<Process name='Process-{id}' parent={parent} initial>"),
        _ => format!("<Task pending name='Task-{id}' coro=<spin() running at {spin_at}>>"),
    }
}

/// What the object line's unit is in the browser, for the notes.
pub fn spinner_object_note(model: Model) -> &'static str {
    match model {
        Model::Thread => "Thread-N is a Web Worker on this page's shared WebAssembly.Memory",
        Model::ThreadGil => {
            "Thread-N is a Web Worker on this page's shared WebAssembly.Memory; it and the thread \
             running slow() (a pool thread standing in for Python's main thread: the page's may \
             not wait on a lock) take turns holding a simulated GIL"
        }
        Model::Process => {
            "Process-N is a Web Worker with its own wasm instance and memory; parent= stands in for \
             the page's pid (a tab has none to show): a number drawn once per page load"
        }
        _ => {
            "Task-N is a future on the main thread's event loop (asyncio.run made supervisor() \
             Task-1, so spin() is Task-2, and every run takes two); Python prints the full path \
             of the file it ran, the page the file's name as downloaded"
        }
    }
}

/// The run's result line: the book's `Answer: 42`, or `main()`'s
/// `print(f'{n:,} {msg} prime')` (`5,000,111,000,222,021 is prime`).
pub fn answer_line(prime: Option<(u64, bool)>) -> String {
    use crate::core::primes::with_commas;
    match prime {
        None => "Answer: 42".to_string(),
        Some((n, true)) => format!("{} is prime", with_commas(n)),
        Some((n, false)) => format!("{} is not prime", with_commas(n)),
    }
}

/// The Thread + GIL spinner's frame lateness, as a histogram: how many
/// frames were late by less than 1 ms, 1-2 ms, … (each bucket's upper bound
/// excluded), ≥ 100 ms last.
pub fn lateness_histogram(lateness_ms: &[f64]) -> Vec<(&'static str, usize)> {
    const BUCKETS: [(&str, f64); 8] = [
        ("< 1 ms", 1.0),
        ("1-2 ms", 2.0),
        ("2-5 ms", 5.0),
        ("5-10 ms", 10.0),
        ("10-20 ms", 20.0),
        ("20-50 ms", 50.0),
        ("50-100 ms", 100.0),
        ("≥ 100 ms", f64::INFINITY),
    ];
    let mut counts: Vec<(&str, usize)> = BUCKETS.iter().map(|(label, _)| (*label, 0)).collect();
    for &late in lateness_ms {
        if let Some(i) = BUCKETS.iter().position(|(_, upper)| late < *upper) {
            counts[i].1 += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_is_the_books() {
        let frames: Vec<String> = (0..5).map(|i| status(i, MESSAGE)).collect();
        assert_eq!(
            frames,
            [
                "\\ thinking!",
                "| thinking!",
                "/ thinking!",
                "- thinking!",
                "\\ thinking!"
            ]
        );
    }

    #[test]
    fn models_round_trip_their_contract_keys() {
        for m in Model::ALL {
            assert_eq!(Model::parse(m.key()), Some(m));
        }
        assert_eq!(Model::parse("greenlet"), None);
        assert_eq!(NapVia::parse("yield"), Some(NapVia::Yield));
        assert_eq!(NapVia::parse("timeout"), Some(NapVia::Timeout));
        assert_eq!(NapVia::parse("microtask"), None);
    }

    #[test]
    fn spinner_objects_read_like_python() {
        // The book's lines, with nothing after them.
        assert_eq!(
            spinner_object(Model::Thread, 1, 0, ""),
            "<Thread(Thread-1 (spin), initial)>"
        );
        assert_eq!(
            spinner_object(Model::Process, 1, 237132, ""),
            "<Process name='Process-1' parent=237132 initial>"
        );
        let task = "<Task pending name='Task-2' coro=<spin() running at spinner_async.py:21>>";
        for model in [
            Model::Coroutine,
            Model::CoroutineNap,
            Model::CoroutineOffload,
        ] {
            assert_eq!(
                spinner_object(model, 2, 0, "spinner_async.py:21"),
                task,
                "{model:?}"
            );
        }
    }

    #[test]
    fn only_the_thread_and_the_offload_need_shared_memory() {
        let needing = |offload| -> Vec<Model> {
            Model::ALL
                .into_iter()
                .filter(|m| m.needs_threads(offload))
                .collect()
        };
        assert_eq!(
            needing(Offload::Thread),
            [Model::Thread, Model::ThreadGil, Model::CoroutineOffload]
        );
        // A process offload has an instance and memory of its own.
        assert_eq!(needing(Offload::Process), [Model::Thread, Model::ThreadGil]);
        assert_eq!(Offload::parse("process"), Some(Offload::Process));
        assert_eq!(Offload::parse("greenlet"), None);
    }

    /// Each lateness lands in the one bucket below its upper bound.
    #[test]
    fn lateness_falls_in_its_bucket() {
        let h = lateness_histogram(&[0.0, 0.99, 1.0, 4.9, 5.0, 99.9, 100.0, 250.0]);
        let counts: Vec<usize> = h.iter().map(|(_, c)| *c).collect();
        assert_eq!(counts, [2, 1, 1, 1, 0, 0, 1, 2]);
        assert_eq!(h[7].0, "≥ 100 ms");
        assert!(lateness_histogram(&[]).iter().all(|(_, c)| *c == 0));
    }

    #[test]
    fn answers_follow_the_book() {
        assert_eq!(answer_line(None), "Answer: 42");
        assert_eq!(
            answer_line(Some((5000111000222021, true))),
            "5,000,111,000,222,021 is prime"
        );
        assert_eq!(answer_line(Some((9, false))), "9 is not prime");
        assert_eq!(answer_line(Some((1234, false))), "1,234 is not prime");
        assert_eq!(frames_expected(3000.0), 30.0);
    }
}
