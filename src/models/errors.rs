//! The errors run's units: each runs `work()`, which raises, and the run
//! sees where the error goes (see `crate::core::errors`, which builds the report).
//! A thread's top level prints the error, as `threading.excepthook` does,
//! and the caller's `join()` returns with nothing; a process's top level
//! prints it and exits with code 1, all its parent sees; a coroutine's error
//! comes back as the value of its `.await`, where the caller catches it.

use std::sync::{Arc, Mutex};

use futures_channel::oneshot;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;

use super::entry::Entry;
use crate::core::errors::{ErrorsModel, Outcome, Raised, SourceLines, traceback, work};
use crate::runtime::messages::ToPage;
use crate::runtime::steps::step;
use crate::runtime::threads::{self, Process};

/// Runs `work()` in a unit of `model`; `at`: where the listing's lines are.
pub async fn run(model: ErrorsModel, at: SourceLines) -> Result<Outcome, String> {
    match model {
        ErrorsModel::Thread => in_a_thread(at).await,
        ErrorsModel::Process => in_a_process(at).await,
        ErrorsModel::Coroutine => Ok(in_a_coroutine(at).await),
    }
}

// tag::errors-thread[]
async fn in_a_thread(at: SourceLines) -> Result<Outcome, String> {
    // step: start
    step("start");
    // The process's stderr, which its threads share.
    let stderr: Arc<Mutex<Vec<String>>> = Arc::default();
    let (joined, join) = oneshot::channel::<()>();
    let printed = Arc::clone(&stderr);
    // `Thread(target=work).start()`: the thread's top level is Python's
    // `_bootstrap_inner`, which hands an exception to `threading.excepthook`.
    let worker = threads::spawn("spinlab errors Thread-1 (work)", move || {
        if let Err(raised) = work() {
            let lines = traceback(ErrorsModel::Thread, raised, at);
            printed.lock().expect("stderr").extend(lines);
        }
        let _ = joined.send(());
        threads::exit_current_thread();
    })
    .map_err(|e| {
        format!(
            "cannot start the thread: {}",
            crate::runtime::js_error_message(&e)
        )
    })?;
    // A thread that fails to start says so, instead of a join that never returns.
    let (failed, failure) = oneshot::channel::<String>();
    let failed = std::cell::RefCell::new(Some(failed));
    let _watch = threads::watch(&worker, move |reason| {
        if let Some(failed) = failed.borrow_mut().take() {
            let _ = failed.send(reason);
        }
    });
    // step: stop
    step("stop");
    // `unit.join()`: returns when the thread ends, with no value either way.
    match futures_util::future::select(join, failure).await {
        futures_util::future::Either::Left(_) => {}
        futures_util::future::Either::Right((reason, _)) => {
            return Err(format!(
                "the thread failed to start: {}",
                reason.unwrap_or_default()
            ));
        }
    }
    let printed = stderr.lock().map(|s| s.clone()).unwrap_or_default();
    Ok(Outcome {
        model: ErrorsModel::Thread,
        printed,
        caught: None,
        result: None,
        exit_code: None,
    })
}
// end::errors-thread[]

// tag::errors-process[]
async fn in_a_process(at: SourceLines) -> Result<Outcome, String> {
    // step: start
    step("start");
    // `Process(target=work).start()`: a worker with a memory of its own.
    let payload = crate::runtime::object(&[
        ("work", (at.work as u32).into()),
        ("awaitWork", (at.await_work as u32).into()),
    ]);
    let mut process = Process::spawn(
        "spinlab errors Process-1",
        Entry::Errors.key(),
        &payload.into(),
        &js_sys::Array::new(),
    )?;
    // step: stop
    step("stop");
    // `unit.join()`: its last message is its exit; what it printed went to
    // the terminal the page shares with it (the transcript).
    let ToPage::Exited {
        stderr: printed,
        exit_code,
    } = process.recv().await?
    else {
        return Err("the process did not say how it exited".into());
    };
    Ok(Outcome {
        model: ErrorsModel::Process,
        printed,
        caught: None,
        result: None,
        exit_code,
    })
}

/// The process's `main` (`Entry::Errors`): runs `work()`; an exception is
/// printed and ends the process with exit code 1, as multiprocessing's
/// `_bootstrap` does.
pub fn child(payload: JsValue) {
    let line = |key: &str| {
        Reflect::get(&payload, &key.into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0) as usize
    };
    let at = SourceLines {
        work: line("work"),
        await_work: line("awaitWork"),
    };
    let (stderr, exit_code) = match work() {
        Ok(_) => (Vec::new(), 0),
        Err(raised) => (traceback(ErrorsModel::Process, raised, at), 1),
    };
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let exit_code = Some(exit_code);
    let _ = scope.post_message(&ToPage::Exited { stderr, exit_code }.encode());
    scope.close();
}
// end::errors-process[]

// tag::errors-coroutine[]
async fn in_a_coroutine(at: SourceLines) -> Outcome {
    // step: start
    step("start");
    // `await work()`: the coroutine's error is the value of its `.await`.
    let outcome = coroutine_work().await;
    // step: stop
    step("stop");
    // `except ZeroDivisionError: traceback.print_exc()`, in the caller.
    let (printed, caught) = match outcome {
        Ok(_) => (Vec::new(), None),
        Err(raised) => (traceback(ErrorsModel::Coroutine, raised, at), Some(raised)),
    };
    Outcome {
        model: ErrorsModel::Coroutine,
        printed,
        caught,
        result: outcome.ok(),
        exit_code: None,
    }
}

async fn coroutine_work() -> Result<i64, Raised> {
    work()
}
// end::errors-coroutine[]
