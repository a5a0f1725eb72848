//! The pool programs: `sequential.py`, `procs.py`, `threads.py`, the early
//! `procs.py`, one worker per number, and the executor, after the book's
//! `19-concurrency/primes/`.

use super::program::Program;
use crate::core::protocol::{Design, Mode};

/// The file a pool run's listing is saved as (sequential and rayon have
/// one design).
pub fn pool_file(mode: Mode, design: Design) -> &'static str {
    match (mode, design) {
        (Mode::Sequential, _) => "sequential.py",
        (Mode::Processes, Design::Pool) => "procs.py",
        (Mode::Processes, Design::EarlyRace) => "procs_race.py",
        (Mode::Processes, Design::PerJob) => "procs_per_job.py",
        (Mode::Threads | Mode::ThreadsGil, Design::Pool) => "threads.py",
        (Mode::Threads | Mode::ThreadsGil, Design::EarlyRace) => "threads_race.py",
        (Mode::Threads | Mode::ThreadsGil, Design::PerJob) => "threads_per_job.py",
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

/// The queue-based pool (`procs.py`, `threads.py`), the early `procs.py`
/// whose report loop stops when the job queue is empty, or one new worker
/// per number: the program's parts, in the order they are printed.
fn queue_pool(mode: Mode, design: Design) -> String {
    let units = QueueUnits::of(mode);
    format!(
        "{docstring}

{imports}

{delay}{PRIME_RESULT}

{queues}


{worker}


{start_jobs}


{report}


{main}


if __name__ == '__main__':
    main()
",
        docstring = docstring(mode, design, &units),
        imports = imports(design, &units),
        delay = delay(design),
        queues = units.queues,
        worker = worker(design),
        start_jobs = start_jobs(design, &units),
        report = report(design),
        main = main_function(design, &units),
    )
}

/// What a queue-based program says differently with processes and with
/// threads (`threads-gil` is CPython's `threads.py` too).
struct QueueUnits {
    /// The class a worker is: `Process`, `Thread`.
    class: &'static str,
    /// How the header line names them: `processes`, `threads`.
    plural: &'static str,
    /// Where the class, the queue and `cpu_count` come from.
    imports: &'static str,
    /// The queues' type aliases.
    queues: &'static str,
}

impl QueueUnits {
    /// Processes for `processes`; threads for `threads` and `threads-gil`.
    fn of(mode: Mode) -> QueueUnits {
        if mode == Mode::Processes {
            QueueUnits {
                class: "Process",
                plural: "processes",
                imports: "from multiprocessing import Process, SimpleQueue, cpu_count\n\
                          from multiprocessing import queues",
                queues: "JobQueue = queues.SimpleQueue[int]\nResultQueue = queues.SimpleQueue[PrimeResult]",
            }
        } else {
            QueueUnits {
                class: "Thread",
                plural: "threads",
                imports: "from os import cpu_count\nfrom queue import SimpleQueue\nfrom threading import Thread",
                queues: "JobQueue = SimpleQueue[int]\nResultQueue = SimpleQueue[PrimeResult]",
            }
        }
    }
}

/// The docstring: which of the book's programs this one follows, and how
/// to run it.
fn docstring(mode: Mode, design: Design, units: &QueueUnits) -> String {
    let file = pool_file(mode, design);
    let (about, usage) = match design {
        Design::PerJob => (
            format!(
                "the book's {}, in the\ndesign the chapter argues against: one new {} per \
                 number, which takes its\nnumber from the queue, checks it and ends: every \
                 number pays a start-up.",
                pool_file(mode, Design::Pool),
                units.class.to_lowercase()
            ),
            "[N ...]",
        ),
        Design::EarlyRace => (
            format!(
                "the early procs.py as first published (the book's repository fixed it in \
                 commit 2c12305):\nthe same workers and poison pills, but the report loop \
                 stops when the job\nqueue is empty: results go missing, or the loop waits \
                 forever for one that\nnever comes (Ctrl-C ends it). With {}.",
                units.plural
            ),
            "[WORKERS [N ...]]; DELAY=1 in the environment\nsleeps before each jobs.empty(), as a reader did",
        ),
        Design::Pool => (
            format!("the book's {}", pool_file(mode, Design::Pool)),
            "[WORKERS [N ...]]",
        ),
    };
    format!("\"\"\"{file}: written for spinlab after {about}\nRun it: python3 {file} {usage}\"\"\"")
}

/// The imports: the early race also reads its `DELAY` from the
/// environment and sleeps; one worker a number asks no core count.
fn imports(design: Design, units: &QueueUnits) -> String {
    let racy = design == Design::EarlyRace;
    let os = if racy { "import os\n" } else { "" };
    let sleep = if racy { ", sleep" } else { "" };
    let pool = if design == Design::PerJob {
        units
            .imports
            .replace(", cpu_count", "")
            .replace("from os import cpu_count\n", "")
    } else {
        units.imports.to_string()
    };
    format!(
        "{os}import sys
from time import perf_counter{sleep}
from typing import NamedTuple
{pool}

from primes import is_prime, NUMBERS"
    )
}

/// The early race's `DELAY`, the reader's sleep before each `jobs.empty()`
/// (none in the other designs).
fn delay(design: Design) -> &'static str {
    if design == Design::EarlyRace {
        "DELAY = float(os.environ.get('DELAY', '0'))\n\n\n"
    } else {
        ""
    }
}

/// The book's `worker`, which loops until its poison pill, or `check_one`,
/// started for one number; each but the early race's says when it is done.
fn worker(design: Design) -> String {
    let sentinel = if design == Design::EarlyRace {
        ""
    } else {
        "    results.put(PrimeResult(0, False, 0.0))  # this worker is done\n"
    };
    if design == Design::PerJob {
        format!(
            "def check_one(jobs: JobQueue, results: ResultQueue) -> None:
# step: work
    n = jobs.get()  # started for one number: it takes one, and ends
    results.put(check(n))
{sentinel}# step:"
        )
    } else {
        format!(
            "def worker(jobs: JobQueue, results: ResultQueue) -> None:
# step: work
    while n := jobs.get():  # 0 is the poison pill
        results.put(check(n))
{sentinel}# step:"
        )
    }
}

/// `start_jobs`: the queues filled with the numbers, then the workers
/// started, a poison pill each (or one new worker a number, no pill).
fn start_jobs(design: Design, units: &QueueUnits) -> String {
    let class = units.class;
    let start_workers = if design == Design::PerJob {
        format!(
            "    for _ in numbers:  # one new {class} a number
        proc = {class}(target=check_one, args=(jobs, results))
        proc.start()"
        )
    } else {
        format!(
            "    for _ in range(workers):
        proc = {class}(target=worker, args=(jobs, results))
        proc.start()
        jobs.put(0)"
        )
    };
    format!(
        "def start_jobs(workers: int, numbers: list[int]) -> tuple[JobQueue, ResultQueue]:
# step: start
    jobs: JobQueue = SimpleQueue()
    results: ResultQueue = SimpleQueue()
    for n in numbers:
        jobs.put(n)
{start_workers}
    return jobs, results
# step:"
    )
}

/// `report`: the book's loop counts the workers done; the early race's
/// stops once the job queue is empty.
fn report(design: Design) -> String {
    if design == Design::EarlyRace {
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
# step:"
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
# step:"
        )
    }
}

/// `main`: the arguments, the header line, the jobs started and reported,
/// and the total (the early race prints the book's `Total time`).
fn main_function(design: Design, units: &QueueUnits) -> String {
    let workers = if design == Design::PerJob {
        format!(
            "numbers = [int(arg) for arg in sys.argv[1:]] or NUMBERS
    workers = len(numbers)  # one new {} a number",
            units.class
        )
    } else {
        "workers = int(sys.argv[1]) if len(sys.argv) > 1 else cpu_count()
    numbers = [int(arg) for arg in sys.argv[2:]] or NUMBERS"
            .to_string()
    };
    let (run, last) = if design == Design::EarlyRace {
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
    let plural = units.plural;
    format!(
        "def main() -> None:
# step: start
    {workers}
    print(f'Checking {{len(numbers)}} numbers with {{workers}} {plural}:')
    t0 = perf_counter()
    jobs, results = start_jobs(workers, numbers)
    {run}
# step: done
    elapsed = perf_counter() - t0
    {last}
# step:"
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

/// The whole pool program for `mode` in `design`.
pub fn pool_program(mode: Mode, design: Design) -> Program {
    let file = pool_file(mode, design);
    let text = match mode {
        Mode::Sequential => SEQUENTIAL.to_string(),
        Mode::Rayon => EXECUTOR.to_string(),
        Mode::Processes | Mode::Threads | Mode::ThreadsGil => queue_pool(mode, design),
    };
    Program { file, text }
}

/// The file of the I/O workloads' program.
pub const IO_FILE: &str = "io_threads.py";

/// `io_threads.py`: the book's `threads.py` with jobs that wait instead of
/// dividing (`--mixed`: the first thread divides, the others wait).
pub fn io_program() -> Program {
    let text = format!(
        "\"\"\"{IO_FILE}: written for spinlab after the book's threads.py (chapter 19),
with jobs that wait instead of dividing: each job fetches its answer, a sleep
standing in for a network call. --mixed: the first thread divides (the book's
check) while the others wait.
Run it: python3 {IO_FILE} [WORKERS] [--mixed]\"\"\"

import sys
import time
from queue import SimpleQueue
from threading import Thread
from time import perf_counter
from typing import Callable, NamedTuple

from primes import PRIME_FIXTURE, NUMBERS, is_prime

IO_WAIT = {wait}  # seconds: one job's network call
ANSWERS = dict(PRIME_FIXTURE)


{PRIME_RESULT}

def fetch(n: int) -> PrimeResult:
    t0 = perf_counter()
    time.sleep(IO_WAIT)  # a blocking call: the GIL is free while it waits
    return PrimeResult(n, ANSWERS[n], perf_counter() - t0)


JobQueue = SimpleQueue[int]
ResultQueue = SimpleQueue[PrimeResult]


def worker(jobs: JobQueue, results: ResultQueue,
           job: Callable[[int], PrimeResult]) -> None:
# step: work
    while n := jobs.get():  # 0 is the poison pill
        results.put(job(n))
    results.put(PrimeResult(0, False, 0.0))  # this worker is done
# step:


def main() -> None:
# step: start
    args = [arg for arg in sys.argv[1:] if not arg.startswith('--')]
    workers = int(args[0]) if args else 4
    mixed = '--mixed' in sys.argv
    print(f'Checking {{len(NUMBERS)}} numbers with {{workers}} threads:')
    t0 = perf_counter()
    jobs: JobQueue = SimpleQueue()
    results: ResultQueue = SimpleQueue()
    for n in NUMBERS:
        jobs.put(n)
    for i in range(workers):
        job = check if mixed and i == 0 else fetch
        Thread(target=worker, args=(jobs, results, job)).start()
        jobs.put(0)
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
# step: done
    elapsed = perf_counter() - t0
    print(f'{{checked}} checks in {{elapsed:.2f}}s')
# step:


if __name__ == '__main__':
    main()
",
        wait = crate::core::protocol::IO_WAIT.as_secs_f64()
    );
    Program {
        file: IO_FILE,
        text,
    }
}
