//! "You are the scheduler", in the lock lab: the learner gives the turn to
//! one unit at a time and watches `counter += 1` lose an update, or, with
//! the lock, watches the others wait. The schedule itself is pure
//! ([`crate::core::schedule`]); this file reads the controls and the API's
//! options, and renders a schedule in one short function.
//! `spinlab.schedule` runs a whole order and shows it here too.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlButtonElement, HtmlInputElement, HtmlSelectElement};

use super::context::Context;
use super::dom::{
    Options, bool_option, control, describe as describe_js, on_click, publish, slot, template,
    whole_number_option,
};
use crate::core::schedule::{MAX_INCREMENTS, Plan, Refusal, Scheduler, UNITS, describe, run};
use crate::core::trace::schedule_trace;

/// The panel: its controls, a row per unit, the counter, the log.
pub struct SchedulerView {
    units: HtmlSelectElement,
    increments: HtmlInputElement,
    lock: HtmlInputElement,
    every: HtmlSelectElement,
    reset: HtmlButtonElement,
    auto: HtmlButtonElement,
    undo: HtmlButtonElement,
    rows: Element,
    counter: Element,
    tally: Element,
    log: Element,
    state: RefCell<Scheduler>,
}

impl SchedulerView {
    pub fn render(section: &Element) -> Result<Rc<SchedulerView>, JsValue> {
        let panel: Element = control(section, "[data-role=scheduler]")?;
        // Last in the lab, after the run's output and its code.
        section.append_child(&panel)?;
        let view = Rc::new(SchedulerView {
            units: control(&panel, "select[data-role=schedule-units]")?,
            increments: control(&panel, "input[data-role=schedule-increments]")?,
            lock: control(&panel, "input[data-role=schedule-lock]")?,
            every: control(&panel, "select[data-role=schedule-every]")?,
            reset: control(&panel, "button[data-role=schedule-reset]")?,
            auto: control(&panel, "button[data-role=schedule-auto]")?,
            undo: control(&panel, "button[data-role=schedule-undo]")?,
            rows: control(&panel, "[data-role=schedule-turns]")?,
            counter: control(&panel, "[data-role=schedule-counter]")?,
            tally: control(&panel, "[data-role=schedule-tally]")?,
            log: control(&panel, "[data-role=schedule-log]")?,
            state: RefCell::new(Scheduler::new(
                Plan::new(2, 2, false).map_err(JsValue::from)?,
            )),
        });
        view.wire();
        view.start_over();
        Ok(view)
    }

    fn wire(self: &Rc<Self>) {
        let bind = |button: &HtmlButtonElement, act: fn(&SchedulerView)| {
            let view = Rc::clone(self);
            on_click(button, move || act(&view));
        };
        bind(&self.reset, SchedulerView::start_over);
        bind(&self.auto, |view| {
            let every = view.every.value().parse().unwrap_or(1);
            view.state.borrow_mut().auto(every);
            view.show();
        });
        bind(&self.undo, SchedulerView::step_back);
        // A unit's button gives it the turn (one listener for every row).
        let view = Rc::clone(self);
        let on_turn = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            let unit = event
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|el| el.closest("button[data-unit]").ok().flatten())
                .and_then(|button| button.get_attribute("data-unit")?.parse().ok());
            if let Some(unit) = unit {
                view.give_turn(unit);
            }
        });
        let _ = self
            .rows
            .add_event_listener_with_callback("click", on_turn.as_ref().unchecked_ref());
        on_turn.forget(); // the panel lives as long as the page
        // A new plan starts a new schedule.
        let targets: [&web_sys::HtmlElement; 3] = [&self.units, &self.increments, &self.lock];
        for target in targets {
            let view = Rc::clone(self);
            let on_change = Closure::<dyn Fn()>::new(move || view.start_over());
            target.set_onchange(Some(on_change.as_ref().unchecked_ref()));
            on_change.forget(); // the panel lives as long as the page
        }
    }

    /// A fresh schedule from the controls.
    fn start_over(&self) {
        let units = self.units.value().parse().unwrap_or(2);
        let increments = self
            .increments
            .value()
            .parse()
            .unwrap_or(2)
            .clamp(1, MAX_INCREMENTS);
        self.increments.set_value(&increments.to_string());
        if let Ok(plan) = Plan::new(units, increments, self.lock.checked()) {
            self.replace(Scheduler::new(plan));
        }
    }

    /// The last step taken back: the same schedule replayed without it.
    fn step_back(&self) {
        let (plan, order) = {
            let state = self.state.borrow();
            let steps = state.steps();
            let order: Vec<usize> = steps
                .iter()
                .take(steps.len().saturating_sub(1))
                .map(|s| s.unit)
                .collect();
            (state.plan(), order)
        };
        let mut back = Scheduler::new(plan);
        for unit in order {
            let _ = back.step(unit);
        }
        self.replace(back);
    }

    /// Shows `scheduler` from its first step.
    fn replace(&self, scheduler: Scheduler) {
        *self.state.borrow_mut() = scheduler;
        self.log.set_text_content(None);
        self.rows.set_text_content(None);
        self.show();
    }

    /// `unit` takes the turn (its button).
    fn give_turn(&self, unit: usize) {
        let refused = self.state.borrow_mut().step(unit).err();
        if let Some(refusal) = refused {
            self.tally.set_text_content(Some(&refusal.to_string()));
            return;
        }
        self.show();
        // A unit that has finished or waits is disabled: the keyboard's
        // focus moves on to a unit that can move, or to Auto.
        if self.state.borrow().can_step(unit).is_err() {
            let next = self
                .rows
                .query_selector("button[data-unit]:not([disabled])")
                .ok()
                .flatten();
            match next {
                Some(next) => {
                    let _ = next.unchecked_into::<web_sys::HtmlElement>().focus();
                }
                None => {
                    let _ = self.reset.focus();
                }
            }
        }
    }

    /// The schedule as it stands: each unit's button (the step it takes
    /// next, or why it cannot), its local, the counter, the tally, the
    /// steps not yet in the log.
    fn show(&self) {
        let state = self.state.borrow();
        let plan = state.plan();
        if self.rows.child_element_count() as usize != plan.units {
            self.rows.set_text_content(None);
            for unit in 0..plan.units {
                let _ = self.add_row(unit);
            }
        }
        let Ok(rows) = self.rows.query_selector_all(".schedule-unit") else {
            return;
        };
        for unit in 0..plan.units {
            let Some(row) = rows
                .get(unit as u32)
                .and_then(|r| r.dyn_into::<Element>().ok())
            else {
                continue;
            };
            let (Ok(button), Ok(local)) = (slot(&row, "button"), slot(&row, "local")) else {
                continue;
            };
            let (label, can) = turn_label(&state, unit);
            button.set_text_content(Some(&label));
            button
                .unchecked_ref::<HtmlButtonElement>()
                .set_disabled(!can);
            local.set_text_content(Some(&state.local(unit).unwrap_or(0).to_string()));
        }
        self.counter
            .set_text_content(Some(&state.counter().to_string()));
        self.tally.set_text_content(Some(&tally(&state)));
        self.undo.set_disabled(state.steps().is_empty());
        self.auto.set_disabled(state.finished());
        let shown = self.log.child_element_count() as usize;
        for index in shown..state.steps().len() {
            let Some(doc) = self.log.owner_document() else {
                return;
            };
            if let Ok(item) = doc.create_element("li") {
                item.set_text_content(Some(&describe(state.steps(), index)));
                if !state.steps()[index].overwrote.is_empty() {
                    item.set_class_name("lost");
                }
                let _ = self.log.append_child(&item);
            }
        }
    }

    fn add_row(&self, unit: usize) -> Result<(), JsValue> {
        let doc: Document = self.rows.owner_document().ok_or("no document")?;
        let row = template(&doc, "schedule-unit")?;
        slot(&row, "button")?.set_attribute("data-unit", &unit.to_string())?;
        self.rows.append_child(&row)?;
        Ok(())
    }

    /// Shows a whole run of `spinlab.schedule`.
    fn show_run(&self, plan: Plan, order: &[usize]) {
        self.units.set_value(&plan.units.to_string());
        self.increments.set_value(&plan.increments.to_string());
        self.lock.set_checked(plan.lock);
        let mut scheduler = Scheduler::new(plan);
        for &unit in order {
            let _ = scheduler.step(unit);
        }
        self.replace(scheduler);
    }
}

/// What a unit's button says, and whether it may be pressed.
fn turn_label(state: &Scheduler, unit: usize) -> (String, bool) {
    match state.can_step(unit) {
        Ok(op) => (format!("unit {unit}: {}", op.python()), true),
        Err(Refusal::Waits { .. }) => (format!("unit {unit}: waiting for the lock"), false),
        Err(_) => (format!("unit {unit}: done"), false),
    }
}

/// The line under the counter: how far the run is, and at its end what was
/// lost.
fn tally(state: &Scheduler) -> String {
    let o = state.outcome();
    if state.finished() {
        let lost = match o.lost {
            0 => "nothing lost".to_string(),
            1 => "1 update lost".to_string(),
            n => format!("{n} updates lost"),
        };
        return format!("expected {} · got {} · {lost}", o.expected, o.got);
    }
    format!(
        "step {} of {} · expected {} at the end",
        o.steps.len(),
        o.plan.total_steps(),
        o.expected
    )
}

/// `spinlab.schedule({ units, increments, lock, order })`: the whole order
/// run, shown in the panel, its report returned.
pub fn schedule(view: &SchedulerView, ctx: &Context, options: &JsValue) -> Result<JsValue, String> {
    let checked =
        schedule_options(options).and_then(|(plan, order)| Ok((run(plan, &order)?, plan, order)));
    match checked {
        Ok((outcome, plan, order)) => {
            view.show_run(plan, &order);
            ctx.keep_trace(&schedule_trace(&outcome));
            Ok(publish(&outcome))
        }
        Err(message) => {
            // Said where the schedule shows; the panel's run is left as it was.
            view.tally.set_text_content(Some(&message));
            Err(message)
        }
    }
}

/// The options of `spinlab.schedule`, checked.
fn schedule_options(options: &JsValue) -> Result<(Plan, Vec<usize>), String> {
    let known = ["units", "increments", "lock", "order"];
    let options = Options::read(options, "schedule", &known)?;
    let get = |key: &str| options.get(key);
    let units =
        whole_number_option(&get("units"), "units", *UNITS.start(), *UNITS.end())?.unwrap_or(2);
    let increments =
        whole_number_option(&get("increments"), "increments", 1, MAX_INCREMENTS as usize)?
            .unwrap_or(1) as u32;
    let lock = bool_option(&get("lock"), "lock")?.unwrap_or(false);
    let plan = Plan::new(units, increments, lock)?;
    let order = get("order");
    if !js_sys::Array::is_array(&order) {
        return Err(format!(
            "schedule needs an order: the unit (0 to {}) that takes each step, {} in all; not {}",
            units - 1,
            plan.total_steps(),
            describe_js(&order)
        ));
    }
    let order = js_sys::Array::from(&order)
        .iter()
        .enumerate()
        .map(|(i, unit)| {
            whole_number_option(&unit, &format!("order[{i}]"), 0, units - 1)?
                .ok_or_else(|| format!("order[{i}] must be a unit from 0 to {}", units - 1))
        })
        .collect::<Result<Vec<usize>, String>>()?;
    Ok((plan, order))
}
