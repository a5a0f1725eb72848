//! The big picture lab's second part: a payload to a worker and back
//! (`runCrossing`), copied, moved or shared; its round trips plotted
//! against size, tabled, and the claim's sentence filled in.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlButtonElement, HtmlSelectElement};

use super::dom::{buttons_for, control, element};
use crate::core::big_picture::duration;
use crate::core::crossing::{
    PLOT_FRAME, PLOT_MS, SIZES, Via, crossing_claim, latest, plot_point, size,
};

const SVG: &str = "http://www.w3.org/2000/svg";

/// The crossing part's controls (written in `index.html`), its plot, table
/// and claim, and what was measured so far.
pub struct CrossingView {
    buttons: Vec<(Via, HtmlButtonElement)>,
    pub sweep: HtmlButtonElement,
    bytes: HtmlSelectElement,
    claim: Element,
    chart: Element,
    table: Element,
    /// Each run's median round trip, in order.
    measured: RefCell<Vec<(Via, usize, f64)>>,
}

impl CrossingView {
    pub fn render(section: &Element) -> Result<CrossingView, JsValue> {
        let view = CrossingView {
            buttons: buttons_for(section, "data-via", Via::ALL, Via::key)?,
            sweep: control(section, "button[data-role=crossing-sweep]")?,
            bytes: control(section, "select[data-role=bytes]")?,
            claim: control(section, "[data-role=crossing-claim]")?,
            chart: control(section, "svg[data-role=crossing-chart]")?,
            table: control(section, "[data-role=crossing-table] tbody")?,
            measured: RefCell::new(Vec::new()),
        };
        view.show();
        Ok(view)
    }

    pub fn buttons(&self) -> &[(Via, HtmlButtonElement)] {
        &self.buttons
    }

    /// The payload size the select shows.
    pub fn chosen_bytes(&self) -> usize {
        self.bytes
            .value()
            .parse()
            .unwrap_or(crate::core::crossing::MAX_BYTES)
    }

    /// Sharing needs the page's shared memory (the pool's condition).
    pub fn set_running(&self, running: bool, pool_available: bool) {
        for (via, button) in &self.buttons {
            button.set_disabled(running || (*via == Via::Share && !pool_available));
        }
        self.sweep.set_disabled(running);
        self.bytes.set_disabled(running);
    }

    /// Adds a run's median round trip and redraws.
    pub fn record(&self, via: Via, bytes: usize, ms: f64) {
        self.measured.borrow_mut().push((via, bytes, ms));
        self.show();
    }

    fn show(&self) {
        let measured = self.measured.borrow();
        self.claim
            .set_text_content(Some(&crossing_claim(&measured)));
        let Some(doc) = self.chart.owner_document() else {
            return;
        };
        let _ = self.show_table(&doc, &measured);
        let _ = self.show_chart(&doc, &measured);
    }

    /// One row a size (the sweep's, and any other measured), one cell a way.
    fn show_table(&self, doc: &Document, measured: &[(Via, usize, f64)]) -> Result<(), JsValue> {
        let mut sizes: Vec<usize> = SIZES.to_vec();
        sizes.extend(measured.iter().map(|m| m.1));
        sizes.sort_unstable();
        sizes.dedup();
        self.table.set_text_content(None);
        for bytes in sizes {
            let row = doc.create_element("tr")?;
            row.set_attribute("data-bytes", &bytes.to_string())?;
            let head = element(doc, "th", "", &size(bytes))?;
            head.set_attribute("scope", "row")?;
            row.append_child(&head)?;
            for via in Via::ALL {
                let ms = latest(measured, via)
                    .into_iter()
                    .find(|(b, _)| *b == bytes)
                    .map(|(_, ms)| ms);
                let cell = element(doc, "td", "", &ms.map_or("—".into(), duration))?;
                cell.set_attribute("data-via", via.key())?;
                row.append_child(&cell)?;
            }
            self.table.append_child(&row)?;
        }
        Ok(())
    }

    /// Both axes on log scales; a line and its points for each way.
    fn show_chart(&self, doc: &Document, measured: &[(Via, usize, f64)]) -> Result<(), JsValue> {
        self.chart.set_text_content(None);
        self.show_frame(doc)?;
        self.show_size_axis(doc)?;
        self.show_time_axis(doc)?;
        for (i, via) in Via::ALL.into_iter().enumerate() {
            self.show_way(doc, i, via, measured)?;
        }
        Ok(())
    }

    /// The plot's frame.
    fn show_frame(&self, doc: &Document) -> Result<(), JsValue> {
        let (left, right, top, bottom) = PLOT_FRAME;
        let frame = svg(
            doc,
            "rect",
            &[
                ("class", "frame".into()),
                ("x", left.to_string()),
                ("y", top.to_string()),
                ("width", (right - left).to_string()),
                ("height", (bottom - top).to_string()),
            ],
        )?;
        self.chart.append_child(&frame)?;
        Ok(())
    }

    /// The payload sizes, under the frame.
    fn show_size_axis(&self, doc: &Document) -> Result<(), JsValue> {
        let (_, _, _, bottom) = PLOT_FRAME;
        for bytes in SIZES {
            let (x, _) = plot_point(bytes, PLOT_MS.0);
            let label = text(doc, x, bottom + 16.0, "middle", &size(bytes))?;
            self.chart.append_child(&label)?;
        }
        Ok(())
    }

    /// A grid line and a label for each power of ten of the round trip.
    fn show_time_axis(&self, doc: &Document) -> Result<(), JsValue> {
        let (left, right, _, _) = PLOT_FRAME;
        let mut ms = PLOT_MS.0;
        while ms <= PLOT_MS.1 * 1.001 {
            let (_, y) = plot_point(SIZES[0], ms);
            let grid = svg(
                doc,
                "line",
                &[
                    ("class", "grid".into()),
                    ("x1", left.to_string()),
                    ("x2", right.to_string()),
                    ("y1", format!("{y:.1}")),
                    ("y2", format!("{y:.1}")),
                ],
            )?;
            self.chart.append_child(&grid)?;
            let label = if ms >= 1000.0 {
                "1 s".into()
            } else if ms >= 1.0 {
                format!("{ms:.0} ms")
            } else {
                format!("{:.0} µs", ms * 1000.0)
            };
            let label = text(doc, left - 6.0, y + 4.0, "end", &label)?;
            self.chart.append_child(&label)?;
            ms *= 10.0;
        }
        Ok(())
    }

    /// One way (the `i`-th): its legend, its line, and a point with a
    /// title for each size measured.
    fn show_way(
        &self,
        doc: &Document,
        i: usize,
        via: Via,
        measured: &[(Via, usize, f64)],
    ) -> Result<(), JsValue> {
        let (left, _, top, _) = PLOT_FRAME;
        let class = format!("via-{}", via.key());
        let legend = text(
            doc,
            left + 10.0,
            top + 16.0 + 15.0 * i as f64,
            "start",
            via.key(),
        )?;
        legend.set_attribute("class", &class)?;
        self.chart.append_child(&legend)?;
        let points: Vec<(usize, f64)> = latest(measured, via);
        let path: Vec<String> = points
            .iter()
            .map(|&(b, ms)| {
                let (x, y) = plot_point(b, ms);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        if path.len() > 1 {
            let line = svg(
                doc,
                "polyline",
                &[
                    ("class", format!("line {class}")),
                    ("points", path.join(" ")),
                ],
            )?;
            self.chart.append_child(&line)?;
        }
        for (b, ms) in points {
            let (x, y) = plot_point(b, ms);
            let dot = svg(
                doc,
                "circle",
                &[
                    ("class", format!("dot {class}")),
                    ("cx", format!("{x:.1}")),
                    ("cy", format!("{y:.1}")),
                    ("r", "3.5".into()),
                    ("data-via", via.key().into()),
                    ("data-bytes", b.to_string()),
                ],
            )?;
            let title = svg(doc, "title", &[])?;
            title.set_text_content(Some(&format!(
                "{}, {}: {}",
                via.key(),
                size(b),
                duration(ms)
            )));
            dot.append_child(&title)?;
            self.chart.append_child(&dot)?;
        }
        Ok(())
    }
}

/// An SVG element with its attributes.
fn svg(doc: &Document, tag: &str, attrs: &[(&str, String)]) -> Result<Element, JsValue> {
    let el = doc.create_element_ns(Some(SVG), tag)?;
    for (name, value) in attrs {
        el.set_attribute(name, value)?;
    }
    Ok(el)
}

/// An SVG `<text>` at `(x, y)`, anchored at its start, middle or end.
fn text(doc: &Document, x: f64, y: f64, anchor: &str, words: &str) -> Result<Element, JsValue> {
    let t = svg(
        doc,
        "text",
        &[
            ("x", format!("{x:.1}")),
            ("y", format!("{y:.1}")),
            ("text-anchor", anchor.into()),
        ],
    )?;
    t.set_text_content(Some(words));
    Ok(t)
}
