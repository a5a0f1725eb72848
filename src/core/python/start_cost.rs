//! The big picture lab's program: start many coroutines, threads or
//! processes at once and time them until each has answered. Written for
//! this page after the opening of chapter 19 ("The Big Picture": starting a
//! thread or a process is not cheap, a coroutine is); the book has no such
//! script. It prints the lab's transcript line (`big_picture::start_cost_line`).

use super::program::Program;

pub const START_COST_FILE: &str = "start_cost.py";

/// The listing: the same program for the three units.
pub fn start_cost_program() -> Program {
    let file = START_COST_FILE;
    Program {
        file,
        text: format!(
            "\"\"\"{file}: written for spinlab after Fluent Python, 2nd ed., chapter 19,
\"The Big Picture\": starting a thread or a process is not cheap, starting a
coroutine is. Starts COUNT of one kind at once; each puts one message on a
queue as its first instruction. Usage:
python3 {file} coroutines|threads|processes [COUNT]\"\"\"

import asyncio
import multiprocessing
import queue
import sys
import threading
import time

DEFAULTS = {{'coroutines': 10_000, 'threads': 50, 'processes': 20}}


def answer(results, i: int) -> None:
    results.put(i)  # the unit's first instruction


async def coroutine(results, i: int) -> None:
    results.put(i)


async def start_coroutines(count: int) -> None:
    results = queue.SimpleQueue()
# step: start
    tasks = [asyncio.create_task(coroutine(results, i)) for i in range(count)]
# step: wait
    await asyncio.gather(*tasks)
    for _ in range(count):
        results.get()
# step:


def start_workers(unit, results, count: int) -> None:
# step: start
    workers = [unit(target=answer, args=(results, i)) for i in range(count)]
    for worker in workers:
        worker.start()
# step: wait
    for _ in range(count):
        results.get()
    for worker in workers:
        worker.join()
# step:


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else 'coroutines'
    count = int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULTS[kind]
    t0 = time.perf_counter()
    if kind == 'coroutines':
        asyncio.run(start_coroutines(count))
    elif kind == 'threads':
        start_workers(threading.Thread, queue.SimpleQueue(), count)
    else:
        start_workers(multiprocessing.Process, multiprocessing.SimpleQueue(), count)
    total = time.perf_counter() - t0
    print(f'{{count:,}} {{kind}} started and heard from in {{total:.3f}}s: '
          f'{{total * 1000 / count:.6f}} ms each')


if __name__ == '__main__':
    main()
"
        ),
    }
}
