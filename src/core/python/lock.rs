//! The lock lab's programs: N threads, tasks or processes add 1 to one
//! counter as a read, a little work, then a write, with or without a lock.
//! Written for this page after the chapter's words on shared memory and
//! locks (the book has no such script); they print the lab's transcript.

use super::program::Program;
use crate::core::lock::Units;

/// The file a lock run's listing is saved as.
pub fn lock_file(units: Units) -> &'static str {
    match units {
        Units::Threads | Units::ThreadsGil => "counter_threads.py",
        Units::Coroutines => "counter_asyncio.py",
        Units::Processes => "counter_procs.py",
    }
}

const BUSY: &str = "\
def busy() -> None:
    \"\"\"A little work between the read and the write.\"\"\"
    x = 1_000_003
    for d in range(3, 203):
        x += x % d
";

const ARGS: &str = "    flags = {a for a in sys.argv[1:] if a.startswith('--')}
    args = [int(a) for a in sys.argv[1:] if not a.startswith('--')]
    workers = args[0] if args else 4
    increments = args[1] if len(args) > 1 else 100_000
";

/// The listing for `units`.
pub fn lock_program(units: Units) -> Program {
    let file = lock_file(units);
    let text = match units {
        Units::Threads | Units::ThreadsGil => threads_counter(file),
        Units::Coroutines => coroutines_counter(file),
        Units::Processes => processes_counter(file),
    };
    Program { file, text }
}

/// `counter_threads.py`: threads share the counter, and the GIL may change
/// hands between the read and the write; `--lock` holds a `Lock` around both.
fn threads_counter(file: &str) -> String {
    format!(
        "\"\"\"{file}: written for spinlab after Fluent Python, 2nd ed., chapter 19:
threads share memory, and `counter += 1` is a read and a write. Usage:
python3 {file} [WORKERS] [INCREMENTS] [--lock]\"\"\"

import sys
from contextlib import nullcontext
from threading import Lock, Thread

counter = 0


{BUSY}

def count(increments: int, guard) -> None:
    global counter
    for _ in range(increments):
        with guard:              # a Lock, or nullcontext(): no lock
            value = counter      # read
            busy()               # a call: the GIL may change hands here
            counter = value + 1  # write


def main() -> None:
{ARGS}    guard = Lock() if '--lock' in flags else nullcontext()
    print(f'{{workers}} threads, {{increments:,}} increments each')
    threads = [Thread(target=count, args=(increments, guard))
               for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f'counter = {{counter:,}} (expected {{workers * increments:,}})')


if __name__ == '__main__':
    main()
"
    )
}

/// `counter_asyncio.py`: tasks are interrupted only at `await`, so without
/// `--lock` increments are lost only when `--await` pauses between the read
/// and the write.
fn coroutines_counter(file: &str) -> String {
    format!(
        "\"\"\"{file}: written for spinlab after Fluent Python, 2nd ed., chapter 19:
coroutines are interrupted only at `await`. Usage:
python3 {file} [WORKERS] [INCREMENTS] [--lock] [--await]\"\"\"

import asyncio
import sys
from contextlib import nullcontext

counter = 0


{BUSY}

async def count(increments: int, guard, pause: bool) -> None:
    global counter
    for _ in range(increments):
        async with guard:             # an asyncio.Lock, or no lock
            value = counter           # read
            busy()
            if pause:
                await asyncio.sleep(0)  # other tasks run here
            counter = value + 1       # write


async def main() -> None:
{ARGS}    guard = asyncio.Lock() if '--lock' in flags else nullcontext()
    pause = '--await' in flags
    print(f'{{workers}} tasks, {{increments:,}} increments each')
    await asyncio.gather(*(count(increments, guard, pause)
                           for _ in range(workers)))
    print(f'counter = {{counter:,}} (expected {{workers * increments:,}})')


if __name__ == '__main__':
    asyncio.run(main())
"
    )
}

/// `counter_procs.py`: each process counts in its own copy of the counter,
/// unless `--lock` puts it in shared memory with its lock.
fn processes_counter(file: &str) -> String {
    format!(
        "\"\"\"{file}: written for spinlab after Fluent Python, 2nd ed., chapter 19:
processes share nothing unless asked to. Usage:
python3 {file} [WORKERS] [INCREMENTS] [--lock]
(--lock: the counter is a multiprocessing.Value in shared memory, with its lock)\"\"\"

import sys
from multiprocessing import Process, Value, current_process

counter = 0  # every process has its own


{BUSY}

def count(increments: int, shared) -> None:
    global counter
    for _ in range(increments):
        if shared is None:
            value = counter
            busy()
            counter = value + 1
        else:
            with shared.get_lock():
                value = shared.value
                busy()
                shared.value = value + 1
    if shared is None:
        line = f'{{current_process().name}}: counter = {{counter:,}}\\n'
        sys.stdout.write(line)  # one write: the processes print at once
        sys.stdout.flush()


def main() -> None:
{ARGS}    shared = Value('q', 0) if '--lock' in flags else None
    print(f'{{workers}} processes, {{increments:,}} increments each')
    procs = [Process(target=count, args=(increments, shared))
             for _ in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    if shared is None:
        print(f'parent: counter = {{counter:,}}')
    else:
        print(f'counter = {{shared.value:,}} (expected {{workers * increments:,}})')


if __name__ == '__main__':
    main()
"
    )
}
