//! Drawing surfaces: the 2D canvas a spinner draws on, on the page or
//! offscreen in a worker, and the page's colours handed to it.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// Where a spinner draws: a 2D canvas, on the page or offscreen in a worker.
pub trait Surface {
    fn draw(&self, text: &str);
    fn blank(&self);
}

/// The colours and scale the page hands to a spinner, so that a worker draws
/// in the page's theme. Crosses to workers as a plain object.
#[derive(Clone, Debug)]
pub struct Style {
    pub scale: f64,
    pub ink: String,
    pub paper: String,
}

impl Style {
    pub fn to_js(&self) -> JsValue {
        super::object(&[
            ("scale", self.scale.into()),
            ("ink", self.ink.as_str().into()),
            ("paper", self.paper.as_str().into()),
        ])
        .into()
    }

    pub fn from_js(value: &JsValue) -> Style {
        let get = |k: &str| Reflect::get(value, &k.into()).unwrap_or_default();
        Style {
            scale: get("scale").as_f64().unwrap_or(1.0),
            ink: get("ink").as_string().unwrap_or_else(|| "#e6e6e3".into()),
            paper: get("paper").as_string().unwrap_or_else(|| "#15171c".into()),
        }
    }
}

/// A 2D canvas context that draws the spinner's line like a terminal would.
pub struct Canvas2d<C> {
    context: C,
    style: Style,
    width: f64,
    height: f64,
}

macro_rules! canvas_surface {
    ($context:ty) => {
        impl Surface for Canvas2d<$context> {
            fn draw(&self, text: &str) {
                self.blank();
                let px = 22.0 * self.style.scale;
                self.context.set_fill_style_str(&self.style.ink);
                self.context.set_font(&format!(
                    "600 {px}px ui-monospace, Menlo, Consolas, monospace"
                ));
                let _ = self.context.fill_text(
                    text,
                    14.0 * self.style.scale,
                    self.height / 2.0 + px * 0.35,
                );
            }

            fn blank(&self) {
                self.context.set_fill_style_str(&self.style.paper);
                self.context.fill_rect(0.0, 0.0, self.width, self.height);
            }
        }
    };
}
canvas_surface!(web_sys::CanvasRenderingContext2d);
canvas_surface!(web_sys::OffscreenCanvasRenderingContext2d);

impl<C: JsCast> Canvas2d<C> {
    fn from_context(
        context: Result<Option<js_sys::Object>, JsValue>,
        width: u32,
        height: u32,
        style: Style,
    ) -> Result<Self, JsValue> {
        Ok(Canvas2d {
            context: context?.ok_or("no 2d context")?.unchecked_into::<C>(),
            style,
            width: f64::from(width),
            height: f64::from(height),
        })
    }
}

impl Canvas2d<web_sys::OffscreenCanvasRenderingContext2d> {
    /// The surface of an `OffscreenCanvas` transferred to this worker.
    pub fn offscreen(canvas: &web_sys::OffscreenCanvas, style: Style) -> Result<Self, JsValue> {
        Self::from_context(
            canvas.get_context("2d"),
            canvas.width(),
            canvas.height(),
            style,
        )
    }
}

impl Canvas2d<web_sys::CanvasRenderingContext2d> {
    /// The surface of a canvas on the page (the coroutine's spinner).
    pub fn onscreen(canvas: &web_sys::HtmlCanvasElement, style: Style) -> Result<Self, JsValue> {
        Self::from_context(
            canvas.get_context("2d"),
            canvas.width(),
            canvas.height(),
            style,
        )
    }
}

/// Transfers `canvas` to a worker-to-be: the payload (`{ canvas, style }`)
/// and its transfer list. `who` names the worker in the error.
pub fn offscreen_payload(
    canvas: &web_sys::HtmlCanvasElement,
    style: &Style,
    who: &str,
) -> Result<(JsValue, js_sys::Array), String> {
    let offscreen = canvas.transfer_control_to_offscreen().map_err(|e| {
        format!(
            "cannot hand the canvas to {who}: {}",
            super::js_error_message(&e)
        )
    })?;
    let payload = super::object(&[
        ("canvas", offscreen.clone().into()),
        ("style", style.to_js()),
    ]);
    Ok((payload.into(), js_sys::Array::of1(&offscreen)))
}

/// The worker side of [`offscreen_payload`]: the canvas's surface.
pub fn surface_from_payload(
    payload: &JsValue,
) -> Result<Canvas2d<web_sys::OffscreenCanvasRenderingContext2d>, String> {
    let get = |k: &str| Reflect::get(payload, &k.into()).unwrap_or_default();
    let canvas: web_sys::OffscreenCanvas = get("canvas").unchecked_into();
    Canvas2d::offscreen(&canvas, Style::from_js(&get("style")))
        .map_err(|e| super::js_error_message(&e))
}

impl Style {
    /// The spinner's colours from the page's theme.
    pub fn from_page(scale: f64) -> Style {
        Style {
            scale,
            ink: css_var("--term-ink", "#e6e6e3"),
            paper: css_var("--term-paper", "#15171c"),
        }
    }
}

/// A CSS custom property of the page's root, or `fallback`.
pub fn css_var(name: &str, fallback: &str) -> String {
    web_sys::window()
        .and_then(|w| {
            let root = w.document()?.document_element()?;
            w.get_computed_style(&root).ok().flatten()
        })
        .and_then(|style| style.get_property_value(name).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}
