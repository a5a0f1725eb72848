"""crossing.py: written for spinlab after Fluent Python, 2nd ed., chapter 19,
"The Big Picture": processes share nothing, so an object crosses to one as
bytes (pickled through a pipe), while threads share memory. Sends BYTES to
a worker and back ROUNDS times and prints the median round trip. Usage:
python3 crossing.py copy|transfer|share [BYTES]"""

import multiprocessing
import queue
import statistics
import sys
import threading
import time
from multiprocessing import shared_memory

ROUNDS = 5


def echo(conn, mapped: bool) -> None:
    conn.send('ready')
    while (payload := conn.recv()) is not None:  # unpickled: a new object
        if mapped:  # only a block's name came: map the bytes themselves
            block = shared_memory.SharedMemory(name=payload)
            block.close()
        conn.send(payload)  # pickled again, to go back


def echo_shared(inbox, outbox) -> None:
    while (payload := inbox.get()) is not None:
        outbox.put(payload)  # the very same object: nothing is copied


def to_process(payload, mapped: bool) -> list[float]:
# step: start
    parent, child = multiprocessing.Pipe()
    worker = multiprocessing.Process(target=echo, args=(child, mapped))
    worker.start()
    assert parent.recv() == 'ready'  # started: its start-up is not timed
# step:
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
# step: there
        parent.send(payload)
        back = parent.recv()
# step:
        times.append(time.perf_counter() - t0)
        assert back == payload and back is not payload
# step: done
    parent.send(None)
    worker.join()
# step:
    return times


def to_thread(payload) -> list[float]:
# step: start
    inbox, outbox = queue.SimpleQueue(), queue.SimpleQueue()
    worker = threading.Thread(target=echo_shared, args=(inbox, outbox))
    worker.start()
# step:
    times = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
# step: there
        inbox.put(payload)
        back = outbox.get()
# step:
        times.append(time.perf_counter() - t0)
        assert back is payload
# step: done
    inbox.put(None)
    worker.join()
# step:
    return times


def main() -> None:
    via = sys.argv[1] if len(sys.argv) > 1 else 'copy'
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
    if via == 'copy':  # pickled to bytes, through a pipe, both ways
        times = to_process(bytes(size), mapped=False)
    elif via == 'transfer':  # no move in Python: a shared block, its name sent
        block = shared_memory.SharedMemory(create=True, size=size)
        try:
            times = to_process(block.name, mapped=True)
        finally:
            block.close()
            block.unlink()
    else:  # threads share objects
        times = to_thread(bytearray(size))
    print(f'{via}: {size:,} bytes there and back in '
          f'{statistics.median(times):.6f}s (median of {ROUNDS})')


if __name__ == '__main__':
    main()
