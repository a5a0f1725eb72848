//! The Python the page shows and offers for download: whole programs, written
//! for this page after the book's scripts in `19-concurrency/` (their names,
//! logic and output lines), that run as they are under Python 3.11+ with
//! [`primes_py`] beside them. Pure Rust: the texts, and the few facts the
//! page reads out of them (a file's name, the line `spin` starts on).
//!
//! The texts mark the steps a run highlights with lines of their own,
//! `# step: NAME` (an empty name ends a step); [`runnable`] drops them.

use crate::primes::PRIME_FIXTURE;
use crate::protocol::Mode;
use crate::spinner::{Model, Offload};

/// One downloadable program: its file name and its text, step markers
/// included (the panel reads them; [`runnable`] is what a learner runs).
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub file: &'static str,
    pub text: String,
}

impl Program {
    /// The file as a learner downloads it: no step markers.
    pub fn runnable(&self) -> String {
        runnable(&self.text)
    }
}

/// The line marking the start of a step.
pub const STEP_MARKER: &str = "# step:";

/// `text` without its step markers.
pub fn runnable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if !line.trim_start().starts_with(STEP_MARKER) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The 1-based line of the runnable text that starts with `prefix` (after
/// its indentation): where Python says a function is, as in
/// `coro=<spin() running at spinner_async.py:21>`.
pub fn line_of(runnable: &str, prefix: &str) -> Option<usize> {
    runnable
        .lines()
        .position(|line| line.trim_start().starts_with(prefix))
        .map(|i| i + 1)
}

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

/// The file a spinner run's listing is saved as, after the book's names.
pub fn spinner_file(model: Model, prime: bool, offload: Offload) -> &'static str {
    match (model, prime, offload) {
        // CPython always has its GIL: the thread models run one program.
        (Model::Thread | Model::ThreadGil, false, _) => "spinner_thread.py",
        (Model::Thread | Model::ThreadGil, true, _) => "spinner_prime_thread.py",
        (Model::Process, false, _) => "spinner_proc.py",
        (Model::Process, true, _) => "spinner_prime_proc.py",
        (Model::Coroutine | Model::CoroutineNap, false, _) => "spinner_async.py",
        (Model::Coroutine, true, _) => "spinner_prime_async_broken.py",
        (Model::CoroutineNap, true, _) => "spinner_prime_async_nap.py",
        (Model::CoroutineOffload, false, Offload::Thread) => "spinner_async_to_thread.py",
        (Model::CoroutineOffload, false, Offload::Process) => "spinner_async_executor.py",
        (Model::CoroutineOffload, true, Offload::Thread) => "spinner_prime_async_to_thread.py",
        (Model::CoroutineOffload, true, Offload::Process) => "spinner_prime_async_executor.py",
    }
}

const SPIN_WAITING: &str = "\
def spin(msg: str, done: {EVENT}) -> None:
    for char in itertools.cycle(r'\\|/-'):
        status = f'\\r{char} {msg}'
        print(status, end='', flush=True)
        if done.wait(.1):  # True once done is set; False after .1 s
            break
    blanks = ' ' * len(status)
    print(f'\\r{blanks}\\r', end='')
";

const SPIN_ASYNC: &str = "\
async def spin(msg: str) -> None:
    for char in itertools.cycle(r'\\|/-'):
        status = f'\\r{char} {msg}'
        print(status, end='', flush=True)
        try:
            await asyncio.sleep(.1)
        except asyncio.CancelledError:  # spinner.cancel() lands here
            break
    blanks = ' ' * len(status)
    print(f'\\r{blanks}\\r', end='')
";

const SUPERVISOR_WAITING: &str = "\
def supervisor() -> {RESULT}:
# step: start
    done = Event()
    spinner = {UNIT}(target=spin, args=('thinking!', done))
    print(f'spinner object: {spinner}')
    spinner.start()
# step: slow
    result = slow()
# step: stop
    done.set()
    spinner.join()
# step: done
    return result
# step:
";

const SUPERVISOR_ASYNC: &str = "\
async def supervisor() -> {RESULT}:
# step: start
    spinner = asyncio.create_task(spin('thinking!'))
    print(f'spinner object: {spinner}')
# step: slow
    result = await slow()
# step: stop
    spinner.cancel()
# step: done
    return result
# step:
";

const NAPPING_IS_PRIME: &str = "\
async def is_prime(n: int) -> bool:
    \"\"\"primes.is_prime, napping: every 50,000 divisions it awaits
    asyncio.sleep(0), giving the event loop a turn.\"\"\"
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
        if i % 100_000 == 1:
            await asyncio.sleep(0)
    return True
";

/// `slow()` for a spinner program.
fn spinner_slow(model: Model, prime: bool, offload: Offload) -> &'static str {
    match (model, prime, offload) {
        (Model::Thread | Model::ThreadGil | Model::Process, false, _) => {
            "def slow() -> int:\n    time.sleep(SECONDS)\n    return 42\n"
        }
        (Model::Thread | Model::ThreadGil | Model::Process, true, _) => {
            "def slow() -> bool:\n    return is_prime(N)\n"
        }
        (Model::Coroutine | Model::CoroutineNap, false, _) => {
            "async def slow() -> int:\n    await asyncio.sleep(SECONDS)\n    return 42\n"
        }
        (Model::Coroutine, true, _) => {
            "async def slow() -> bool:\n    return is_prime(N)  # never awaits: the event loop is stuck\n"
        }
        (Model::CoroutineNap, true, _) => {
            "async def slow() -> bool:\n    return await is_prime(N)  # the stop-gap: it naps\n"
        }
        (Model::CoroutineOffload, false, Offload::Thread) => {
            "async def slow() -> int:\n    await asyncio.to_thread(time.sleep, SECONDS)\n    return 42\n"
        }
        (Model::CoroutineOffload, true, Offload::Thread) => {
            "async def slow() -> bool:\n    # the fix: the check runs on another thread; the loop stays free\n    \
             return await asyncio.to_thread(is_prime, N)\n"
        }
        (Model::CoroutineOffload, false, Offload::Process) => {
            "async def slow() -> int:\n    loop = asyncio.get_running_loop()\n    \
             with ProcessPoolExecutor(max_workers=1) as executor:\n        \
             await loop.run_in_executor(executor, time.sleep, SECONDS)\n    return 42\n"
        }
        (Model::CoroutineOffload, true, Offload::Process) => {
            "async def slow() -> bool:\n    # the fix: the check runs in another process; the loop stays free\n    \
             loop = asyncio.get_running_loop()\n    \
             with ProcessPoolExecutor(max_workers=1) as executor:\n        \
             return await loop.run_in_executor(executor, is_prime, N)\n"
        }
    }
}

/// Where the spinner program comes from, for its docstring.
fn spinner_after(model: Model, prime: bool, offload: Offload) -> &'static str {
    match (model, prime, offload) {
        (Model::Thread | Model::ThreadGil, false, _) => {
            "after the book's spinner_thread.py (chapter 19)"
        }
        (Model::Thread | Model::ThreadGil, true, _) => {
            "after the book's spinner_prime_thread.py (chapter 19)"
        }
        (Model::Process, false, _) => "after the book's spinner_proc.py (chapter 19)",
        (Model::Process, true, _) => "after the book's spinner_proc.py, with is_prime (chapter 19)",
        (Model::Coroutine | Model::CoroutineNap, false, _) => {
            "after the book's spinner_async.py (chapter 19)"
        }
        (Model::Coroutine, true, _) => {
            "after the book's spinner_prime_async_broken.py (chapter 19)"
        }
        (Model::CoroutineNap, true, _) => {
            "after the book's spinner_prime_async_nap.py (chapter 19)"
        }
        (Model::CoroutineOffload, _, Offload::Thread) => {
            "after the book's spinner_async.py; asyncio.to_thread is not in chapter 19 (the book \
             uses it in chapter 21)"
        }
        (Model::CoroutineOffload, _, Offload::Process) => {
            "after the book's spinner_async.py; run_in_executor with a ProcessPoolExecutor is the \
             book's fix for CPU-bound work in chapters 20 and 21, not chapter 19"
        }
    }
}

/// The whole spinner program for a run: `spin`, `slow`, `supervisor` and
/// `main`, runnable as `python3 FILE [SECONDS]` (sleeping) or
/// `python3 FILE [N]` (checking a number; default the book's).
pub fn spinner_program(model: Model, prime: bool, offload: Offload) -> Program {
    let file = spinner_file(model, prime, offload);
    let coroutine = !matches!(model, Model::Thread | Model::ThreadGil | Model::Process);
    let mut imports = vec!["import itertools", "import sys"];
    if coroutine {
        imports.insert(0, "import asyncio");
    }
    let sleeps = !prime && !matches!(model, Model::Coroutine | Model::CoroutineNap);
    if sleeps {
        imports.push("import time");
    }
    if model == Model::CoroutineNap && prime {
        imports.insert(2, "import math");
    }
    match model {
        Model::Thread | Model::ThreadGil => imports.push("from threading import Event, Thread"),
        Model::Process => {
            imports.push("from multiprocessing import Event, Process");
            imports.push("from multiprocessing import synchronize");
        }
        _ => {}
    }
    if model == Model::CoroutineOffload && offload == Offload::Process {
        imports.push("from concurrent.futures import ProcessPoolExecutor");
    }
    if prime && model != Model::CoroutineNap {
        imports.push("\nfrom primes import is_prime");
    }
    let (usage, argument) = if prime {
        (
            "[N]",
            "N = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_111_000_222_021",
        )
    } else {
        (
            "[SECONDS]",
            "SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3",
        )
    };
    let result = if prime { "bool" } else { "int" };
    let spin = match model {
        Model::Thread | Model::ThreadGil => SPIN_WAITING.replace("{EVENT}", "Event"),
        Model::Process => SPIN_WAITING.replace("{EVENT}", "synchronize.Event"),
        _ => SPIN_ASYNC.to_string(),
    };
    let supervisor = match model {
        Model::Thread | Model::ThreadGil => SUPERVISOR_WAITING.replace("{UNIT}", "Thread"),
        Model::Process => SUPERVISOR_WAITING.replace("{UNIT}", "Process"),
        _ => SUPERVISOR_ASYNC.to_string(),
    }
    .replace("{RESULT}", result);
    // `slow()` (and the napping `is_prime` it awaits) is the "slow" step.
    let napping = if model == Model::CoroutineNap && prime {
        format!("{STEP_MARKER} slow\n{NAPPING_IS_PRIME}{STEP_MARKER}\n\n\n")
    } else {
        String::new()
    };
    let run = if coroutine {
        "asyncio.run(supervisor())"
    } else {
        "supervisor()"
    };
    let answer = if prime {
        "    msg = 'is' if result else 'is not'\n    print(f'{N:,} {msg} prime')\n"
    } else {
        "    print(f'Answer: {result}')\n"
    };
    let text = format!(
        "\"\"\"{file}: written for spinlab {after}.
Run it: python3 {file} {usage}\"\"\"

{imports}

{argument}


{spin}

{napping}{STEP_MARKER} slow
{slow}{STEP_MARKER}

{supervisor}

def main() -> None:
    result = {run}
{answer}

if __name__ == '__main__':
    main()
",
        after = spinner_after(model, prime, offload),
        imports = imports.join("\n"),
        slow = spinner_slow(model, prime, offload),
    );
    Program { file, text }
}

/// The file a pool run's listing is saved as.
pub fn pool_file(mode: Mode, racy: bool) -> &'static str {
    match (mode, racy) {
        (Mode::Sequential, _) => "sequential.py",
        (Mode::Processes, false) => "procs.py",
        (Mode::Processes, true) => "procs_race.py",
        (Mode::Threads | Mode::ThreadsGil, false) => "threads.py",
        (Mode::Threads | Mode::ThreadsGil, true) => "threads_race.py",
        (Mode::Rayon, _) => "executor.py",
    }
}

const PRIME_RESULT: &str = "\
class PrimeResult(NamedTuple):
    n: int
    prime: bool
    elapsed: float


def check(n: int) -> PrimeResult:
    t0 = perf_counter()
    res = is_prime(n)
    return PrimeResult(n, res, perf_counter() - t0)
";

const ROW: &str = "print(f'{n:16}  {label} {elapsed:9.6f}s')";

/// The queue-based pool (`procs.py`, `threads.py`), or the early
/// `procs.py` whose report loop stops when the job queue is empty.
fn queue_pool(mode: Mode, racy: bool) -> String {
    let (unit, units, imports, queues) = if mode == Mode::Processes {
        (
            "Process",
            "processes",
            "from multiprocessing import Process, SimpleQueue, cpu_count\n\
             from multiprocessing import queues",
            "JobQueue = queues.SimpleQueue[int]\nResultQueue = queues.SimpleQueue[PrimeResult]",
        )
    } else {
        (
            "Thread",
            "threads",
            "from os import cpu_count\nfrom queue import SimpleQueue\nfrom threading import Thread",
            "JobQueue = SimpleQueue[int]\nResultQueue = SimpleQueue[PrimeResult]",
        )
    };
    let sentinel = if racy {
        ""
    } else {
        "    results.put(PrimeResult(0, False, 0.0))  # this worker is done\n"
    };
    let report = if racy {
        format!(
            "def report(jobs: JobQueue, results: ResultQueue) -> None:
# step: report
    while True:
        n, prime, elapsed = results.get()
        label = 'P' if prime else ' '
        {ROW}
        if DELAY:
            sleep(DELAY)  # a reader's sleep(1) here made the loss frequent
        if jobs.empty():  # every job taken, not every result read
            break
# step:
"
        )
    } else {
        format!(
            "def report(workers: int, results: ResultQueue) -> int:
# step: report
    checked = 0
    workers_done = 0
    while workers_done < workers:
        n, prime, elapsed = results.get()
        if n == 0:
            workers_done += 1
        else:
            checked += 1
            label = 'P' if prime else ' '
            {ROW}
    return checked
# step:
"
        )
    };
    let (about, usage, extra_imports, delay) = if racy {
        (
            format!(
                "the early procs.py as first published (the book's repository fixed it in \
                 commit 2c12305):\nthe same workers and poison pills, but the report loop \
                 stops when the job\nqueue is empty: results go missing, or the loop waits \
                 forever for one that\nnever comes (Ctrl-C ends it). With {units}."
            ),
            "[WORKERS [N ...]]; DELAY=1 in the environment\nsleeps before each jobs.empty(), as a reader did",
            "import os\n",
            "DELAY = float(os.environ.get('DELAY', '0'))\n\n\n",
        )
    } else {
        (
            format!("the book's {}", pool_file(mode, false)),
            "[WORKERS [N ...]]",
            "",
            "",
        )
    };
    let sleep_import = if racy { ", sleep" } else { "" };
    let (run, last) = if racy {
        (
            "report(jobs, results)",
            "print(f'Total time: {elapsed:.2f}s')",
        )
    } else {
        (
            "checked = report(workers, results)",
            "print(f'{checked} checks in {elapsed:.2f}s')",
        )
    };
    let file = pool_file(mode, racy);
    format!(
        "\"\"\"{file}: written for spinlab after {about}
Run it: python3 {file} {usage}\"\"\"

{extra_imports}import sys
from time import perf_counter{sleep_import}
from typing import NamedTuple
{imports}

from primes import is_prime, NUMBERS

{delay}{PRIME_RESULT}

{queues}


def worker(jobs: JobQueue, results: ResultQueue) -> None:
# step: work
    while n := jobs.get():  # 0 is the poison pill
        results.put(check(n))
{sentinel}# step:


def start_jobs(workers: int, numbers: list[int]) -> tuple[JobQueue, ResultQueue]:
# step: start
    jobs: JobQueue = SimpleQueue()
    results: ResultQueue = SimpleQueue()
    for n in numbers:
        jobs.put(n)
    for _ in range(workers):
        proc = {unit}(target=worker, args=(jobs, results))
        proc.start()
        jobs.put(0)
    return jobs, results
# step:


{report}

def main() -> None:
# step: start
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else cpu_count()
    numbers = [int(arg) for arg in sys.argv[2:]] or NUMBERS
    print(f'Checking {{len(numbers)}} numbers with {{workers}} {units}:')
    t0 = perf_counter()
    jobs, results = start_jobs(workers, numbers)
    {run}
# step: done
    elapsed = perf_counter() - t0
    {last}
# step:


if __name__ == '__main__':
    main()
"
    )
}

const SEQUENTIAL: &str = "\
\"\"\"sequential.py: written for spinlab after the book's sequential.py (chapter 19).
Run it: python3 sequential.py [N ...]\"\"\"

import sys
from time import perf_counter
from typing import NamedTuple

from primes import is_prime, NUMBERS


class Result(NamedTuple):
    prime: bool
    elapsed: float


def check(n: int) -> Result:
    t0 = perf_counter()
    prime = is_prime(n)
    return Result(prime, perf_counter() - t0)


def main() -> None:
# step: start
    numbers = [int(arg) for arg in sys.argv[1:]] or NUMBERS
    print(f'Checking {len(numbers)} numbers sequentially:')
    t0 = perf_counter()
# step: work
    for n in numbers:
        prime, elapsed = check(n)
        label = 'P' if prime else ' '
        print(f'{n:16}  {label} {elapsed:9.6f}s')
# step: done
    elapsed = perf_counter() - t0
    print(f'Total time: {elapsed:.2f}s')
# step:


if __name__ == '__main__':
    main()
";

const EXECUTOR: &str = "\
\"\"\"executor.py: written for spinlab. Not in chapter 19: rayon's nearest Python
is chapter 20's ProcessPoolExecutor, whose map hands the numbers to a pool of
worker processes and yields the results in order.
Run it: python3 executor.py [WORKERS [N ...]]\"\"\"

import sys
from concurrent.futures import ProcessPoolExecutor
from os import cpu_count
from time import perf_counter
from typing import NamedTuple

from primes import is_prime, NUMBERS


class Result(NamedTuple):
    prime: bool
    elapsed: float


def check(n: int) -> Result:
    t0 = perf_counter()
    prime = is_prime(n)
    return Result(prime, perf_counter() - t0)


def main() -> None:
# step: start
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else cpu_count()
    numbers = [int(arg) for arg in sys.argv[2:]] or NUMBERS
    print(f'Checking {len(numbers)} numbers with {workers} workers:')
    t0 = perf_counter()
    with ProcessPoolExecutor(workers) as executor:
# step: work
        for n, (prime, elapsed) in zip(numbers, executor.map(check, numbers)):
            label = 'P' if prime else ' '
            print(f'{n:16}  {label} {elapsed:9.6f}s')
# step: done
    elapsed = perf_counter() - t0
    print(f'{len(numbers)} checks in {elapsed:.2f}s')
# step:


if __name__ == '__main__':
    main()
";

/// The whole pool program for `mode`; `racy`: the early `procs.py`.
pub fn pool_program(mode: Mode, racy: bool) -> Program {
    let file = pool_file(mode, racy);
    let text = match mode {
        Mode::Sequential => SEQUENTIAL.to_string(),
        Mode::Rayon => EXECUTOR.to_string(),
        Mode::Processes | Mode::Threads | Mode::ThreadsGil => queue_pool(mode, racy),
    };
    Program { file, text }
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
        for prime in [false, true] {
            for offload in [Offload::Thread, Offload::Process] {
                add(spinner_program(model, prime, offload));
            }
        }
    }
    for mode in Mode::ALL {
        for racy in [false, true] {
            add(pool_program(mode, racy));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primes::{PrimeResult, report_line};
    use crate::spinner::{answer_line, spinner_object};
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
        // 11 spinner files, 6 pool files.
        assert_eq!(programs.len(), 17);
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
                if crate::primes::is_prime(n) {
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
                    prime: crate::primes::is_prime(n),
                    elapsed: 0.0,
                }))
            })
            .collect();
        for mode in Mode::ALL {
            let file = pool_file(mode, false);
            let mut argv: Vec<&str> = if mode == Mode::Sequential {
                vec![]
            } else {
                vec!["2"]
            };
            argv.extend(args.iter().map(String::as_str));
            let lines = run(&dir, file, &argv, &[]);
            assert_eq!(lines[0], mode.header(SMALL.len(), 2), "{file}");
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
    fn the_early_race_prints_rows_then_total_time() {
        let dir = scratch("the_early_race_prints_rows_then_total_time");
        for mode in [Mode::Processes, Mode::Threads] {
            let file = pool_file(mode, true);
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
                let prime = crate::primes::is_prime(n);
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
    fn the_spinner_programs_print_the_pages_lines() {
        let dir = scratch("the_spinner_programs_print_the_pages_lines");
        for model in Model::ALL {
            for prime in [false, true] {
                for offload in [Offload::Thread, Offload::Process] {
                    if model != Model::CoroutineOffload && offload == Offload::Process {
                        continue;
                    }
                    let p = spinner_program(model, prime, offload);
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
}
