//! What the pool lab runs, checked: `spinlab.runPool`'s, `runSweep`'s,
//! `runSplit`'s and `cancelPool`'s options, and the workloads.

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::core::primes::{Calibration, MAX_NUMBERS, NUMBERS, calibrated_fixture, parse_number};
use std::time::Duration;

use crate::core::big_picture::Units;
use crate::core::protocol::{Design, IO_MAX_WORKERS, JobKind, Mode, SWITCH_INTERVAL, StopPolicy};
use crate::ui::dom::{
    Options, bool_option, describe, key_option, number_option, switch_interval_option,
    whole_number_option,
};

/// What to run: `spinlab.runPool`'s options, checked.
pub struct PoolRequest {
    pub mode: Mode,
    pub workers: usize,
    pub numbers: Vec<u64>,
    /// The book's pool, the early `procs.py` (the report loop stops when
    /// the queue is empty), or one new worker per number.
    pub design: Design,
    /// In the early loop, a pause before each `if jobs.empty()` (the
    /// reader's `sleep(1)` that made the loss frequent), in ms.
    pub race_delay_ms: u32,
    /// `threads-gil`'s `sys.setswitchinterval`.
    pub switch_interval: Duration,
    /// Whether the jobs divide, wait, or both.
    pub kind: JobKind,
}

/// The most numbers a per-job run checks: one worker each, as many as the
/// big picture lab may start at once.
pub fn per_job_max(mode: Mode) -> usize {
    let units = if mode == Mode::Processes {
        Units::Processes
    } else {
        Units::Threads
    };
    units.max_count()
}

pub(super) fn check_request(
    mode: Mode,
    workers: usize,
    numbers: Vec<u64>,
    max_workers: usize,
    design: Design,
    race_delay_ms: u32,
    kind: JobKind,
) -> Result<PoolRequest, String> {
    if design == Design::PerJob {
        return check_per_job(mode, numbers, race_delay_ms, kind);
    }
    let racy = design == Design::EarlyRace;
    if kind != JobKind::Cpu {
        if !matches!(mode, Mode::Threads | Mode::ThreadsGil) {
            return Err(format!(
                "the I/O workloads run on threads or threads-gil, not {} \
                 (their 1-worker run is the sequential reference)",
                mode.key()
            ));
        }
        if racy {
            return Err("the race runs on the book's workload, not an I/O one".into());
        }
    }
    if kind == JobKind::Mixed && workers < 2 {
        return Err(
            "the mixed workload needs 2 workers or more: one divides, the others wait".into(),
        );
    }
    let max_workers = if kind == JobKind::Cpu {
        max_workers
    } else {
        IO_MAX_WORKERS
    };
    if race_delay_ms > 0 && !racy {
        return Err("raceDelayMs is only used with race: true".into());
    }
    if racy && mode == Mode::Rayon {
        return Err(
            "the race needs a job queue: rayon has none (it splits the numbers up front)".into(),
        );
    }
    let workers = if mode == Mode::Sequential { 1 } else { workers };
    if workers == 0 || workers > max_workers {
        return Err(format!(
            "workers must be from 1 to {max_workers} ({}), not {workers}",
            if kind == JobKind::Cpu {
                "the pool's size here"
            } else {
                "with jobs that wait"
            }
        ));
    }
    if numbers.is_empty() {
        return Err("no numbers to check".into());
    }
    Ok(PoolRequest {
        mode,
        workers,
        numbers,
        design,
        race_delay_ms,
        switch_interval: SWITCH_INTERVAL,
        kind,
    })
}

/// A per-job run: processes or threads, the book's kind of job, and as
/// many workers as numbers.
fn check_per_job(
    mode: Mode,
    numbers: Vec<u64>,
    race_delay_ms: u32,
    kind: JobKind,
) -> Result<PoolRequest, String> {
    if !matches!(mode, Mode::Processes | Mode::Threads) {
        return Err(format!(
            "perJob starts one new process or thread per number: mode must be \"processes\" \
             or \"threads\", not \"{}\"",
            mode.key()
        ));
    }
    if race_delay_ms > 0 {
        return Err("raceDelayMs is only used with race: true".into());
    }
    if mode == Mode::Processes && !crate::runtime::shared_memory() {
        return Err(
            "perJob processes take their numbers from a queue in shared memory, and this page \
             has none (it is not cross-origin isolated, or the browser withholds SharedArrayBuffer)"
                .into(),
        );
    }
    if kind != JobKind::Cpu {
        return Err(
            "perJob runs the book's workload (or the calibrated one), not an I/O one".into(),
        );
    }
    if numbers.is_empty() {
        return Err("no numbers to check".into());
    }
    let most = per_job_max(mode);
    if numbers.len() > most {
        return Err(format!(
            "perJob starts one {} per number, at most {most} at once here: give at most \
             {most} numbers, not {}",
            if mode == Mode::Processes {
                "process"
            } else {
                "thread"
            },
            numbers.len()
        ));
    }
    Ok(PoolRequest {
        mode,
        workers: numbers.len(),
        numbers,
        design: Design::PerJob,
        race_delay_ms,
        switch_interval: SWITCH_INTERVAL,
        kind,
    })
}

/// The reader's `sleep(1)`, scaled to this machine: one second of the
/// book's CPython (5000111000222021 took it 3.3 s, 35355731 divisions)
/// as long as the same divisions take here.
pub fn reader_sleep_ms(calibration: &Result<Calibration, String>) -> u32 {
    let rate = calibration.as_ref().map_or(435e6, |c| c.divisions_per_sec);
    (1000.0 * (35_355_731.0 / 3.3) / rate).round().max(1.0) as u32
}

/// How long the calibrated fixture's sequential run should take.
const CALIBRATED_FIXTURE_SECS: f64 = 20.0;

/// The calibrated fixture's numbers, from this machine's division rate.
pub(super) fn calibrated_numbers(
    calibration: &Result<Calibration, String>,
) -> Result<Vec<u64>, String> {
    let c = calibration
        .as_ref()
        .map_err(|reason| format!("no calibrated fixture: {reason}"))?;
    Ok(
        calibrated_fixture(c.divisions_per_sec, CALIBRATED_FIXTURE_SECS)
            .into_iter()
            .map(|(n, _)| n)
            .collect(),
    )
}

/// Reads `{ mode, workers, numbers, workload, race }`.
pub fn pool_options(
    options: &JsValue,
    max_workers: usize,
    calibration: &Result<Calibration, String>,
) -> Result<PoolRequest, String> {
    let options = Options::read(
        options,
        "runPool",
        &[
            "mode",
            "workers",
            "numbers",
            "workload",
            "race",
            "raceDelayMs",
            "switchIntervalMs",
            "perJob",
        ],
    )?;
    if options.is_empty() {
        return Err("runPool needs options: { mode, workers?, numbers? }".into());
    }
    let get = |key: &str| options.get(key);
    let keys: Vec<&str> = Mode::ALL.iter().map(|m| m.key()).collect();
    let mode = key_option(
        &get("mode"),
        "mode",
        &format!("one of {}", keys.join(", ")),
        Mode::parse,
    )?;
    let numbers_value = get("numbers");
    let workload = get("workload");
    let kind = match workload.as_string().as_deref() {
        Some("io") => JobKind::Io,
        Some("mixed") => JobKind::Mixed,
        _ => JobKind::Cpu,
    };
    let most = if kind == JobKind::Cpu {
        max_workers
    } else {
        IO_MAX_WORKERS
    };
    let per_job = bool_option(&get("perJob"), "perJob")?.unwrap_or(false);
    if per_job && !get("workers").is_undefined() {
        return Err(
            "workers does not go with perJob: a per-job run starts one worker per number".into(),
        );
    }
    let workers = whole_number_option(&get("workers"), "workers", 1, most)?.unwrap_or(max_workers);
    let numbers = read_numbers(numbers_value, &workload, calibration)?;
    let racy = bool_option(&get("race"), "race")?.unwrap_or(false);
    let race_delay_ms =
        whole_number_option(&get("raceDelayMs"), "raceDelayMs", 0, 10_000)?.unwrap_or(0) as u32;
    let switch_interval = switch_interval_option(&get("switchIntervalMs"))?;
    if switch_interval.is_some() && mode != Mode::ThreadsGil {
        return Err("switchIntervalMs is only used with mode: \"threads-gil\"".into());
    }
    let mut request = check_request(
        mode,
        workers,
        numbers,
        max_workers,
        Design::of(racy, per_job)?,
        race_delay_ms,
        kind,
    )?;
    request.switch_interval = switch_interval.unwrap_or(SWITCH_INTERVAL);
    Ok(request)
}

/// `numbers` as given, or else the workload's numbers (the book's
/// fixture by default): one or the other, not both.
fn read_numbers(
    numbers_value: JsValue,
    workload: &JsValue,
    calibration: &Result<Calibration, String>,
) -> Result<Vec<u64>, String> {
    let numbers = if numbers_value.is_undefined() {
        match workload.as_string().as_deref() {
            None if workload.is_undefined() => NUMBERS.to_vec(),
            Some("book" | "io" | "mixed") => NUMBERS.to_vec(),
            Some("calibrated") => calibrated_numbers(calibration)?,
            _ => {
                return Err(format!(
                    "workload must be \"book\", \"calibrated\", \"io\" or \"mixed\", not {}",
                    describe(workload)
                ));
            }
        }
    } else if !workload.is_undefined() {
        return Err("give numbers or a workload, not both".into());
    } else {
        numbers_list(numbers_value)?
    };
    Ok(numbers)
}

/// `numbers` as an array of decimal strings, each parsed.
fn numbers_list(numbers_value: JsValue) -> Result<Vec<u64>, String> {
    let list = numbers_value.dyn_into::<Array>().map_err(|v| {
        format!(
            "numbers must be an array of decimal strings, not {}",
            describe(&v)
        )
    })?;
    if list.length() == 0 {
        return Err("numbers is empty: give at least one number".into());
    }
    if list.length() as usize > MAX_NUMBERS {
        return Err(format!(
            "numbers has {} entries: a run takes at most {MAX_NUMBERS}",
            list.length()
        ));
    }
    let mut numbers = Vec::with_capacity(list.length() as usize);
    for (i, value) in list.iter().enumerate() {
        let text = number_option(&value, &format!("numbers[{i}]"))?
            .ok_or_else(|| format!("numbers[{i}] is missing"))?;
        numbers.push(parse_number(&text).map_err(|e| format!("numbers[{i}]: {e}"))?);
    }
    Ok(numbers)
}

/// Reads `runSweep`'s `{ mode, to?, rounds? }` (`to`: 1..20, default the
/// pool's size; `rounds`: 1..13, default 1).
pub fn sweep_options(
    options: &JsValue,
    max_workers: usize,
) -> Result<(Mode, usize, usize), String> {
    let options = Options::read(options, "runSweep", &["mode", "to", "rounds"])?;
    let get = |key: &str| options.get(key);
    let mode = key_option(
        &get("mode"),
        "mode",
        r#""processes", "threads" or "threads-gil""#,
        |s| {
            Mode::parse(s)
                .filter(|m| matches!(m, Mode::Processes | Mode::Threads | Mode::ThreadsGil))
        },
    )?;
    let to = whole_number_option(&get("to"), "to", 1, SWEEP_MAX)?.unwrap_or(max_workers);
    let rounds = whole_number_option(&get("rounds"), "rounds", 1, SWEEP_ROUNDS_MAX)?.unwrap_or(1);
    Ok((mode, to, rounds))
}

/// Reads `runSplit`'s `{ n?, parts? }` (`parts`: 1..64; absent: 1, then the pool's size).
pub fn split_options(options: &JsValue) -> Result<(Option<String>, Option<usize>), String> {
    let options = Options::read(options, "runSplit", &["n", "parts"])?;
    let get = |key: &str| options.get(key);
    let n = number_option(&get("n"), "n")?;
    let parts = whole_number_option(&get("parts"), "parts", 1, 64)?;
    Ok((n, parts))
}

/// The book's sweep went to 20 workers; so may this one.
pub const SWEEP_MAX: usize = 20;

/// The most rounds a sweep repeats: the author's `log-procs.txt` has 13.
pub const SWEEP_ROUNDS_MAX: usize = 13;

/// Reads `cancelPool`'s policy.
pub fn stop_option(value: &JsValue) -> Result<StopPolicy, String> {
    value
        .as_string()
        .and_then(|s| StopPolicy::parse(&s))
        .ok_or_else(|| {
            format!(
                "policy must be \"poison-pill\", \"cancel-flag\" or \"terminate\", not {}",
                describe(value)
            )
        })
}
