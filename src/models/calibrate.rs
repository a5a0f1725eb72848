//! Calibration: the prime whose `is_prime` takes about 3 s on this machine.
//!
//! In wasm the book's 5_000_111_000_222_021 takes about 80 ms, not the book's
//! 3.3 s: too short to see a freeze. A process (off the main thread) times
//! the book's number to measure the division rate; the page then picks the
//! first prime whose check needs 3 s of divisions at that rate. The rate is
//! kept for the browser session.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use crate::primes::{BOOK_PRIME, Calibration, calibrate, check, divisions_for_prime};
use crate::runtime::object;
use crate::runtime::threads::Process;

/// How long the calibrated check should take.
pub const TARGET_SECS: f64 = 3.0;

const STORAGE_KEY: &str = "spinlab.divisionsPerSec";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The calibrated prime: from this session's measurement, or measured now.
pub async fn calibration() -> Result<Calibration, String> {
    let stored = session_storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok()?)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|rate| rate.is_finite() && *rate > 0.0);
    let rate = match stored {
        Some(rate) => rate,
        None => {
            let mut process = Process::spawn(
                "spinlab calibration",
                super::entry::Entry::Calibrate.key(),
                &JsValue::UNDEFINED,
                &js_sys::Array::new(),
            )?;
            let answer = process.recv().await?;
            let rate = Reflect::get(&answer, &"divisionsPerSec".into())
                .ok()
                .and_then(|r| r.as_f64())
                .filter(|rate| rate.is_finite() && *rate > 0.0)
                .ok_or("the calibration process gave no rate")?;
            if let Some(storage) = session_storage() {
                let _ = storage.set_item(STORAGE_KEY, &rate.to_string());
            }
            rate
        }
    };
    Ok(calibrate(rate, TARGET_SECS))
}

/// The calibration process: time the book's number (best of two), report
/// the division rate, exit.
pub fn child(_payload: JsValue) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let best = (0..2)
        .map(|_| check(BOOK_PRIME).elapsed)
        .fold(f64::INFINITY, f64::min);
    let rate = divisions_for_prime(BOOK_PRIME) as f64 / best.max(1e-6);
    let _ = scope.post_message(&object(&[("divisionsPerSec", rate.into())]));
    scope.close();
}
