//! The big picture's first point, errors included: a unit's result, and the
//! error it meets, come back only through a channel. Each unit runs the same
//! work, which fails (`1 / 0` in the page's Python; an integer division that
//! returns an error here), and the run reports where the error went:
//! printed by the thread's `excepthook` and lost to the caller, printed by
//! the child process before it exits with code 1, or raised at the
//! coroutine's `await` and caught by the caller's `try`/`except`.
//!
//! Pure: the work, the traceback each unit prints (as CPython 3.11 prints
//! it for the page's listings) and the report. The units themselves are in
//! `models/errors.rs`, the panel in `ui/errors_lab.rs`.

use crate::core::report::{Lines, Value};

/// `spinlab.runErrors`'s `model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorsModel {
    Thread,
    Process,
    Coroutine,
}

impl ErrorsModel {
    pub const ALL: [ErrorsModel; 3] = [
        ErrorsModel::Thread,
        ErrorsModel::Process,
        ErrorsModel::Coroutine,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ErrorsModel::Thread => "thread",
            ErrorsModel::Process => "process",
            ErrorsModel::Coroutine => "coroutine",
        }
    }

    pub fn parse(key: &str) -> Option<ErrorsModel> {
        ErrorsModel::ALL.into_iter().find(|m| m.key() == key)
    }

    /// The listing's file (`python/errors.rs`).
    pub fn file(self) -> &'static str {
        match self {
            ErrorsModel::Thread => "errors_thread.py",
            ErrorsModel::Process => "errors_proc.py",
            ErrorsModel::Coroutine => "errors_async.py",
        }
    }
}

/// An exception: its class's name and its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raised {
    pub name: &'static str,
    pub message: &'static str,
}

/// What `1 / 0` raises.
pub const ZERO_DIVISION: Raised = Raised {
    name: "ZeroDivisionError",
    message: "division by zero",
};

impl Raised {
    /// The traceback's last line: `ZeroDivisionError: division by zero`.
    pub fn line(self) -> String {
        format!("{}: {}", self.name, self.message)
    }
}

/// The units' work: `numerator / denominator`, an error when the
/// denominator is zero (as Python's `/` raises; Rust's float division
/// would give infinity, so the integers are divided).
pub fn divide(numerator: i64, denominator: i64) -> Result<i64, Raised> {
    numerator.checked_div(denominator).ok_or(ZERO_DIVISION)
}

/// The work each unit runs: `return 1 / 0`.
pub fn work() -> Result<i64, Raised> {
    divide(1, 0)
}

/// Where a line of the listing is, for the traceback's `File` lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceLines {
    /// `return 1 / 0`'s line, in `work`.
    pub work: usize,
    /// `await work()`'s line, in `main` (the coroutine's listing).
    pub await_work: usize,
}

/// What CPython 3.11 prints when the work raises in `model`'s unit, for the
/// listing of `model` (`at`: where its lines are). Paths of the Python
/// installation and of the script are shown as `…/`, and the standard
/// library's line numbers as `…`: both differ from one Python to another.
pub fn traceback(model: ErrorsModel, raised: Raised, at: SourceLines) -> Vec<String> {
    let file = model.file();
    let mut out = match model {
        ErrorsModel::Thread => vec![
            "Exception in thread Thread-1 (work):".to_string(),
            "Traceback (most recent call last):".to_string(),
            "  File \"…/threading.py\", line …, in _bootstrap_inner".to_string(),
            "    self.run()".to_string(),
            "  File \"…/threading.py\", line …, in run".to_string(),
            "    self._target(*self._args, **self._kwargs)".to_string(),
        ],
        ErrorsModel::Process => vec![
            "Process Process-1:".to_string(),
            "Traceback (most recent call last):".to_string(),
            "  File \"…/multiprocessing/process.py\", line …, in _bootstrap".to_string(),
            "    self.run()".to_string(),
            "  File \"…/multiprocessing/process.py\", line …, in run".to_string(),
            "    self._target(*self._args, **self._kwargs)".to_string(),
        ],
        ErrorsModel::Coroutine => vec![
            "Traceback (most recent call last):".to_string(),
            format!("  File \"…/{file}\", line {}, in main", at.await_work),
            "    await work()  # the exception rises here, in the caller".to_string(),
            "    ^^^^^^^^^^^^".to_string(),
        ],
    };
    out.push(format!("  File \"…/{file}\", line {}, in work", at.work));
    out.push("    return 1 / 0".to_string());
    out.push("           ~~^~~".to_string());
    out.push(raised.line());
    out
}

/// What became of one run's error, as the units and the caller saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub model: ErrorsModel,
    /// What the units printed (their stderr, the same terminal as the
    /// caller's): the traceback.
    pub printed: Vec<String>,
    /// The caller's own `except` caught this (the coroutine's).
    pub caught: Option<Raised>,
    /// A value the caller got back (none, when the work raised).
    pub result: Option<i64>,
    /// The child's exit code (the process's).
    pub exit_code: Option<i32>,
}

/// `runErrors`'s report: `{ experiment: "errors", model, raised,
/// reachedCaller, exitCode, transcript, notes }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub model: ErrorsModel,
    /// The exception's name, read off the traceback's last line (`None`:
    /// nothing was raised).
    pub raised: Option<String>,
    pub reached_caller: bool,
    pub exit_code: Option<i32>,
    pub lines: Lines,
}

impl Report {
    /// One sentence: where the error went.
    pub fn where_it_went(&self) -> String {
        let raised = self.raised.as_deref().unwrap_or("nothing");
        match (self.model, self.reached_caller, self.exit_code) {
            (_, true, _) => format!("{raised} rose at the await; the caller's except caught it."),
            (ErrorsModel::Process, false, Some(code)) => format!(
                "{raised} was printed by the child, which exited with code {code}: the parent \
                 saw only exitcode == {code}."
            ),
            _ => format!(
                "{raised} was printed by threading.excepthook in the thread; join() returned \
                 and the caller got nothing."
            ),
        }
    }
}

/// The report of a run, from what the units and the caller saw.
pub fn report(outcome: &Outcome) -> Report {
    let raised = outcome
        .printed
        .last()
        .and_then(|line| line.split_once(": "))
        .map(|(name, _)| name.to_string());
    let mut lines = outcome.printed.clone();
    lines.extend(notes(outcome).into_iter().map(|n| format!("# {n}")));
    Report {
        model: outcome.model,
        raised,
        reached_caller: outcome.caught.is_some(),
        exit_code: outcome.exit_code,
        lines: Lines::of(&lines),
    }
}

/// The page's notes on a run: where the error went, and what each unit is here.
fn notes(outcome: &Outcome) -> Vec<String> {
    let got = match outcome.result {
        Some(value) => format!("the caller got {value}"),
        None => "the caller got no result".to_string(),
    };
    let path = match outcome.model {
        ErrorsModel::Thread => format!(
            "threading.excepthook printed the error in the thread; join() returned normally \
             and {got}: nothing in the caller's code saw the exception"
        ),
        ErrorsModel::Process => format!(
            "the child printed its traceback and exited with code {}; the parent's join() \
             returned and {got}: all it can see is unit.exitcode",
            outcome.exit_code.map_or("?".to_string(), |c| c.to_string())
        ),
        ErrorsModel::Coroutine => format!(
            "the exception rose at the await, in the caller, and its try/except caught it \
             ({got} but the exception itself)"
        ),
    };
    let here = match outcome.model {
        ErrorsModel::Thread => {
            "here the thread is a wasm thread; its work is a Rust integer division that \
             returns an error, which the thread's top level prints, as excepthook does"
        }
        ErrorsModel::Process => {
            "here the process is a worker with a memory of its own; its top level prints the \
             error and posts exit code 1 as its last message, as multiprocessing's bootstrap \
             does with sys.exit(1)"
        }
        ErrorsModel::Coroutine => {
            "here the coroutine is a Rust async fn on the page's event loop, whose error comes \
             back as the value of its .await"
        }
    };
    vec![
        path,
        here.to_string(),
        "paths of the Python installation and of the script are shown as …/, and the \
         standard library's line numbers as …: they differ from one Python to another"
            .to_string(),
    ]
}

impl From<&Report> for Value {
    fn from(r: &Report) -> Value {
        let mut fields = vec![
            ("experiment", "errors".into()),
            ("model", r.model.key().into()),
            ("raised", r.raised.clone().into()),
            ("reachedCaller", r.reached_caller.into()),
            ("exitCode", r.exit_code.map(f64::from).into()),
        ];
        fields.extend([
            ("transcript", r.lines.transcript.clone().into()),
            ("notes", r.lines.notes.clone().into()),
        ]);
        Value::Obj(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: SourceLines = SourceLines {
        work: 8,
        await_work: 14,
    };

    #[test]
    fn the_work_raises_zero_division_and_divides_otherwise() {
        assert_eq!(work(), Err(ZERO_DIVISION));
        assert_eq!(divide(7, 2), Ok(3));
        assert_eq!(ZERO_DIVISION.line(), "ZeroDivisionError: division by zero");
    }

    #[test]
    fn each_traceback_starts_and_ends_as_cpython_prints_it() {
        let thread = traceback(ErrorsModel::Thread, ZERO_DIVISION, AT);
        assert_eq!(thread[0], "Exception in thread Thread-1 (work):");
        assert_eq!(
            thread.last().unwrap(),
            "ZeroDivisionError: division by zero"
        );
        assert!(thread.contains(&"  File \"…/errors_thread.py\", line 8, in work".to_string()));
        let process = traceback(ErrorsModel::Process, ZERO_DIVISION, AT);
        assert_eq!(process[0], "Process Process-1:");
        assert_eq!(process[1], "Traceback (most recent call last):");
        let coroutine = traceback(ErrorsModel::Coroutine, ZERO_DIVISION, AT);
        assert_eq!(coroutine[0], "Traceback (most recent call last):");
        assert_eq!(
            coroutine[1],
            "  File \"…/errors_async.py\", line 14, in main"
        );
    }

    /// The error's path through each unit, as the report tells it.
    #[test]
    fn the_report_says_where_the_error_went() {
        let thread = report(&Outcome {
            model: ErrorsModel::Thread,
            printed: traceback(ErrorsModel::Thread, ZERO_DIVISION, AT),
            caught: None,
            result: None,
            exit_code: None,
        });
        assert_eq!(thread.raised.as_deref(), Some("ZeroDivisionError"));
        assert!(!thread.reached_caller);
        assert_eq!(thread.exit_code, None);
        assert_eq!(thread.lines.transcript.len(), 10);
        assert!(thread.lines.notes[0].contains("join() returned normally"));
        assert!(thread.where_it_went().contains("excepthook"));

        let process = report(&Outcome {
            model: ErrorsModel::Process,
            printed: traceback(ErrorsModel::Process, ZERO_DIVISION, AT),
            caught: None,
            result: None,
            exit_code: Some(1),
        });
        assert_eq!(process.exit_code, Some(1));
        assert!(!process.reached_caller);
        assert!(process.where_it_went().contains("exitcode == 1"));

        let coroutine = report(&Outcome {
            model: ErrorsModel::Coroutine,
            printed: traceback(ErrorsModel::Coroutine, ZERO_DIVISION, AT),
            caught: Some(ZERO_DIVISION),
            result: None,
            exit_code: None,
        });
        assert!(coroutine.reached_caller);
        assert!(coroutine.where_it_went().contains("caught"));
        let value = Value::from(&coroutine);
        assert_eq!(value.get("experiment"), Some(&Value::from("errors")));
        assert_eq!(value.get("reachedCaller"), Some(&Value::Bool(true)));
        assert_eq!(value.get("exitCode"), Some(&Value::Null));
        assert_eq!(value.get("raised"), Some(&Value::from("ZeroDivisionError")));
    }

    #[test]
    fn the_models_parse_from_their_keys() {
        for model in ErrorsModel::ALL {
            assert_eq!(ErrorsModel::parse(model.key()), Some(model));
        }
        assert_eq!(ErrorsModel::parse("greenlet"), None);
    }
}
