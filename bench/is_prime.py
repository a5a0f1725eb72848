"""The CPython reference for `./x bench`: the book's `is_prime` and `check`,
timed the way the book times them, on the numbers spinlab checks.

    python3 is_prime.py kernel <runs> <n>...    is_prime(n), ms a run
    python3 is_prime.py fixture <runs> <n>...   all n in order, ms a run
    python3 is_prime.py pool <runs> <processes|threads> <workers> <n>...
        the book's procs.py / threads.py design: a job queue, <workers>
        workers that loop until a 0 (the poison pill), a result queue read
        until every worker has said it is done; ms a run, starting the
        workers included, as the book's `main()` times it

kernel and fixture start with a warm-up run that is not printed (a pool
run starts its workers afresh each time: no warm-up). Prints JSON.
"""

import json
import math
import multiprocessing
import queue
import sys
import threading
from time import perf_counter


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


def check(n):
    t0 = perf_counter()
    return n, is_prime(n), perf_counter() - t0


def worker(jobs, results):
    while n := jobs.get():
        results.put(check(n))
    results.put((0, False, 0.0))  # this worker is done


def pool(kind, workers, numbers):
    """One run of the book's pool: start the workers, feed them, read every result."""
    if kind == 'processes':
        unit, jobs, results = multiprocessing.Process, multiprocessing.SimpleQueue(), multiprocessing.SimpleQueue()
    else:
        unit, jobs, results = threading.Thread, queue.SimpleQueue(), queue.SimpleQueue()
    for n in numbers:
        jobs.put(n)
    units = []
    for _ in range(workers):
        u = unit(target=worker, args=(jobs, results))
        u.start()
        units.append(u)
        jobs.put(0)
    done = checked = 0
    while done < workers:
        n, _, _ = results.get()
        if n == 0:
            done += 1
        else:
            checked += 1
    for u in units:
        u.join()
    if checked != len(numbers):
        sys.exit(f'the {kind} pool checked {checked} of {len(numbers)} numbers')


def timed(runs, work, warm_up=True):
    if warm_up:
        work()
    samples = []
    for _ in range(runs):
        t0 = perf_counter()
        work()
        samples.append((perf_counter() - t0) * 1000)
    return samples


def main(argv):
    if len(argv) < 3 or argv[0] not in ('kernel', 'fixture', 'pool'):
        sys.exit(__doc__)
    if argv[0] == 'pool':
        if len(argv) < 5 or argv[2] not in ('processes', 'threads'):
            sys.exit(__doc__)
        runs, kind, workers = int(argv[1]), argv[2], int(argv[3])
        numbers = [int(a) for a in argv[4:]]
        ms = timed(runs, lambda: pool(kind, workers, numbers), warm_up=False)
        print(json.dumps({'mode': kind, 'workers': workers, 'totalMs': ms}))
        return
    what, runs, numbers = argv[0], int(argv[1]), [int(a) for a in argv[2:]]
    if what == 'kernel':
        kernels = [
            {'n': str(n), 'ms': timed(runs, lambda n=n: is_prime(n))} for n in numbers
        ]
        print(json.dumps({'kernels': kernels}))
    else:
        print(json.dumps({'fixtureMs': timed(runs, lambda: [is_prime(n) for n in numbers])}))


if __name__ == '__main__':
    main(sys.argv[1:])
