//! Browser tests: `wasm-pack test --headless --chrome` (via `./x test`).
//! The runner serves them cross-origin isolated, so the real pool runs here.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use spinlab::core::clock::now_seconds;
use spinlab::core::primes::{
    BOOK_PRIME, LARGEST_U64_PRIME, PRIME_FIXTURE, check, is_prime, parse_number,
};
use spinlab::runtime::pool::Pool;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static POOL: RefCell<Option<Rc<Pool>>> = const { RefCell::new(None) };
}

/// The pool, built once per test binary (rayon's global pool cannot be rebuilt).
async fn pool() -> Rc<Pool> {
    if let Some(pool) = POOL.with_borrow(Clone::clone) {
        return pool;
    }
    let threads = web_sys::window()
        .unwrap()
        .navigator()
        .hardware_concurrency() as usize;
    let pool = Rc::new(
        Pool::start(threads.max(2))
            .await
            .expect("the pool starts")
            .0,
    );
    POOL.with_borrow_mut(|slot| *slot = Some(Rc::clone(&pool)));
    pool
}

#[wasm_bindgen_test]
fn the_runner_page_is_cross_origin_isolated() {
    let isolated = js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into()).unwrap();
    assert_eq!(isolated, JsValue::TRUE, "threads need COOP/COEP");
}

#[wasm_bindgen_test]
fn the_fixture_in_wasm() {
    for (n, expected) in PRIME_FIXTURE {
        assert_eq!(is_prime(n), expected, "is_prime({n}) in wasm");
    }
}

#[wasm_bindgen_test]
fn check_is_timed_by_the_browser_clock() {
    let result = check(BOOK_PRIME);
    assert!(result.prime);
    assert!(result.elapsed > 0.0, "{result:?}");
}

#[wasm_bindgen_test]
async fn the_pool_runs_its_threads_in_parallel() {
    let pool = pool().await;
    let size = pool.size();
    let cores = web_sys::window()
        .unwrap()
        .navigator()
        .hardware_concurrency() as usize;
    assert_eq!(size, cores.max(2), "a thread per core, at least 2");
    let (indices, all_met) = pool
        .run(|| {
            let arrived = AtomicUsize::new(0);
            let all_met = AtomicBool::new(true);
            let indices = Mutex::new(BTreeSet::new());
            rayon::broadcast(|ctx| {
                indices.lock().unwrap().insert(ctx.index());
                arrived.fetch_add(1, Ordering::SeqCst);
                // A rendezvous: each thread waits until all have arrived. They
                // can only all get past it if they are running at the same time.
                let t0 = now_seconds();
                while arrived.load(Ordering::SeqCst) < ctx.num_threads() {
                    if now_seconds() - t0 > 20.0 {
                        all_met.store(false, Ordering::SeqCst);
                        break;
                    }
                    std::hint::spin_loop();
                }
            });
            (
                indices.into_inner().unwrap(),
                all_met.load(Ordering::SeqCst),
            )
        })
        .await
        .expect("the job ran");
    assert_eq!(
        indices.len(),
        size,
        "distinct pool thread indices: {indices:?}"
    );
    assert!(
        all_met,
        "the {size} pool threads never ran at the same time"
    );
}

#[wasm_bindgen_test]
async fn the_pool_checks_the_fixture() {
    use rayon::prelude::*;
    let pool = pool().await;
    let answers = pool
        .run(|| {
            PRIME_FIXTURE
                .par_iter()
                .map(|&(n, _)| check(n))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
    for (result, (n, expected)) in answers.iter().zip(PRIME_FIXTURE) {
        assert_eq!((result.n, result.prime), (n, expected));
    }
}

#[wasm_bindgen(inline_js = "
export function echo_u64(x) { return x; }
export function describe_u64(x) { return `${typeof x}:${x.toString()}`; }
export function u64_from_string(s) { return BigInt(s); }
")]
extern "C" {
    fn echo_u64(x: u64) -> u64;
    fn describe_u64(x: u64) -> String;
    fn u64_from_string(s: &str) -> u64;
}

#[wasm_bindgen_test]
fn u64_above_2_pow_53_round_trips_through_js_exactly() {
    for n in [(1u64 << 53) + 1, BOOK_PRIME, LARGEST_U64_PRIME, u64::MAX] {
        assert_eq!(echo_u64(n), n);
        // In JS it is a BigInt with every digit, never a rounded Number.
        assert_eq!(describe_u64(n), format!("bigint:{n}"));
        assert_eq!(u64_from_string(&n.to_string()), n);
        assert_eq!(parse_number(&n.to_string()), Ok(n));
    }
}

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use spinlab::runtime::canvas::Surface;
use spinlab::runtime::event::Event;

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits (polling every 10 ms, at most `bound_ms`) until `done()`; a timeout
/// fails naming `what`. Tests wait for events, never for a duration.
async fn until(what: &str, bound_ms: f64, mut done: impl FnMut() -> bool) {
    let t0 = now_seconds();
    while !done() {
        assert!(
            (now_seconds() - t0) * 1000.0 < bound_ms,
            "waited {bound_ms} ms for {what}: timed out"
        );
        sleep_ms(10).await;
    }
}

#[wasm_bindgen_test]
async fn event_wait_times_out_when_nobody_sets_it() {
    let pool = pool().await;
    let (set, waited) = pool
        .run(|| {
            let done = Event::new();
            let t0 = now_seconds();
            (done.wait(0.15), now_seconds() - t0)
        })
        .await
        .unwrap();
    assert!(!set, "an Event nobody set must report a timeout");
    assert!(waited >= 0.14, "wait(0.15) returned after {waited} s");
}

#[wasm_bindgen_test]
async fn event_set_on_the_main_thread_wakes_a_waiting_thread() {
    let pool = pool().await;
    let done = Arc::new(Event::new());
    let waiter = {
        let done = Arc::clone(&done);
        pool.run(move || {
            let t0 = now_seconds();
            (done.wait(20.0), now_seconds() - t0)
        })
    };
    let setter = async {
        // Give the waiter a chance to be waiting already (if it is not, the
        // test still holds: a wait after set() returns true at once).
        sleep_ms(150).await;
        assert!(!done.is_set());
        done.set();
    };
    let ((set, waited), ()) =
        futures_util::future::join(async { waiter.await.unwrap() }, setter).await;
    assert!(set, "wait() must return true once set");
    // A missed wake-up would still return true, but only at the 20 s
    // deadline: half of it tells the two apart on any machine.
    assert!(waited < 10.0, "the waiter slept through set(): {waited} s");
    assert!(done.is_set());
    // Once set, a wait returns at once.
    assert!(pool.run(move || done.wait(20.0)).await.unwrap());
}

/// A surface that records what the spinner did.
#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<String>>>);

impl Surface for Recorder {
    fn draw(&self, text: &str) {
        self.0.borrow_mut().push(text.to_string());
    }
    fn blank(&self) {
        self.0.borrow_mut().push("<blank>".into());
    }
}

#[wasm_bindgen_test]
async fn cancelling_the_coroutine_spinner_runs_its_clean_up() {
    use spinlab::models::coroutine::create_spinner_task;
    let recorder = Recorder::default();
    let frames = Arc::new(AtomicU32::new(0));
    let (cancel, finished) = create_spinner_task(recorder.clone(), Arc::clone(&frames));
    // The event, not a duration: the spinner has drawn its first 3 frames.
    until("3 spinner frames", 30_000.0, || {
        recorder.0.borrow().len() >= 3
    })
    .await;
    cancel.abort();
    finished.await.expect("the task reports that it stopped");
    let log = recorder.0.borrow().clone();
    assert!(log.len() >= 4, "3 frames and the blank: {log:?}");
    assert_eq!(&log[..3], ["\\ thinking!", "| thinking!", "/ thinking!"]);
    assert_eq!(
        log.last().map(String::as_str),
        Some("<blank>"),
        "the line is blanked on cancel: {log:?}"
    );
    assert_eq!(frames.load(Ordering::SeqCst) as usize, log.len() - 1);
    // Nothing draws after the cancellation, not even when its next frame was
    // due (a frame every 100 ms): an absence needs a wait longer than that.
    sleep_ms(250).await;
    assert_eq!(recorder.0.borrow().len(), log.len());
}

#[wasm_bindgen_test]
async fn a_cancelled_spinner_that_never_ran_draws_nothing() {
    // The book's spinner_async_experiment.py: slow() blocks before the task
    // ever runs, so the spinner never draws a frame.
    use spinlab::models::coroutine::create_spinner_task;
    let recorder = Recorder::default();
    let (cancel, finished) = create_spinner_task(recorder.clone(), Arc::new(AtomicU32::new(0)));
    assert!(check(BOOK_PRIME).prime); // blocks the event loop
    cancel.abort();
    finished.await.unwrap();
    assert!(recorder.0.borrow().is_empty(), "{:?}", recorder.0.borrow());
}

#[wasm_bindgen_test]
async fn the_napping_is_prime_yields_to_the_event_loop() {
    use spinlab::core::spinner::NapVia;
    use spinlab::models::NapPlan;
    use spinlab::models::coroutine::is_prime_napping;

    for via in [NapVia::Yield, NapVia::Timeout] {
        let fired = Rc::new(Cell::new(false));
        let timer = {
            let fired = Rc::clone(&fired);
            gloo_timers::callback::Timeout::new(0, move || fired.set(true))
        };
        let every = 1_000_000;
        let run = is_prime_napping(BOOK_PRIME, NapPlan { every, via }).await;
        assert!(run.prime);
        assert!(
            fired.get(),
            "a timer scheduled meanwhile fired before the napping check finished ({via:?})"
        );
        // isqrt(5000111000222021) = 70711463 (Python's math.isqrt): 35355731
        // odd divisors from 3, so ceil(35355731 / 1000000) - 1 = 35 naps.
        assert_eq!(run.naps, 35, "{via:?}");
        drop(timer);
    }

    // The control: the plain check never lets the timer run.
    let fired = Rc::new(Cell::new(false));
    let _timer = {
        let fired = Rc::clone(&fired);
        gloo_timers::callback::Timeout::new(0, move || fired.set(true))
    };
    assert!(check(BOOK_PRIME).prime);
    assert!(!fired.get(), "a blocking check cannot let a timer run");
}

/// Reads a run's messages to the end, as the page's report loop does. A run
/// that has not ended after 60 s fails the test with the messages it gave
/// (which workers said they started), instead of running into the runner's
/// timeout with nothing to say.
async fn collect(
    mut messages: futures_channel::mpsc::UnboundedReceiver<spinlab::core::protocol::Message>,
    workers: usize,
) -> Vec<spinlab::core::protocol::Message> {
    use futures_util::StreamExt;
    use futures_util::future::{Either, select};
    let mut report = spinlab::core::protocol::Report::new(workers);
    let mut seen = Vec::new();
    let mut deadline = gloo_timers::future::TimeoutFuture::new(60_000);
    loop {
        match select(messages.next(), &mut deadline).await {
            Either::Left((Some(message), _)) => {
                let more = report.take(&message);
                seen.push(message);
                if !more {
                    break;
                }
            }
            Either::Left((None, _)) => break,
            Either::Right(_) => panic!(
                "the run did not end in 60 s ({workers} workers); its messages so far: {seen:?}"
            ),
        }
    }
    seen
}

#[wasm_bindgen_test]
async fn threads_mode_returns_every_number_once_with_correct_answers() {
    use spinlab::core::protocol::{Message, Mode};
    use spinlab::models::pool::start;
    let pool = pool().await;
    let fixture: Vec<(u64, bool)> = PRIME_FIXTURE
        .into_iter()
        .filter(|(n, _)| *n < 1_000_000_000_000_000)
        .collect();
    let numbers: std::sync::Arc<[u64]> = fixture.iter().map(|(n, _)| *n).collect();
    for mode in [
        Mode::Threads,
        Mode::ThreadsGil,
        Mode::Rayon,
        Mode::Sequential,
    ] {
        let workers = if mode == Mode::Sequential { 1 } else { 2 };
        let (run, messages) = start(
            mode,
            workers,
            std::sync::Arc::clone(&numbers),
            Some(&pool),
            spinlab::core::protocol::SWITCH_INTERVAL,
            spinlab::core::protocol::JobKind::Cpu,
            false,
        )
        .unwrap();
        let seen = collect(messages, run.workers).await;
        let mut results: Vec<(u64, bool)> = seen
            .iter()
            .filter_map(|m| match m {
                Message::Result { result, .. } => Some((result.n, result.prime)),
                _ => None,
            })
            .collect();
        results.sort_unstable();
        let mut expected = fixture.clone();
        expected.sort_unstable();
        assert_eq!(
            results, expected,
            "{mode:?}: every number exactly once, right answers"
        );
        let done = seen
            .iter()
            .filter(|m| matches!(m, Message::Done { .. }))
            .count();
        assert_eq!(done, run.workers, "{mode:?}: every worker said done");
    }
}

#[wasm_bindgen_test]
async fn per_job_threads_each_check_one_number() {
    use spinlab::core::protocol::{Message, Mode};
    use spinlab::models::pool::start;
    let pool = pool().await;
    // Two threads, as the pool's tests start: every worker script is a
    // request to the test runner's server, whose connection pool can stall
    // one of a burst (see docs/platform-truths.md).
    let numbers: std::sync::Arc<[u64]> = [1_000_000_007, 15].into();
    let (run, messages) = start(
        Mode::Threads,
        numbers.len(),
        std::sync::Arc::clone(&numbers),
        Some(&pool),
        spinlab::core::protocol::SWITCH_INTERVAL,
        spinlab::core::protocol::JobKind::Cpu,
        true,
    )
    .unwrap();
    assert_eq!(run.workers, numbers.len(), "one thread a number");
    let seen = collect(messages, run.workers).await;
    let mut per_worker: Vec<(usize, u64)> = seen
        .iter()
        .filter_map(|m| match m {
            Message::Result { result, worker, .. } => Some((*worker, result.n)),
            _ => None,
        })
        .collect();
    per_worker.sort_unstable();
    let workers: Vec<usize> = per_worker.iter().map(|(w, _)| *w).collect();
    assert_eq!(workers, [0, 1], "each thread checked exactly one");
    let mut checked: Vec<u64> = per_worker.iter().map(|(_, n)| *n).collect();
    checked.sort_unstable();
    assert_eq!(checked, [15, 1_000_000_007], "every number once");
}

#[wasm_bindgen_test]
async fn the_cancel_flag_stops_a_long_check() {
    use spinlab::core::protocol::{Message, Mode};
    use spinlab::models::pool::{StopPolicy, start};
    let pool = pool().await;
    // The largest u64 prime: about 5 s of divisions, uninterrupted.
    let numbers: std::sync::Arc<[u64]> = [LARGEST_U64_PRIME].into();
    let (mut run, messages) = start(
        Mode::Threads,
        1,
        numbers,
        Some(&pool),
        spinlab::core::protocol::SWITCH_INTERVAL,
        spinlab::core::protocol::JobKind::Cpu,
        false,
    )
    .unwrap();
    // The event, not a duration: the worker has taken the number.
    until("the worker to take its number", 60_000.0, || {
        run.taken() == 1
    })
    .await;
    let info = run.stop(StopPolicy::CancelFlag);
    assert!(info.never_started.is_empty(), "{:?}", info.never_started);
    let seen = collect(messages, 1).await;
    // Reported as cancelled, not as a result: the 5 s check was interrupted.
    assert!(
        seen.iter()
            .any(|m| matches!(m, Message::Cancelled { n, .. } if *n == LARGEST_U64_PRIME)),
        "the interrupted number is reported as cancelled: {seen:?}"
    );
    assert!(
        !seen.iter().any(|m| matches!(m, Message::Result { .. })),
        "and not as a result"
    );
}

/// A message as the other side gets it: the browser's structured clone.
fn cloned(message: &JsValue) -> JsValue {
    let clone: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &"structuredClone".into())
            .unwrap()
            .unchecked_into();
    clone.call1(&JsValue::UNDEFINED, message).unwrap()
}

/// Every message between the page and its workers reads back as what was
/// sent, through the structured clone, numbers above 2^53 included; what no
/// encoder wrote is refused, not guessed at.
#[wasm_bindgen_test]
fn every_message_survives_the_crossing() {
    use spinlab::core::primes::PrimeResult;
    use spinlab::core::protocol::{Boot, Message};
    use spinlab::runtime::messages::{ToPage, ToWorker};
    let boot = Boot::from_stamps(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert!(boot.is_some(), "five stamps make a boot");
    let to_page = [
        ToPage::Failed("it panicked: at src/x.rs:1".into()),
        ToPage::Ready,
        ToPage::Pool(Message::Result {
            result: PrimeResult {
                n: u64::MAX,
                prime: false,
                elapsed: 0.25,
            },
            worker: 3,
            start_ms: 10.5,
            end_ms: 11.5,
        }),
        ToPage::Pool(Message::Done { worker: 1 }),
        ToPage::Pool(Message::Started {
            worker: 0,
            at_ms: 7.0,
            boot,
        }),
        ToPage::Pool(Message::Started {
            worker: 2,
            at_ms: 8.0,
            boot: None,
        }),
        ToPage::Pool(Message::Cancelled {
            n: LARGEST_U64_PRIME,
            worker: 1,
        }),
        ToPage::Pool(Message::Failed {
            worker: 1,
            reason: "gone".into(),
        }),
        ToPage::Spun { frames: 31 },
        ToPage::Up { at_ms: 1.5e12 },
        ToPage::Answer(Some(true)),
        ToPage::Answer(None),
        ToPage::Rate(9.5e8),
        ToPage::Counted {
            count: (1 << 60) + 1,
            waited_secs: 0.5,
        },
        ToPage::Exited {
            stderr: vec!["Traceback".into(), "ZeroDivisionError".into()],
            exit_code: Some(1),
        },
    ];
    for message in to_page {
        assert_eq!(
            ToPage::decode(&cloned(&message.encode())),
            Ok(message.clone())
        );
    }
    for message in [ToWorker::Check(u64::MAX), ToWorker::Stop] {
        assert_eq!(
            ToWorker::decode(&cloned(&message.encode())),
            Ok(message.clone())
        );
    }
    let bytes = js_sys::ArrayBuffer::new(3);
    match ToPage::decode(&cloned(&ToPage::Bytes(bytes.clone().into()).encode())) {
        Ok(ToPage::Bytes(back)) => {
            assert_eq!(
                back.unchecked_into::<js_sys::ArrayBuffer>().byte_length(),
                3
            )
        }
        other => panic!("bytes came back as {other:?}"),
    }
    match ToWorker::decode(&cloned(&ToWorker::Bytes(bytes.into()).encode())) {
        Ok(ToWorker::Bytes(back)) => assert!(back.is_instance_of::<js_sys::ArrayBuffer>()),
        other => panic!("bytes came back as {other:?}"),
    }
    for stranger in [
        JsValue::from("ready"),
        JsValue::NULL,
        spinlab::runtime::object(&[("type", "nonsense".into())]).into(),
    ] {
        assert!(ToPage::decode(&stranger).is_err(), "{stranger:?} was read");
        assert!(
            ToWorker::decode(&stranger).is_err(),
            "{stranger:?} was read"
        );
    }
}
