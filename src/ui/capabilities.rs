//! The capabilities panel: what this browser gives spinlab, and the offer of the isolation shim.

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlButtonElement, HtmlSelectElement};

use super::dom::{element, find, on_click, set_status, slot, template, to_js};
use crate::core::pool_size::MAX_THREADS;
use crate::core::report::Value;

/// What this browser gives spinlab, as `window.spinlab.capabilities` shows it.
pub struct Capabilities {
    pub cross_origin_isolated: bool,
    pub hardware_concurrency: u32,
    /// Threads in the pool; 0 when there is none.
    pub pool_size: usize,
    pub wasm_load_ms: f64,
    pub pool_start_ms: Option<f64>,
    /// Why threads are unavailable, in words for the learner.
    pub problem: Option<String>,
    /// Where the pool's size came from, in words ("" without a pool).
    pub pool_source: String,
}

impl Capabilities {
    pub fn threads(&self) -> bool {
        self.pool_size > 0
    }

    pub fn to_js(&self) -> JsValue {
        to_js(&Value::Obj(vec![
            ("crossOriginIsolated", self.cross_origin_isolated.into()),
            ("threads", self.threads().into()),
            ("hardwareConcurrency", self.hardware_concurrency.into()),
            ("poolSize", self.pool_size.into()),
        ]))
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Static hosts that cannot send COOP/COEP (GitHub Pages) can still have
/// threads: `isolation-shim.js`, a service worker, adds the headers to the
/// page's own responses, and after one reload the page is isolated. Opt-in:
/// a button here, or automatic with `<meta name="spinlab-isolation-shim"
/// content="auto">` in `index.html` (tried once a session, so a browser
/// where it cannot work does not reload forever).
pub fn offer_isolation_shim(doc: &Document) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    if !Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false) {
        return Ok(()); // not a secure context, or no service workers here
    }
    let auto = doc
        .query_selector("meta[name=spinlab-isolation-shim][content=auto]")?
        .is_some();
    let storage = window.session_storage().ok().flatten();
    const TRIED: &str = "spinlab.isolationShimTried";
    let tried = storage
        .as_ref()
        .is_some_and(|s| s.get_item(TRIED).ok().flatten().is_some());
    let section = find(doc, "#capabilities")?;
    if auto && !tried {
        if let Some(storage) = &storage {
            let _ = storage.set_item(TRIED, "1");
        }
        const TURNING_ON: &str = "This host sends no cross-origin isolation headers, so \
             spinlab turns on its isolation shim: a small service worker (isolation-shim.js) \
             that adds them to this page's own responses. The page reloads once, isolated.";
        let note = element(doc, "p", "explain", TURNING_ON)?;
        note.set_attribute("data-role", "isolation-shim-auto")?;
        section.append_child(&note)?;
        set_status(TURNING_ON);
        install_isolation_shim();
        return Ok(());
    }
    let offer = element(
        doc,
        "p",
        "explain",
        "On a host that cannot send these headers, spinlab can add them itself: a small \
         service worker (isolation-shim.js) puts them on this page's own responses, and the \
         page reloads isolated. ",
    )?;
    let button: HtmlButtonElement = element(
        doc,
        "button",
        "",
        "Turn on threads here (service worker, then reload)",
    )?
    .unchecked_into();
    button.set_attribute("data-role", "isolation-shim")?;
    on_click(&button, install_isolation_shim);
    offer.append_child(&button)?;
    section.append_child(&offer)?;
    Ok(())
}

#[wasm_bindgen(inline_js = "export function installShim(url) {
  const workers = navigator.serviceWorker;
  return workers.register(url).then(() => workers.ready).then(() => location.reload());
}")]
extern "C" {
    #[wasm_bindgen(js_name = installShim)]
    fn install_shim(url: &str) -> js_sys::Promise;
}

/// Registers the shim, waits until it controls this origin, reloads. Chained
/// promises, not a Rust future: where the main thread cannot wait (Firefox
/// without isolation, see [`main_thread_can_wait`]) no future may pend.
fn install_isolation_shim() {
    let failed = Closure::once(|e: JsValue| {
        set_status(&format!(
            "The isolation shim could not be installed: {}",
            crate::runtime::js_error_message(&e)
        ));
    });
    let _ = install_shim("isolation-shim.js").catch(&failed);
    failed.forget(); // called at most once; the page reloads otherwise
}

/// Whether this page is controlled by the isolation shim (a service worker
/// whose script is `isolation-shim.js`).
fn isolated_by_shim() -> bool {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return false;
    };
    // No `serviceWorker` outside a secure context.
    Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false)
        && navigator
            .service_worker()
            .controller()
            .is_some_and(|worker| worker.script_url().ends_with("/isolation-shim.js"))
}

/// Whether a Rust future may pend on this page's main thread. With atomics,
/// wasm-bindgen-futures waits with `Atomics.waitAsync`; where the browser
/// lacks it (Firefox) it posts the shared memory to a helper worker, which
/// only a cross-origin isolated page may do.
pub fn main_thread_can_wait(cross_origin_isolated: bool) -> bool {
    cross_origin_isolated
        || Reflect::get(&js_sys::global(), &"Atomics".into())
            .and_then(|atomics| Reflect::has(&atomics, &"waitAsync".into()))
            .unwrap_or(false)
}

pub fn render_capabilities(doc: &Document, caps: &Capabilities) -> Result<(), JsValue> {
    let list = find(doc, "#capabilities [data-role=capabilities]")?;
    list.set_text_content(None);
    let rows = [
        (
            "crossOriginIsolated",
            "Cross-origin isolated",
            match (caps.cross_origin_isolated, isolated_by_shim()) {
                (true, true) => "yes, by the isolation shim (this host sends no COOP/COEP \
                                 headers; the service worker isolation-shim.js adds them)"
                    .to_string(),
                (isolated, _) => yes_no(isolated).to_string(),
            },
            caps.cross_origin_isolated,
        ),
        (
            "threads",
            "Wasm threads (shared memory)",
            yes_no(caps.threads()).to_string(),
            caps.threads(),
        ),
        (
            "hardwareConcurrency",
            "Hardware concurrency",
            caps.hardware_concurrency.to_string(),
            true,
        ),
        (
            "poolSize",
            "Thread pool",
            match caps.pool_start_ms {
                Some(ms) => format!(
                    "{} threads, up in {ms:.0} ms; {}",
                    caps.pool_size, caps.pool_source
                ),
                None => "none".into(),
            },
            caps.threads(),
        ),
        (
            "wasmLoadMs",
            "Glue + wasm load + compile",
            format!("{:.0} ms", caps.wasm_load_ms),
            true,
        ),
    ];
    for (key, label, value, good) in rows {
        let row = template(doc, "capability")?;
        row.set_class_name(if good { "cap good" } else { "cap bad" });
        row.set_attribute("data-cap", key)?;
        slot(&row, "label")?.set_text_content(Some(label));
        slot(&row, "value")?.set_text_content(Some(&value));
        list.append_child(&row)?;
    }
    if caps.threads() {
        offer_pool_sizes(doc, &list, caps.pool_size)?;
    }
    Ok(())
}

/// The pool's size, chosen by the learner: a list in the pool's row that
/// reloads the page with `?threads=N` (the pool is built once, at start).
fn offer_pool_sizes(doc: &Document, list: &Element, size: usize) -> Result<(), JsValue> {
    let row = list
        .query_selector("[data-cap=poolSize] dd")?
        .ok_or("the capabilities panel has no pool row")?;
    let label = template(doc, "pool-size")?;
    let select: HtmlSelectElement = slot(&label, "select")?.unchecked_into();
    for n in 1..=size.clamp(16, MAX_THREADS) {
        let option = element(doc, "option", "", &n.to_string())?;
        option.set_attribute("value", &n.to_string())?;
        select.append_child(&option)?;
    }
    select.set_value(&size.to_string());
    let chosen = select.clone();
    let on_change = Closure::<dyn Fn()>::new(move || {
        let Some(window) = web_sys::window() else {
            return;
        };
        let location = window.location();
        let search = location.search().unwrap_or_default();
        if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
            params.set("threads", &chosen.value());
            let _ = location.set_search(&String::from(params.to_string()));
        }
    });
    select.set_onchange(Some(on_change.as_ref().unchecked_ref()));
    // The list lives as long as the page.
    on_change.forget();
    row.append_child(&label)?;
    Ok(())
}
