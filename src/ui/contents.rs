//! The contents (`nav[data-role=contents]`): as the reader scrolls, the link
//! of the section in view is marked `aria-current="location"` (the contents
//! column on a wide screen, the bar on a narrow one).

use std::cell::RefCell;

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{
    Document, Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit,
};

/// Watches every section the contents name: the one in view is the one
/// that crosses a line 30% of the way down the window (the previous
/// section's tail may still show above it, under the contents bar). Between
/// two sections, the mark stays where it was.
pub fn mark_in_view(doc: &Document) -> Result<(), JsValue> {
    let found = doc.query_selector_all("main > section[id][data-chapter]")?;
    let mut watched: Vec<(Element, Element)> = Vec::new();
    for i in 0..found.length() {
        let Some(section) = found.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let selector = format!("[data-role=contents] a[href=\"#{}\"]", section.id());
        if let Some(link) = doc.query_selector(&selector)? {
            watched.push((section, link));
        }
    }
    let in_view = RefCell::new(vec![false; watched.len()]);
    let sections: Vec<Element> = watched.iter().map(|(s, _)| s.clone()).collect();
    let on_change = Closure::<dyn FnMut(Array)>::new(move |entries: Array| {
        let mut in_view = in_view.borrow_mut();
        for entry in entries.iter() {
            let entry: IntersectionObserverEntry = entry.unchecked_into();
            let target: JsValue = entry.target().into();
            if let Some(i) = watched
                .iter()
                .position(|(s, _)| AsRef::<JsValue>::as_ref(s) == &target)
            {
                in_view[i] = entry.is_intersecting();
            }
        }
        let Some(current) = in_view.iter().position(|&shown| shown) else {
            return;
        };
        for (i, (_, link)) in watched.iter().enumerate() {
            let _ = if i == current {
                link.set_attribute("aria-current", "location")
            } else {
                link.remove_attribute("aria-current")
            };
        }
    });
    let options = IntersectionObserverInit::new();
    // A line 1% high, 30% of the way down the window.
    options.set_root_margin("-30% 0px -69% 0px");
    let observer =
        IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &options)?;
    for section in &sections {
        observer.observe(section);
    }
    on_change.forget(); // observes for as long as the page lives
    Ok(())
}
