//! spinlab: chapter 19 of *Fluent Python* re-enacted in the browser.
//!
//! The prime core ([`primes`], [`clock`]) is pure Rust and tests natively; the
//! browser side (`web`) exists only on `wasm32`.

pub mod clock;
pub mod primes;
