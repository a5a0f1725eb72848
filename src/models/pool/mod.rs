//! The pool lab's runners: each mode starts its workers, which run the book's
//! protocol (`crate::core::protocol`) and stream its messages to the page's report
//! loop. The page's main thread only awaits them.
//!
//! - `sequential`: one worker, a thread of the existing pool (not the page's
//!   main thread: 20 checks there would freeze the page for their sum).
//! - `threads`: N new wasm threads sharing memory; the job queue is a
//!   `Mutex` + `Condvar` queue in that memory (a real blocking `jobs.get()`).
//! - `threads-gil`: the same threads, each holding a simulated GIL to check.
//! - `processes`: N workers, each its own wasm instance and memory; they share
//!   only the queue's head (a `SharedArrayBuffer`, as processes share OS
//!   memory) and send results as messages. A page that is not cross-origin
//!   isolated has no `SharedArrayBuffer`: there the queue stays on the page
//!   and each process is fed its jobs by messages, as `multiprocessing`'s
//!   pipes feed a process (and `sequential` runs in one such process).
//! - `rayon`: the numbers with `par_iter` on the pool built at start-up.
//!
//! This folder, in layers: `run` (a started run, its stop policies), the
//! modes' workers (`threads`, `processes`, `rayon`), `start` (the mode picks
//! its workers), `quiet` (the benchmark's runs, measured without drawing).
//! This file only hands their names on.

mod processes;
mod quiet;
mod rayon;
mod run;
mod start;
mod threads;

// `super::entry` in `processes` (the code panel shows that line) is this.
use super::entry;

pub use self::processes::{child, fed_child};
pub use self::quiet::{QuietRun, message_queue, queue_child, run_quietly};
pub use self::rayon::split_check;
pub use self::run::{PoolRun, StopInfo};
pub use self::start::{start, warm_up};

/// The stop policies are the protocol's (pure): `models::pool::StopPolicy`
/// still names them.
pub use crate::core::protocol::StopPolicy;
