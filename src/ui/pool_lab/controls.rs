//! The pool lab's buttons: a mode's button starts a run with what the
//! controls say, a stop button stops it, the sweep's and the split's start theirs.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::options::{PoolRequest, calibrated_numbers, check_request, reader_sleep_ms};
use super::run::{cancel_pool, run_pool};
use super::sweep::{run_split, run_sweep};
use super::{PoolLab, PoolView};
use crate::core::primes::{Calibration, NUMBERS, parse_number_list};
use crate::core::protocol::{Design, IO_MAX_WORKERS, JobKind, Mode};
use crate::ui::dom::{on_click, read_switch_interval};

impl PoolView {
    pub fn wire(&self, app: &Rc<PoolLab>) {
        super::replay::wire_replay(app);
        for (mode, button) in &self.modes {
            let (app, mode) = (Rc::clone(app), *mode);
            on_click(button, move || {
                let app = Rc::clone(&app);
                spawn_local(async move {
                    let calibration = app.calibrated().await;
                    let request = app.view.request_from_controls(mode, &calibration);
                    let _ = match request {
                        Ok(request) => run_pool(&app, request).await,
                        Err(message) => {
                            app.view.output.say(&message, "error");
                            Err(message)
                        }
                    };
                });
            });
        }
        {
            let app = Rc::clone(app);
            on_click(&self.clear_button, move || app.view.clear_runs());
        }
        for (policy, button) in &self.stops {
            let (app, policy) = (Rc::clone(app), *policy);
            on_click(button, move || {
                let app = Rc::clone(&app);
                spawn_local(async move {
                    let _ = cancel_pool(&app, policy).await;
                });
            });
        }
        {
            let app = Rc::clone(app);
            on_click(&self.sweep_button, move || {
                let app = Rc::clone(&app);
                let mode = Mode::parse(&app.view.sweep_mode.value()).unwrap_or(Mode::Processes);
                let to = app.view.sweep_to.value().parse().unwrap_or(1);
                let rounds = app.view.sweep_rounds.value().parse().unwrap_or(1);
                spawn_local(async move {
                    let _ = run_sweep(&app, mode, to, rounds).await;
                });
            });
        }
        {
            let app = Rc::clone(app);
            on_click(&self.split_button, move || {
                let app = Rc::clone(&app);
                spawn_local(async move {
                    let _ = run_split(&app, None, None).await;
                });
            });
        }
        let numbers = self.numbers.clone();
        let workload = self.workload.clone();
        let workers = self.workers.clone();
        let cores = self.max_workers;
        let on_change = Closure::<dyn FnMut()>::new(move || {
            let value = workload.value();
            numbers.set_hidden(value != "custom");
            // Threads that mostly wait may outnumber the cores.
            let most = if matches!(value.as_str(), "io" | "mixed") {
                IO_MAX_WORKERS
            } else {
                cores
            };
            let _ = workers.set_attribute("max", &most.to_string());
        });
        self.workload
            .set_onchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
    }

    fn request_from_controls(
        &self,
        mode: Mode,
        calibration: &Result<Calibration, String>,
    ) -> Result<PoolRequest, String> {
        let workers = self.workers.value();
        let workers = workers.trim().parse::<usize>().map_err(|_| {
            format!(
                "workers must be a whole number from 1 to {}, not {workers:?}",
                self.max_workers
            )
        })?;
        let workload = self.workload.value();
        let numbers = match workload.as_str() {
            "custom" => parse_number_list(&self.numbers.value())?,
            "calibrated" => calibrated_numbers(calibration)?,
            _ => NUMBERS.to_vec(),
        };
        let kind = match workload.as_str() {
            "io" => JobKind::Io,
            "mixed" => JobKind::Mixed,
            _ => JobKind::Cpu,
        };
        let race_delay_ms = if self.race.checked() && self.race_delay.checked() {
            reader_sleep_ms(calibration)
        } else {
            0
        };
        let mut request = check_request(
            mode,
            workers,
            numbers,
            self.max_workers,
            Design::of(self.race.checked(), self.per_job.checked())?,
            race_delay_ms,
            kind,
        )?;
        if mode == Mode::ThreadsGil {
            request.switch_interval = read_switch_interval(&self.switch_interval);
        }
        Ok(request)
    }
}
