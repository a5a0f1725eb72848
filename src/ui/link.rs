//! The page's address records its state (see [`crate::core::link`]): a link opens
//! on a lab with its controls set and the chosen button focused, and every
//! choice the learner makes is written back, so the address bar is always a
//! link to what is on screen.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, HtmlButtonElement, UrlSearchParams};

use super::dom::{element, on_click, template};
use super::pool_lab::PoolLab;
use super::spinner_lab::SpinnerLab;
use crate::core::link::{Lab, Link, link_pairs, parse_link};
use crate::core::protocol::Mode;
use crate::core::spinner::Model;

thread_local! {
    /// What the address says now.
    static CURRENT: RefCell<Link> = RefCell::new(Link::default());
}

/// The attribute of the button a link asks for (focused, and marked until
/// the learner does anything).
const SUGGESTED: &str = "data-suggested";

/// Reads the page's query, sets the controls it names, says what it could
/// not use, and focuses the button it asks for. Never starts a run.
pub fn apply(spinner: &SpinnerLab, pool: &PoolLab, doc: &Document) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let pairs = query_pairs(&window.location().search()?)?;
    if !pairs.is_empty() {
        set_up(spinner, pool, doc, &pairs)?;
    }
    Ok(())
}

/// A query's settings, in order.
fn query_pairs(query: &str) -> Result<Vec<(String, String)>, JsValue> {
    let params = UrlSearchParams::new_with_str(query)?;
    let mut pairs = Vec::new();
    for entry in js_sys::try_iter(&params)?.ok_or("URLSearchParams is iterable")? {
        let entry: Array = entry?.unchecked_into();
        if let (Some(key), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string()) {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// Sets the controls a link names, says what it could not use, and focuses
/// (and returns) the button it asks for, or shows its lab.
fn set_up(
    spinner: &SpinnerLab,
    pool: &PoolLab,
    doc: &Document,
    pairs: &[(String, String)],
) -> Result<Option<HtmlButtonElement>, JsValue> {
    let (mut link, problems) = parse_link(pairs, pool.view.max_workers());
    link.lab = link
        .lab
        .or(link.mode.map(|_| Lab::Pool))
        .or(link.model.map(|_| Lab::Spinner));
    let model_button = spinner.view.apply_link(&link);
    let mode_button = pool.view.apply_link(&link);
    if !problems.is_empty() {
        show_problems(doc, &problems)?;
    }
    let mut focused = None;
    if let Some(lab) = link.lab {
        let chosen = match lab {
            Lab::Spinner => model_button,
            Lab::Pool => mode_button,
            Lab::Smoke | Lab::Bench => None,
        };
        let section = doc.query_selector(&format!("[data-experiment={}]", lab.key()))?;
        // A disabled button cannot take focus (a thread model on a page
        // without threads): the section is shown instead.
        match chosen.filter(|b| !b.disabled()) {
            Some(button) => {
                button.set_attribute(SUGGESTED, "")?;
                button.focus()?;
                focused = Some(button);
            }
            None => {
                if let Some(section) = section {
                    section.scroll_into_view();
                }
            }
        }
    }
    CURRENT.set(link);
    Ok(focused)
}

/// The buttons that set a lab up and start its run (`button[data-run]`,
/// the conclusion's): each sets the controls as the link in its
/// `data-run` would, then presses the button it asks for, so the run is
/// the lab's own (refused with the lab's reason if one is going).
pub fn wire_run_buttons(
    spinner: &Rc<SpinnerLab>,
    pool: &Rc<PoolLab>,
    doc: &Document,
) -> Result<(), JsValue> {
    let found = doc.query_selector_all("button[data-run]")?;
    for i in 0..found.length() {
        let Some(button) = found
            .item(i)
            .and_then(|n| n.dyn_into::<HtmlButtonElement>().ok())
        else {
            continue;
        };
        let query = button.get_attribute("data-run").unwrap_or_default();
        let (spinner, pool, doc) = (Rc::clone(spinner), Rc::clone(pool), doc.clone());
        on_click(&button, move || {
            let pressed = query_pairs(&query)
                .and_then(|pairs| set_up(&spinner, &pool, &doc, &pairs))
                .ok()
                .flatten();
            if let Some(lab_button) = pressed {
                lab_button.click();
            }
        });
        button.set_disabled(false);
    }
    Ok(())
}

/// The link's problems, above the labs, announced to screen readers.
fn show_problems(doc: &Document, problems: &[String]) -> Result<(), JsValue> {
    let main = doc
        .query_selector("main")?
        .ok_or("the page has no <main>")?;
    let box_ = template(doc, "link-problems")?;
    for problem in problems {
        box_.append_child(&element(doc, "p", "", problem)?.into())?;
    }
    main.insert_before(&box_, main.first_child().as_ref())?;
    Ok(())
}

/// Writes every choice back into the address (`history.replaceState`: no
/// new history entry per click).
pub fn listen(spinner: &Rc<SpinnerLab>, pool: &Rc<PoolLab>, doc: &Document) -> Result<(), JsValue> {
    for kind in ["click", "change"] {
        let (spinner, pool) = (Rc::clone(spinner), Rc::clone(pool));
        let on_event = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            let Some(lab) = target
                .closest("[data-experiment]")
                .ok()
                .flatten()
                .and_then(|s| s.get_attribute("data-experiment"))
                .and_then(|key| Lab::parse(&key))
            else {
                return;
            };
            let button = target.closest("button").ok().flatten();
            if event.type_() == "click" && button.is_none() {
                return;
            }
            clear_suggestion(&target);
            CURRENT.with_borrow_mut(|link| {
                link.lab = Some(lab);
                if let Some(button) = &button {
                    if let Some(model) = button.get_attribute("data-model") {
                        link.model = Model::parse(&model).or(link.model);
                    }
                    if let Some(mode) = button.get_attribute("data-mode") {
                        link.mode = Mode::parse(&mode).or(link.mode);
                    }
                }
                let calibrated = spinner.calibration().ok().map(|c| c.prime);
                spinner.view.read_link(link, calibrated);
                pool.view.read_link(link);
                write(link);
            });
        });
        doc.add_event_listener_with_callback(kind, on_event.as_ref().unchecked_ref())?;
        on_event.forget(); // lives as long as the page
    }
    Ok(())
}

fn clear_suggestion(target: &Element) {
    if let Some(doc) = target.owner_document()
        && let Ok(Some(marked)) = doc.query_selector(&format!("[{SUGGESTED}]"))
    {
        let _ = marked.remove_attribute(SUGGESTED);
    }
}

fn write(link: &Link) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(params) = UrlSearchParams::new() else {
        return;
    };
    for (key, value) in link_pairs(link) {
        params.append(key, &value);
    }
    let query = String::from(params.to_string());
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = if query.is_empty() {
        format!("{path}{hash}")
    } else {
        format!("{path}?{query}{hash}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}
