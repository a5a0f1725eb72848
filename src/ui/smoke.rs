//! The smoke experiment: `check(n)` on the main thread or on a pool thread, and `spinlab.runSmoke`.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, HtmlButtonElement, HtmlInputElement};

use super::context::Panel;
use super::dom::{Options, Output, find, key_option, number_option, on_click, publish};
use crate::core::clock;
use crate::core::primes::{BOOK_PRIME, check, parse_number, report_line, slow_check_note};
use crate::core::report::{Lines, SmokeReport};
use crate::runtime::steps::next_paint;

/// The smoke panel with the page's context.
pub type SmokeLab = Panel<SmokeView>;

/// Where the smoke experiment runs `check(n)`.
#[derive(Clone, Copy, PartialEq)]
pub enum Place {
    Main,
    Pool,
}

impl Place {
    fn parse(s: &str) -> Option<Place> {
        match s {
            "main" => Some(Place::Main),
            "pool" => Some(Place::Pool),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Place::Main => "main",
            Place::Pool => "pool",
        }
    }
}

/// The smoke experiment's controls and output, built into
/// `[data-experiment=smoke]`.
pub struct SmokeView {
    input: HtmlInputElement,
    buttons: Vec<(Place, HtmlButtonElement)>,
    output: Output,
}

impl SmokeView {
    /// Binds the controls `index.html` writes beside the prose (the
    /// number and a button per place), and renders the output under them.
    pub fn render(doc: &Document) -> Result<SmokeView, JsValue> {
        let section = find(doc, "[data-experiment=smoke]")?;
        let input: HtmlInputElement =
            find(doc, "[data-experiment=smoke] input[data-role=number]")?.unchecked_into();
        let mut buttons = Vec::new();
        let found = doc.query_selector_all("[data-experiment=smoke] button[data-where]")?;
        for i in 0..found.length() {
            let Some(button) = found.get(i) else { continue };
            let button: HtmlButtonElement = button.unchecked_into();
            let place = button
                .get_attribute("data-where")
                .and_then(|key| Place::parse(&key))
                .ok_or("a smoke button names no place: data-where is \"main\" or \"pool\"")?;
            buttons.push((place, button));
        }
        if buttons.len() != 2 {
            return Err("the page lacks the smoke test's two buttons".into());
        }
        let output = Output::render(doc, &section)?;
        Ok(SmokeView {
            input,
            buttons,
            output,
        })
    }

    pub fn wire(&self, app: &Rc<SmokeLab>) -> Result<(), JsValue> {
        for (place, button) in &self.buttons {
            let app = Rc::clone(app);
            let place = *place;
            on_click(button, move || {
                let app = Rc::clone(&app);
                let text = app.view.input.value();
                // The outcome, error included, is already on the page.
                spawn_local(async move {
                    let _ = run_smoke(&app, place, &text).await;
                });
            });
        }
        if app.pool.is_none() {
            for (place, button) in &self.buttons {
                if *place == Place::Pool {
                    button.set_title("No thread pool in this browser: see the capabilities above.");
                }
            }
        }
        Ok(())
    }

    pub fn set_running(&self, running: bool, pool_available: bool) {
        for (place, button) in &self.buttons {
            button.set_disabled(running || (*place == Place::Pool && !pool_available));
        }
        self.input.set_disabled(running);
    }

    /// Shows a refused request's reason, or what a forced panic left.
    pub fn output_error(&self, message: &str) {
        self.output.say(message, "error");
    }
}

/// The smoke experiment: `check(n)` on the main thread or on a pool thread.
/// Errors are shown on the page and returned.
pub async fn run_smoke(app: &SmokeLab, place: Place, text: &str) -> Result<JsValue, String> {
    let outcome = smoke(app, place, text).await;
    match &outcome {
        Ok(_) => {}
        Err(message) => app.view.output.say(message, "error"),
    }
    outcome
}

async fn smoke(app: &SmokeLab, place: Place, text: &str) -> Result<JsValue, String> {
    let n = parse_number(text).map_err(|e| format!("Cannot check: {e}."))?;
    if place == Place::Pool && app.pool.is_none() {
        return Err("There is no thread pool in this browser: see the capabilities above.".into());
    }
    let _running = app.begin().await?;
    let warning = slow_check_note(n, app.divisions_per_sec())
        .map_or(String::new(), |note| format!(" {note}"));
    app.view.output.say(
        &match place {
            Place::Main => format!(
                "Checking {n} on the main thread: the page is frozen until it finishes. \
                 That is the experiment.{warning}"
            ),
            Place::Pool => {
                format!("Checking {n} on a pool thread: the page stays responsive.{warning}")
            }
        },
        "running",
    );
    next_paint().await;

    let t0 = clock::now_seconds();
    let (result, thread) = match (place, &app.pool) {
        (Place::Pool, Some(pool)) => {
            let (result, index) = pool
                .run(move || (check(n), rayon::current_thread_index()))
                .await?;
            let name = index.map_or("a pool thread".into(), |i| format!("pool thread #{i}"));
            (result, name)
        }
        _ => (check(n), "the main thread".to_string()),
    };
    let round_trip_ms = (clock::now_seconds() - t0) * 1000.0;
    let answer = crate::core::spinner::answer_line(Some((result.n, result.prime)));
    let elapsed_ms = result.elapsed * 1000.0;
    let transcript = vec![
        format!("# is_prime({n}) on {thread}"),
        report_line(&result),
        answer.clone(),
    ];
    app.view.output.append_transcript(&transcript);
    app.view.output.say(
        &match place {
            Place::Main => format!(
                "{answer}: {elapsed_ms:.1} ms on the main thread, which could do nothing else \
                 meanwhile (no clicks, no painting)."
            ),
            Place::Pool => format!(
                "{answer}: {elapsed_ms:.1} ms on {thread}; {round_trip_ms:.1} ms round trip \
                 from the main thread, which stayed free."
            ),
        },
        "done",
    );

    Ok(publish(SmokeReport {
        place: place.key(),
        n,
        prime: result.prime,
        elapsed_ms,
        round_trip_ms,
        thread,
        lines: Lines::of(&transcript),
    }))
}

/// Reads `{ where: "main" | "pool", n?: string | bigint }`.
pub fn smoke_options(options: &JsValue) -> Result<(Place, String), String> {
    let options = Options::read(options, "runSmoke", &["where", "n"])?;
    let get = |key: &str| options.get(key);
    if options.is_empty() {
        return Err(
            "runSmoke needs options: { where: \"main\" | \"pool\", n?: \"<decimal string>\" }"
                .into(),
        );
    }
    let place = key_option(&get("where"), "where", r#""main" or "pool""#, Place::parse)?;
    let text = number_option(&get("n"), "n")?.unwrap_or_else(|| BOOK_PRIME.to_string());
    Ok((place, text))
}
