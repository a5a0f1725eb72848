//! What a spinner run is asked to do: `SpinnerRequest`, read from `spinlab.runSpinner`'s options.

use wasm_bindgen::prelude::*;

use crate::core::spinner::{Model, NapVia, Offload, SlowKind};
use std::time::Duration;

use crate::ui::dom::{Options, describe, key_option, number_option, switch_interval_option};

/// What to run: `spinlab.runSpinner`'s options, checked.
pub struct SpinnerRequest {
    pub model: Model,
    pub slow: SlowRequest,
    pub nap_every: Option<NapEvery>,
    pub nap_via: NapVia,
    /// Where `coroutine-offload` runs the work.
    pub offload: Offload,
    /// `thread-gil`'s `sys.setswitchinterval` (`None`: CPython's 5 ms).
    pub switch_interval: Option<Duration>,
}

/// What `slow()` is to do, as asked.
pub enum SlowRequest {
    Sleep,
    BlockingSleep,
    /// The number to check, as typed (`None`: the calibrated prime).
    Prime(Option<String>),
}

#[derive(Clone, Copy)]
pub enum NapEvery {
    Book,
    Divisions(u64),
}

/// Reads `{ model, slow, n, nap: { every, via }, offload }`.
pub fn spinner_options(options: &JsValue) -> Result<SpinnerRequest, String> {
    let options = Options::read(
        options,
        "runSpinner",
        &["model", "slow", "n", "nap", "offload", "switchIntervalMs"],
    )?;
    if options.is_empty() {
        return Err(
            "runSpinner needs options: { model, slow?, n?, nap?, offload?, switchIntervalMs? }"
                .into(),
        );
    }
    let get = |key: &str| options.get(key);
    let keys: Vec<&str> = Model::ALL.iter().map(|m| m.key()).collect();
    let model = key_option(
        &get("model"),
        "model",
        &format!("one of {}", keys.join(", ")),
        Model::parse,
    )?;
    let slow = get("slow");
    let slow = match slow.as_string().as_deref().map(SlowKind::parse) {
        None if slow.is_undefined() => SlowRequest::Sleep,
        Some(Some(SlowKind::Sleep)) => SlowRequest::Sleep,
        Some(Some(SlowKind::BlockingSleep)) => SlowRequest::BlockingSleep,
        Some(Some(SlowKind::Prime)) => SlowRequest::Prime(number_option(&get("n"), "n")?),
        _ => {
            return Err(format!(
                "slow must be \"sleep\", \"blocking-sleep\" or \"prime\", not {}",
                describe(&slow)
            ));
        }
    };
    if !matches!(slow, SlowRequest::Prime(_)) && !get("n").is_undefined() {
        return Err("n is only used with slow: \"prime\"".into());
    }
    let nap = Options::read(&get("nap"), "runSpinner's nap", &["every", "via"])?;
    let (mut nap_every, mut nap_via) = (None, NapVia::Yield);
    if !nap.is_empty() {
        let every = nap.get("every");
        nap_every = if every.is_undefined() {
            None
        } else if every.as_string().as_deref() == Some("book") {
            Some(NapEvery::Book)
        } else {
            match every.as_f64() {
                Some(k) if k >= 1.0 && k.fract() == 0.0 && k <= 9_007_199_254_740_991.0 => {
                    Some(NapEvery::Divisions(k as u64))
                }
                _ => {
                    return Err(format!(
                        "nap.every must be a whole number of divisions ≥ 1 or \"book\", not {}",
                        describe(&every)
                    ));
                }
            }
        };
        let via = nap.get("via");
        if !via.is_undefined() {
            nap_via = via
                .as_string()
                .and_then(|s| NapVia::parse(&s))
                .ok_or_else(|| {
                    format!(
                        "nap.via must be \"yield\" or \"timeout\", not {}",
                        describe(&via)
                    )
                })?;
        }
    }
    let offload = get("offload");
    let offload = if offload.is_undefined() {
        Offload::default()
    } else if model != Model::CoroutineOffload {
        return Err("offload is only used with model: \"coroutine-offload\"".into());
    } else {
        offload
            .as_string()
            .and_then(|s| Offload::parse(&s))
            .ok_or_else(|| {
                format!(
                    "offload must be \"thread\" or \"process\", not {}",
                    describe(&offload)
                )
            })?
    };
    let switch_interval = switch_interval_option(&get("switchIntervalMs"))?;
    if switch_interval.is_some() && model != Model::ThreadGil {
        return Err("switchIntervalMs is only used with model: \"thread-gil\"".into());
    }
    Ok(SpinnerRequest {
        model,
        slow,
        nap_every,
        nap_via,
        offload,
        switch_interval,
    })
}
