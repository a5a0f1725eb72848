"""The CPython reference for `./x bench`: the book's `is_prime` and `check`,
timed the way the book times them, on the numbers spinlab checks.

    python3 is_prime.py kernel <runs> <n>...    is_prime(n), ms a run
    python3 is_prime.py fixture <runs> <n>...   all n in order, ms a run

Each series starts with a warm-up run that is not printed. Prints JSON.
"""

import json
import math
import sys
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


def timed(runs, work):
    work()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = perf_counter()
        work()
        samples.append((perf_counter() - t0) * 1000)
    return samples


def main(argv):
    if len(argv) < 3 or argv[0] not in ('kernel', 'fixture'):
        sys.exit(__doc__)
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
