//! spinlab: chapter 19 of *Fluent Python* re-enacted in the browser.
//!
//! Three floors, each importing only those below it:
//! - [`core`]: pure Rust, no browser, tested natively: the book's `is_prime`
//!   and its fixture, the pool's protocol, the GIL and lock simulations, the
//!   Python listings, and every run's plan and report.
//! - `runtime` and `models` (`wasm32` only): the engine on the browser's
//!   threads, workers and timers.
//! - `ui` (`wasm32` only): the page, which reads requests, runs the engine
//!   and renders its reports.

pub mod core;
pub mod listings;

#[cfg(target_arch = "wasm32")]
pub mod models;
#[cfg(target_arch = "wasm32")]
pub mod runtime;
#[cfg(target_arch = "wasm32")]
pub mod ui;

/// The page's entry point, called by `www/main.js` once the module is
/// instantiated. Not a `#[wasm_bindgen(start)]`: that would also run in every
/// worker that instantiates the module.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn start(wasm_load_ms: f64) -> Result<(), wasm_bindgen::JsValue> {
    ui::page::start(wasm_load_ms).await
}
