//! spinlab: chapter 19 of *Fluent Python* re-enacted in the browser.
//!
//! The prime core ([`primes`], [`clock`]) is pure Rust and tests natively; the
//! browser side (`runtime`, `models`, `ui`) exists only on `wasm32`.

pub mod bench;
pub mod big_picture;
pub mod clock;
pub mod crossing;
pub mod errors;
pub mod link;
pub mod listings;
pub mod lock;
pub mod monitor;
pub mod pool_runs;
pub mod pool_size;
pub mod primes;
pub mod protocol;
pub mod python;
pub mod report;
pub mod runlog;
pub mod spinner;

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
