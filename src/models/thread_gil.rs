//! Spinner with threads under CPython's GIL: the chapter's quiz ("The Real
//! Impact of the GIL", answer 2A), shown. The same program as the Thread
//! model (`spinner_prime_thread.py`), run as CPython runs it: `spin` and
//! `slow` are two threads that must hold the GIL to run Python code.
//!
//! - `slow()` holds the GIL while it divides and hands it over when another
//!   thread has asked for a switch interval (CPython's eval breaker);
//!   `time.sleep` releases it, as every blocking call does.
//! - `spin` releases it while in `done.wait(.1)`; each time the wait times
//!   out it needs the GIL back to draw a frame, waits up to the interval,
//!   asks, gets it, draws, and waits again without it.
//!
//! The spinner keeps turning, a little late: each frame's lateness against
//! its 100 ms schedule is measured, and bounded by the switch interval.
//! What is simulated: the GIL (a lock and a condition variable in shared
//! memory, `protocol::Gil`). What is measured: everything reported. `slow()`
//! runs on a pool thread standing in for Python's main thread, because the
//! page's main thread may not wait on a lock.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use web_sys::HtmlCanvasElement;

use super::thread::start_spinner_thread;
use super::{GilTurns, Outcome, Slow};
use crate::core::clock::now_seconds;
use crate::core::protocol::{Gil, check_under_gil};
use crate::core::spinner::{FRAME_MS, SLEEP_MS};
use crate::runtime::canvas::Style;
use crate::runtime::event::Event;
use crate::runtime::pool::Pool;
use crate::runtime::steps::{step, step_and_paint};

// tag::thread-gil-supervisor[]
pub async fn supervisor(
    id: u32,
    canvas: &HtmlCanvasElement,
    style: &Style,
    slow: Slow,
    interval: Duration,
    pool: &Pool,
) -> Result<Outcome, String> {
    // step: start
    let gil = Arc::new(Gil::with_interval(interval));
    let done = Arc::new(Event::new());
    let frames = Arc::new(AtomicU32::new(0));
    let lateness = Arc::new(Mutex::new(Vec::<f64>::new()));
    // Each frame: take the GIL (waiting up to the interval, then asking),
    // draw, let it go; lateness against the 100 ms schedule.
    let gate = {
        let (gil, lateness) = (Arc::clone(&gil), Arc::clone(&lateness));
        let last_frame = std::cell::Cell::new(None::<f64>);
        move |draw: &mut dyn FnMut()| {
            gil.acquire();
            let now = now_seconds();
            if let Some(previous) = last_frame.replace(Some(now)) {
                let late = (now - previous) * 1000.0 - f64::from(FRAME_MS);
                if let Ok(mut lateness) = lateness.lock() {
                    lateness.push(late.max(0.0));
                }
            }
            draw();
            gil.release();
        }
    };
    let (worker, joined_rx, startup_ms) =
        start_spinner_thread(id, canvas, style, &done, &frames, gate).await?;

    // step: slow
    step_and_paint("slow").await;
    let t0 = now_seconds();
    let prime = {
        let gil = Arc::clone(&gil);
        pool.run(move || match slow {
            // `time.sleep` releases the GIL: nothing to hand over.
            Slow::Sleep | Slow::BlockingSleep => {
                std::thread::sleep(Duration::from_millis(u64::from(SLEEP_MS)));
                None
            }
            Slow::Prime { n, .. } => {
                let never = AtomicBool::new(false);
                check_under_gil(n, &gil, &never, now_seconds).map(|r| r.prime)
            }
        })
        .await?
    };
    let elapsed_ms = (now_seconds() - t0) * 1000.0;
    // step: stop
    step("stop");
    let frames_during = frames.load(Ordering::SeqCst);
    done.set();
    let _ = worker.post_message(&"done".into());
    if joined_rx.await.is_err() {
        worker.terminate();
        return Err("the spinner thread ended without finishing".into());
    }
    let lateness_ms = lateness.lock().map(|l| l.clone()).unwrap_or_default();
    // step: done
    Ok(Outcome {
        prime,
        elapsed_ms,
        frames: frames_during,
        startup_ms: Some(startup_ms),
        gil: Some(GilTurns {
            handovers: gil.switches(),
            lateness_ms,
            interval_ms: interval.as_secs_f64() * 1000.0,
        }),
        ..Outcome::default()
    })
}
// end::thread-gil-supervisor[]
