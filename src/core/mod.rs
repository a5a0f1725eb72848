//! The core: pure Rust that knows no browser (no `web-sys`, no `js-sys`; of
//! `wasm-bindgen`, only the clock's `performance.now()`), built and tested
//! natively as well as in the module. The engine (`runtime`, `models`) and
//! the page (`ui`) import it; it imports neither.

pub mod bench;
pub mod big_picture;
pub mod clock;
pub mod crossing;
pub mod errors;
pub mod link;
pub mod lock;
pub mod monitor;
pub mod pool_run;
pub mod pool_runs;
pub mod pool_size;
pub mod primes;
pub mod protocol;
pub mod python;
pub mod replay;
pub mod report;
pub mod runlog;
pub mod schedule;
pub mod spinner;
pub mod trace;
