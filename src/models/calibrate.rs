//! Calibration: the prime whose `is_prime` takes about 3 s on this machine.
//!
//! In wasm the book's 5_000_111_000_222_021 takes about 80 ms, not the book's
//! 3.3 s: too short to see a freeze. One of the pool's threads (a process
//! where there is no pool: the page without shared memory) times the book's
//! number, off the main thread, to measure the division rate; the page then
//! picks the first prime whose check needs 3 s of divisions at that rate.
//! The rate is kept in the browser's local storage with the module's build
//! (`SPINLAB_BUILD`, a hash of its sources): a warm page reuses it, a new
//! build measures again. The page is ready before it: the runs wait for it.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use crate::core::primes::{BOOK_PRIME, Calibration, calibrate, check, divisions_for_prime};
use crate::runtime::messages::ToPage;
use crate::runtime::pool::Pool;
use crate::runtime::threads::Process;

/// How long the calibrated check should take.
pub const TARGET_SECS: f64 = 3.0;

const STORAGE_KEY: &str = "spinlab.calibration";

/// The build the stored rate belongs to.
const BUILD: &str = env!("SPINLAB_BUILD");

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The rate stored by this build, if any (`"<build> <divisions a second>"`).
fn stored_rate() -> Option<f64> {
    let text = local_storage()?.get_item(STORAGE_KEY).ok()??;
    let (build, rate) = text.split_once(' ')?;
    let rate = rate.parse::<f64>().ok()?;
    (build == BUILD && rate.is_finite() && rate > 0.0).then_some(rate)
}

/// The calibrated prime: from this session's measurement, or measured now,
/// on a thread of `pool` (up and idle: no process to start; measured on a
/// cold page, the calibration took 256 ms instead of 297, medians of two
/// paired rounds of 6) or else in a process.
pub async fn calibration(pool: Option<&Pool>) -> Result<Calibration, String> {
    let rate = match stored_rate() {
        Some(rate) => rate,
        None => {
            use futures_util::future::{Either, select};
            let timeout = gloo_timers::future::TimeoutFuture::new(MEASURE_TIMEOUT_MS);
            let rate = match select(std::pin::pin!(measure(pool)), timeout).await {
                Either::Left((rate, _)) => rate?,
                // The page goes on without it (the spinner then offers the
                // book's number, and says why).
                Either::Right(_) => {
                    return Err(format!(
                        "the division rate was not measured within {} s: the {} measuring \
                         it never answered",
                        MEASURE_TIMEOUT_MS / 1000,
                        if pool.is_some() {
                            "pool thread"
                        } else {
                            "process"
                        }
                    ));
                }
            };
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!("the calibration measured no rate ({rate})"));
            }
            if let Some(storage) = local_storage() {
                let _ = storage.set_item(STORAGE_KEY, &format!("{BUILD} {rate}"));
            }
            rate
        }
    };
    Ok(calibrate(rate, TARGET_SECS))
}

/// How long the page waits for the division rate (the measurement itself
/// takes about 0.3 s, see `calibration`) before it goes on without it.
const MEASURE_TIMEOUT_MS: u32 = 20_000;

/// The division rate, measured on a thread of `pool`, or else in a process
/// (which ends with the future, if it is dropped unanswered).
async fn measure(pool: Option<&Pool>) -> Result<f64, String> {
    match pool {
        Some(pool) => pool.run(division_rate).await,
        None => {
            let mut process = Process::spawn(
                "spinlab calibration",
                super::entry::Entry::Calibrate.key(),
                &JsValue::UNDEFINED,
                &js_sys::Array::new(),
            )?;
            match process.recv().await? {
                ToPage::Rate(rate) => Ok(rate),
                _ => Err("the calibration process gave no rate".to_string()),
            }
        }
    }
}

/// Divisions a second: the book's number timed three times (the first may
/// run before the engine has optimised the loop; on a cold page the others
/// may share the cores with the page's own start), the best kept. Twice
/// measured WebKitGTK's rate 10–20% low after the ready page.
fn division_rate() -> f64 {
    let best = (0..3)
        .map(|_| check(BOOK_PRIME).elapsed)
        .fold(f64::INFINITY, f64::min);
    divisions_for_prime(BOOK_PRIME) as f64 / best.max(1e-6)
}

/// The calibration process: report the division rate, exit.
pub fn child(_payload: JsValue) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let rate = division_rate();
    let _ = scope.post_message(&ToPage::Rate(rate).encode());
    scope.close();
}
