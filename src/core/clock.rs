//! A monotonic clock in seconds, the book's `perf_counter()`.
//!
//! `std::time::Instant` panics on `wasm32-unknown-unknown`, so the browser
//! build reads `performance.now()`, which exists on the page and in every
//! worker (each with its own time origin: compare readings of one context only).

#[cfg(target_arch = "wasm32")]
pub fn now_seconds() -> f64 {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = performance, js_name = now)]
        fn performance_now() -> f64;
    }
    performance_now() / 1000.0
}

#[cfg(not(target_arch = "wasm32"))]
pub fn now_seconds() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;

    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// Milliseconds since the Unix epoch, comparable across the page and its
/// workers (`performance.timeOrigin + performance.now()`; each context has its
/// own time origin).
#[cfg(target_arch = "wasm32")]
pub fn epoch_ms() -> f64 {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(thread_local_v2, js_namespace = performance, js_name = timeOrigin)]
        static TIME_ORIGIN: f64;
    }
    TIME_ORIGIN.with(|origin| *origin) + now_seconds() * 1000.0
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::now_seconds;
    use std::time::{Duration, Instant};

    #[test]
    fn readings_never_go_back_and_are_in_seconds() {
        let mut last = now_seconds();
        for _ in 0..10_000 {
            let now = now_seconds();
            assert!(now >= last, "{now} after {last}");
            last = now;
        }
        // An interval read with this clock holds at least the sleep inside
        // it, and lies within the same interval read by `Instant` outside
        // it: seconds, not milliseconds. Orderings, not thresholds.
        let outside = Instant::now();
        let t0 = now_seconds();
        std::thread::sleep(Duration::from_millis(20));
        let inside = now_seconds() - t0;
        let outside = outside.elapsed().as_secs_f64();
        assert!(
            (0.020 - 1e-9..=outside + 1e-9).contains(&inside),
            "a 20 ms sleep read as {inside} s, within {outside} s"
        );
    }
}
