//! The Benchmarks panel's tables (this run's, and the reference run's) and the page's sizes they show.

use js_sys::{Array, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Document, Element};

use crate::core::bench::reference::{Quoted, quote};
use crate::core::bench::{Figure, Sizes};
use crate::ui::dom::{append_cells, element, slot, template_parts};

/// The module's, the glue's and the listings' sizes as this page loaded them (Resource
/// Timing's decoded body sizes; the development server does not compress).
pub fn resource_sizes() -> Option<Sizes> {
    let performance = web_sys::window()?.performance()?;
    let entries = performance.get_entries_by_type("resource");
    let size = |suffix: &str| {
        entries.iter().find_map(|e| {
            let name = Reflect::get(&e, &"name".into()).ok()?.as_string()?;
            if name.ends_with(suffix) {
                Reflect::get(&e, &"decodedBodySize".into()).ok()?.as_f64()
            } else {
                None
            }
        })
    };
    Some(Sizes {
        wasm_bytes: size("/pkg/spinlab_bg.wasm")? as u64,
        wasm_gzip_bytes: None,
        js_bytes: size("/pkg/spinlab.js")? as u64,
        js_gzip_bytes: None,
        listings_bytes: size("/pkg/listings.json").map(|b| b as u64),
        listings_gzip_bytes: None,
    })
}

/// One row of a figures table, as text: from this run's figures, or from
/// the reference run's JSON (`pkg/reference.json`).
pub struct TableRow {
    group: String,
    label: String,
    detail: String,
    shown: String,
    range: String,
    runs: String,
    verdict: String,
}

impl From<&Figure> for TableRow {
    fn from(f: &Figure) -> TableRow {
        TableRow {
            group: f.group.to_string(),
            label: f.label.clone(),
            detail: f.detail.clone(),
            shown: f.unit.format(f.judged()),
            range: f.range(),
            runs: f.value.runs.to_string(),
            verdict: f.verdict().key().to_string(),
        }
    }
}

/// The reference run's figures (the JSON rows of [`crate::core::bench::figures_value`]).
fn rows_of_json(figures: &JsValue) -> Vec<TableRow> {
    if !Array::is_array(figures) {
        return Vec::new();
    }
    let text = |f: &JsValue, key: &str| {
        Reflect::get(f, &key.into())
            .ok()
            .and_then(|v| v.as_string().or_else(|| v.as_f64().map(|x| x.to_string())))
            .unwrap_or_default()
    };
    Array::from(figures)
        .iter()
        .map(|f| TableRow {
            group: text(&f, "group"),
            label: text(&f, "label"),
            detail: text(&f, "detail"),
            shown: text(&f, "shown"),
            range: text(&f, "range"),
            runs: text(&f, "runs"),
            verdict: text(&f, "verdict"),
        })
        .collect()
}

/// The figures as table rows, a header row per group.
pub fn render_table(table: &Element, rows: &[TableRow]) {
    let Some(doc) = table.owner_document() else {
        return;
    };
    let Some(body) = table.query_selector("tbody").ok().flatten() else {
        return;
    };
    body.set_text_content(None);
    let mut group = "";
    for f in rows {
        if f.group != group {
            group = &f.group;
            if let (Ok(row), Ok(cell)) = (
                element(&doc, "tr", "group", ""),
                element(&doc, "th", "", group),
            ) {
                let _ = cell.set_attribute("colspan", "4");
                let _ = row.append_child(&cell);
                let _ = body.append_child(&row);
            }
        }
        let label = if f.detail.is_empty() {
            f.label.clone()
        } else {
            format!("{} ({})", f.label, f.detail)
        };
        // The targets and verdicts are the project's (`./x bench`,
        // docs/performance.md), kept in the report, not shown to the reader.
        if let Ok(row) = append_cells(&body, &[&label, &f.shown, &f.range, &f.runs]) {
            let _ = row.set_attribute("data-figure", &f.label);
            let _ = row.set_attribute("data-verdict", &f.verdict);
        }
    }
}

/// The last `./x bench` on the machine that built this page, if it left its
/// results (`pkg/reference.json`), labelled as such; and the figures the
/// page's prose quotes from it (`[data-reference]`).
pub async fn show_reference(into: Element) {
    let json = fetch_reference().await;
    if let Some(doc) = into.owner_document() {
        quote_reference(&doc, json.as_ref());
    }
    let Some(json) = json else {
        return;
    };
    let get = |key: &str| Reflect::get(&json, &key.into()).unwrap_or_default();
    let Some(doc) = into.owner_document() else {
        return;
    };
    let when = get("date").as_string().unwrap_or_default();
    let machine = Reflect::get(&get("machine"), &"cpu".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let heading = format!(
        "For comparison: ./x bench on the machine that built this page ({machine}), {when}, with native Rust and CPython beside it. Not measured in your browser."
    );
    let _ = show_reference_table(&doc, &into, &heading, &rows_of_json(&get("figures")));
}

/// A copy of `<template id="bench-reference">` at the end of `into`: the
/// `heading`, then the reference run's figures.
fn show_reference_table(
    doc: &Document,
    into: &Element,
    heading: &str,
    rows: &[TableRow],
) -> Result<(), JsValue> {
    let parts = template_parts(doc, "bench-reference")?;
    let caption = slot(&parts, "caption")?;
    caption.set_text_content(Some(heading));
    render_table(&slot(&parts, "table")?, rows);
    let scroll = slot(&parts, "scroll")?;
    into.append_with_node_2(&caption, &scroll)
}

/// `pkg/reference.json`, when the page has one (`null` until a full
/// `./x bench` has run on the machine that built the page).
async fn fetch_reference() -> Option<JsValue> {
    let window = web_sys::window()?;
    let url = crate::runtime::threads::beside_glue("reference.json");
    let response = JsFuture::from(window.fetch_with_str(&url)).await.ok()?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return None;
    }
    let json = JsFuture::from(response.json().ok()?).await.ok()?;
    json.is_object().then_some(json)
}

/// Fills each `[data-reference="label"]` of the page's prose with the
/// reference run's figure of that label, and where it was measured.
fn quote_reference(doc: &web_sys::Document, json: Option<&JsValue>) {
    let Ok(spans) = doc.query_selector_all("[data-reference]") else {
        return;
    };
    let text = |value: &JsValue, key: &str| {
        Reflect::get(value, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let (machine, date) = json.map_or_else(Default::default, |json| {
        let machine = Reflect::get(json, &"machine".into()).unwrap_or_default();
        (text(&machine, "cpu"), text(json, "date"))
    });
    let figures: Vec<JsValue> = json
        .and_then(|json| Reflect::get(json, &"figures".into()).ok())
        .filter(Array::is_array)
        .map(|figures| Array::from(&figures).to_vec())
        .unwrap_or_default();
    for i in 0..spans.length() {
        let Some(span) = spans.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let label = span.get_attribute("data-reference").unwrap_or_default();
        let found = figures.iter().find(|f| text(f, "label") == label);
        let (shown, detail) =
            found.map_or_else(Default::default, |f| (text(f, "shown"), text(f, "detail")));
        let quoted = found.map(|_| Quoted {
            shown: &shown,
            detail: &detail,
            machine: &machine,
            date: &date,
        });
        span.set_text_content(Some(&quote(quoted)));
    }
}
