//! The spinner programs: `spin`, `slow`, `supervisor` and `main` after the
//! book's `spinner_*.py`, one per model (and `slow()`).

use super::program::{Program, STEP_MARKER};
use crate::core::spinner::{Model, Offload, SlowKind};

/// Whether `slow()` is the book's experiment: `time.sleep(3)` inside a
/// coroutine (for the other models a blocking sleep is the book's sleep).
fn experiment(model: Model, slow: SlowKind) -> bool {
    slow == SlowKind::BlockingSleep && matches!(model, Model::Coroutine | Model::CoroutineNap)
}

/// The file a spinner run's listing is saved as, after the book's names.
pub fn spinner_file(model: Model, slow: SlowKind, offload: Offload) -> &'static str {
    if experiment(model, slow) {
        return "spinner_async_experiment.py";
    }
    match (model, slow == SlowKind::Prime, offload) {
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
fn spinner_slow(model: Model, slow: SlowKind, offload: Offload) -> &'static str {
    if experiment(model, slow) {
        return "async def slow() -> int:\n    time.sleep(SECONDS)  # blocks: the event loop cannot run spin\n    \
                return 42\n";
    }
    match (model, slow == SlowKind::Prime, offload) {
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
fn spinner_after(model: Model, slow: SlowKind, offload: Offload) -> &'static str {
    if experiment(model, slow) {
        return "after the book's spinner_async_experiment.py (chapter 19)";
    }
    match (model, slow == SlowKind::Prime, offload) {
        (Model::Thread | Model::ThreadGil, false, _) => {
            "after the book's spinner_thread.py (chapter 19)"
        }
        (Model::Thread | Model::ThreadGil, true, _) => {
            "after the book's primes/spinner_prime_thread.py (chapter 19), whose check(n) is \
             slow() here, as in the sleeping spinners"
        }
        (Model::Process, false, _) => "after the book's spinner_proc.py (chapter 19)",
        (Model::Process, true, _) => {
            "after the book's primes/spinner_prime_proc.py (chapter 19), whose check(n) is \
             slow() here, as in the sleeping spinners"
        }
        (Model::Coroutine | Model::CoroutineNap, false, _) => {
            "after the book's spinner_async.py (chapter 19)"
        }
        (Model::Coroutine, true, _) => {
            "after the book's primes/spinner_prime_async_broken.py (chapter 19), whose check(n) \
             is slow() here, as in the sleeping spinners"
        }
        (Model::CoroutineNap, true, _) => {
            "after the book's primes/spinner_prime_async_nap.py (chapter 19), whose check(n) is \
             slow() here, as in the sleeping spinners"
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
pub fn spinner_program(model: Model, slow: SlowKind, offload: Offload) -> Program {
    let file = spinner_file(model, slow, offload);
    let prime = slow == SlowKind::Prime;
    let coroutine = !matches!(model, Model::Thread | Model::ThreadGil | Model::Process);
    let mut imports = vec!["import itertools", "import sys"];
    if coroutine {
        imports.insert(0, "import asyncio");
    }
    let sleeps = !prime && !matches!(model, Model::Coroutine | Model::CoroutineNap)
        || experiment(model, slow);
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
        after = spinner_after(model, slow, offload),
        imports = imports.join("\n"),
        slow = spinner_slow(model, slow, offload),
    );
    Program { file, text }
}
