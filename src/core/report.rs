//! The runs' reports as Rust values: what `window.spinlab`'s promises
//! resolve with and the `spinlab:report` event carries, field for field as
//! `docs/api.md` names them. Pure: a report becomes a [`Value`] here, and
//! the one conversion of a [`Value`] to a JS object is the ui's
//! (`ui::dom::to_js`). Numbers that may exceed 2^53 (the numbers checked)
//! travel as decimal strings.

/// A JSON-like value: what a report is made of.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Value>),
    /// Fields in the order the API lists them.
    Obj(Vec<(&'static str, Value)>),
}

impl Value {
    /// A number checked (`u64`), as its decimal string.
    pub fn decimal(n: u64) -> Value {
        Value::Str(n.to_string())
    }

    /// Numbers checked, as decimal strings.
    pub fn decimals(ns: &[u64]) -> Value {
        Value::List(ns.iter().copied().map(Value::decimal).collect())
    }

    /// A field of an object, if this is one and has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl Value {
    /// The value as JSON: what `bench/results.json` holds. Numbers keep
    /// four decimals (more than any figure here has); a number that is not
    /// finite is `null`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Num(x) => out.push_str(&json_number(*x)),
            Value::Str(s) => out.push_str(&json_string(s)),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Value::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&json_string(key));
                    out.push(':');
                    value.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// A JSON number: four decimals at most, trailing zeros trimmed; `null`
/// when not finite.
pub fn json_number(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        "null".into()
    }
}

/// A JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Num(x)
    }
}

impl From<u32> for Value {
    fn from(x: u32) -> Value {
        Value::Num(f64::from(x))
    }
}

impl From<usize> for Value {
    fn from(x: usize) -> Value {
        Value::Num(x as f64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(x: Option<T>) -> Value {
        x.map_or(Value::Null, Into::into)
    }
}

impl From<u64> for Value {
    fn from(x: u64) -> Value {
        Value::Num(x as f64)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(xs: Vec<T>) -> Value {
        Value::List(xs.into_iter().map(Into::into).collect())
    }
}

/// A run's printed lines, split: what the Python program prints (the
/// transcript) and the page's own notes (lines starting `# `, without it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lines {
    pub transcript: Vec<String>,
    pub notes: Vec<String>,
}

impl Lines {
    pub fn of(lines: &[String]) -> Lines {
        let mut out = Lines::default();
        for line in lines {
            match line.strip_prefix("# ") {
                Some(note) => out.notes.push(note.to_string()),
                None => out.transcript.push(line.clone()),
            }
        }
        out
    }

    fn fields(self) -> [(&'static str, Value); 2] {
        [
            ("transcript", self.transcript.into()),
            ("notes", self.notes.into()),
        ]
    }
}

/// `runSpinner`'s report.
#[derive(Clone, Debug, PartialEq)]
pub struct SpinnerReport {
    pub model: &'static str,
    /// `slow()`'s kind: `"sleep"`, `"blocking-sleep"` or `"prime"`.
    pub slow: &'static str,
    /// The number checked; `None` when `slow()` slept.
    pub n: Option<u64>,
    pub prime: Option<bool>,
    pub elapsed_ms: f64,
    pub spinner_frames: u32,
    pub spinner_frames_expected: f64,
    pub main_thread_max_gap_ms: f64,
    pub naps: u32,
    pub compute_ms: Option<f64>,
    pub startup_ms: Option<f64>,
    /// The napping coroutine's `{ every, via }`.
    pub nap: Option<(u64, &'static str)>,
    /// `coroutine-offload`'s `"thread"` or `"process"`.
    pub offload: Option<&'static str>,
    pub monitor_ticks: u32,
    /// `thread-gil`'s turns.
    pub gil: Option<GilReport>,
    pub lines: Lines,
}

/// What the Thread + GIL spinner measured.
#[derive(Clone, Debug, PartialEq)]
pub struct GilReport {
    pub handovers: u64,
    pub lateness_median_ms: f64,
    pub lateness_max_ms: f64,
    pub switch_interval_ms: f64,
}

impl From<SpinnerReport> for Value {
    fn from(r: SpinnerReport) -> Value {
        let mut fields = vec![
            ("model", r.model.into()),
            ("slow", r.slow.into()),
            ("n", r.n.map(Value::decimal).unwrap_or(Value::Null)),
            ("answer", r.n.is_none().then_some(42u32).into()),
            ("prime", r.prime.into()),
            ("elapsedMs", r.elapsed_ms.into()),
            ("spinnerFrames", r.spinner_frames.into()),
            ("spinnerFramesExpected", r.spinner_frames_expected.into()),
            ("mainThreadMaxGapMs", r.main_thread_max_gap_ms.into()),
            ("naps", r.naps.into()),
            ("computeMs", r.compute_ms.into()),
            ("startupMs", r.startup_ms.into()),
            (
                "nap",
                r.nap.map_or(Value::Null, |(every, via)| {
                    Value::Obj(vec![("every", (every as f64).into()), ("via", via.into())])
                }),
            ),
            ("offload", r.offload.into()),
            ("monitorTicks", r.monitor_ticks.into()),
            (
                "gilHandovers",
                r.gil.as_ref().map(|g| g.handovers as f64).into(),
            ),
            (
                "frameLatenessMs",
                r.gil.as_ref().map_or(Value::Null, |g| {
                    Value::Obj(vec![
                        ("median", g.lateness_median_ms.into()),
                        ("max", g.lateness_max_ms.into()),
                    ])
                }),
            ),
            (
                "switchIntervalMs",
                r.gil.as_ref().map(|g| g.switch_interval_ms).into(),
            ),
        ];
        fields.extend(r.lines.fields());
        Value::Obj(fields)
    }
}

/// One number's row in a [`PoolReport`].
#[derive(Clone, Debug, PartialEq)]
pub struct PoolResult {
    pub n: u64,
    pub prime: bool,
    pub elapsed_ms: f64,
    /// Counted from 1.
    pub worker: usize,
    pub start_ms: f64,
    pub end_ms: f64,
}

impl From<PoolResult> for Value {
    fn from(r: PoolResult) -> Value {
        Value::Obj(vec![
            ("n", Value::decimal(r.n)),
            ("prime", r.prime.into()),
            ("elapsedMs", r.elapsed_ms.into()),
            ("worker", r.worker.into()),
            ("startMs", r.start_ms.into()),
            ("endMs", r.end_ms.into()),
        ])
    }
}

/// `runPool`'s report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PoolReport {
    pub mode: &'static str,
    pub workers: usize,
    pub checked: usize,
    pub total_ms: f64,
    pub startup_ms: f64,
    pub main_thread_max_gap_ms: f64,
    /// The stop policy's key, if the run was stopped.
    pub stopped: Option<&'static str>,
    pub results: Vec<PoolResult>,
    pub cancelled: Vec<u64>,
    pub lost: Vec<u64>,
    pub race: bool,
    /// One new worker per number (`perJob`).
    pub per_job: bool,
    pub lost_to_race: Vec<u64>,
    pub not_started: Vec<u64>,
    pub gil_handovers: Option<u64>,
    /// I/O workloads: how much longer than its wait a waiting job took,
    /// `(median, max)` ms.
    pub io_latency_ms: Option<(f64, f64)>,
    pub lines: Lines,
}

impl From<PoolReport> for Value {
    fn from(r: PoolReport) -> Value {
        let mut fields = vec![
            ("mode", r.mode.into()),
            ("workers", r.workers.into()),
            ("checked", r.checked.into()),
            ("totalMs", r.total_ms.into()),
            ("startupMs", r.startup_ms.into()),
            ("mainThreadMaxGapMs", r.main_thread_max_gap_ms.into()),
            ("stopped", r.stopped.into()),
            ("results", r.results.into()),
            ("cancelled", Value::decimals(&r.cancelled)),
            ("lost", Value::decimals(&r.lost)),
            ("race", r.race.into()),
            ("perJob", r.per_job.into()),
            ("lostToRace", Value::decimals(&r.lost_to_race)),
            ("notStarted", Value::decimals(&r.not_started)),
            ("gilHandovers", r.gil_handovers.map(|h| h as f64).into()),
            (
                "ioLatencyMs",
                r.io_latency_ms.map_or(Value::Null, |(median, max)| {
                    Value::Obj(vec![("median", median.into()), ("max", max.into())])
                }),
            ),
        ];
        fields.extend(r.lines.fields());
        Value::Obj(fields)
    }
}

/// One worker count of a [`SweepReport`]: its total in each round.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    pub workers: usize,
    pub totals_ms: Vec<f64>,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}

impl From<SweepPoint> for Value {
    fn from(p: SweepPoint) -> Value {
        Value::Obj(vec![
            ("workers", p.workers.into()),
            ("totalMs", p.median_ms.into()),
            ("totalsMs", p.totals_ms.into()),
            ("medianMs", p.median_ms.into()),
            ("minMs", p.min_ms.into()),
            ("maxMs", p.max_ms.into()),
        ])
    }
}

/// `runSweep`'s report.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepReport {
    pub mode: &'static str,
    pub rounds: usize,
    pub sequential_ms: f64,
    pub points: Vec<SweepPoint>,
    /// The best worker count and its median total.
    pub best: Option<(usize, f64)>,
    pub lines: Lines,
}

impl From<SweepReport> for Value {
    fn from(r: SweepReport) -> Value {
        let mut fields = vec![
            ("experiment", "sweep".into()),
            ("mode", r.mode.into()),
            ("rounds", r.rounds.into()),
            ("sequentialMs", r.sequential_ms.into()),
            ("points", r.points.into()),
            (
                "best",
                r.best.map_or(Value::Null, |(workers, ms)| {
                    Value::Obj(vec![("workers", workers.into()), ("totalMs", ms.into())])
                }),
            ),
        ];
        fields.extend(r.lines.fields());
        Value::Obj(fields)
    }
}

/// `runSplit`'s report: one number, checked in 1..N parts.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitReport {
    pub n: u64,
    pub prime: bool,
    /// `(parts, elapsed ms)` per run.
    pub runs: Vec<(usize, f64)>,
    pub lines: Lines,
}

impl From<SplitReport> for Value {
    fn from(r: SplitReport) -> Value {
        let runs = r
            .runs
            .into_iter()
            .map(|(parts, ms)| Value::Obj(vec![("parts", parts.into()), ("elapsedMs", ms.into())]))
            .collect::<Vec<_>>();
        let mut fields = vec![
            ("experiment", "split".into()),
            ("n", Value::decimal(r.n)),
            ("prime", r.prime.into()),
            ("runs", runs.into()),
        ];
        fields.extend(r.lines.fields());
        Value::Obj(fields)
    }
}

/// `runSmoke`'s report.
#[derive(Clone, Debug, PartialEq)]
pub struct SmokeReport {
    /// `"main"` or `"pool"`.
    pub place: &'static str,
    pub n: u64,
    pub prime: bool,
    pub elapsed_ms: f64,
    pub round_trip_ms: f64,
    /// Which thread checked it, in words.
    pub thread: String,
    pub lines: Lines,
}

impl From<SmokeReport> for Value {
    fn from(r: SmokeReport) -> Value {
        let mut fields = vec![
            ("experiment", "smoke".into()),
            ("where", r.place.into()),
            ("n", Value::decimal(r.n)),
            ("prime", r.prime.into()),
            ("elapsedMs", r.elapsed_ms.into()),
            ("roundTripMs", r.round_trip_ms.into()),
            ("thread", r.thread.into()),
        ];
        fields.extend(r.lines.fields());
        Value::Obj(fields)
    }
}

/// `runStartCost`'s report.
impl From<crate::core::big_picture::StartCost> for Value {
    fn from(r: crate::core::big_picture::StartCost) -> Value {
        let mut first = r.first_instruction_ms.clone();
        first.sort_by(f64::total_cmp);
        let median = first.get(first.len() / 2).copied();
        Value::Obj(vec![
            ("experiment", "start-cost".into()),
            ("units", r.units.key().into()),
            ("count", r.count.into()),
            ("perUnitMs", r.per_unit_ms().into()),
            ("totalMs", r.total_ms.into()),
            ("firstInstructionMs", median.into()),
            ("transcript", r.transcript().into()),
            ("notes", r.notes().into()),
        ])
    }
}

/// `runCrossing`'s report.
impl From<crate::core::crossing::Crossing> for Value {
    fn from(r: crate::core::crossing::Crossing) -> Value {
        Value::Obj(vec![
            ("experiment", "crossing".into()),
            ("bytes", r.bytes.into()),
            ("via", r.via.key().into()),
            ("roundTripMs", r.round_trip_ms().into()),
            ("roundTripsMs", r.round_trips_ms.clone().into()),
            ("senderLeftBytes", r.sender_left.into()),
            ("transcript", r.transcript().into()),
            ("notes", r.notes().into()),
        ])
    }
}

/// `runLock`'s report.
impl From<crate::core::lock::Outcome> for Value {
    fn from(o: crate::core::lock::Outcome) -> Value {
        let mut fields = vec![
            ("experiment", "lock".into()),
            ("units", o.units.key().into()),
            ("lock", o.lock.into()),
            ("workers", o.workers.into()),
            ("increments", o.increments.into()),
            ("awaitBetween", o.await_between.into()),
            ("expected", o.expected().into()),
            ("got", o.got.into()),
            ("lost", o.lost().into()),
            ("elapsedMs", o.elapsed_ms.into()),
            ("lockWaitMs", o.lock_wait_ms.into()),
        ];
        if let Some((handovers, interval_ms)) = o.gil {
            fields.push(("gilHandovers", handovers.into()));
            fields.push(("switchIntervalMs", interval_ms.into()));
        }
        fields.push(("transcript", o.transcript().into()));
        fields.push(("notes", o.notes().into()));
        Value::Obj(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &Value) -> Vec<&'static str> {
        match v {
            Value::Obj(fields) => fields.iter().map(|(k, _)| *k).collect(),
            _ => panic!("not an object: {v:?}"),
        }
    }

    /// Transcript lines are what Python prints; `# ` lines are the page's.
    #[test]
    fn lines_split_into_transcript_and_notes() {
        let lines = Lines::of(&[
            "spinner object: <Thread(Thread-1 (spin), initial)>".to_string(),
            "# note: a wasm thread".to_string(),
            "Answer: 42".to_string(),
        ]);
        assert_eq!(
            lines.transcript,
            [
                "spinner object: <Thread(Thread-1 (spin), initial)>",
                "Answer: 42"
            ]
        );
        assert_eq!(lines.notes, ["note: a wasm thread"]);
    }

    /// The spinner report has the API's fields, in its order, with the
    /// sleep's answer and a number above 2^53 as a decimal string.
    #[test]
    fn a_spinner_report_has_the_apis_fields() {
        let report = SpinnerReport {
            model: "thread",
            slow: "sleep",
            n: None,
            prime: None,
            elapsed_ms: 3000.0,
            spinner_frames: 30,
            spinner_frames_expected: 30.0,
            main_thread_max_gap_ms: 12.0,
            naps: 0,
            compute_ms: None,
            startup_ms: Some(55.0),
            nap: None,
            offload: None,
            monitor_ticks: 7,
            gil: None,
            lines: Lines::default(),
        };
        let value = Value::from(report.clone());
        assert_eq!(
            keys(&value),
            [
                "model",
                "slow",
                "n",
                "answer",
                "prime",
                "elapsedMs",
                "spinnerFrames",
                "spinnerFramesExpected",
                "mainThreadMaxGapMs",
                "naps",
                "computeMs",
                "startupMs",
                "nap",
                "offload",
                "monitorTicks",
                "gilHandovers",
                "frameLatenessMs",
                "switchIntervalMs",
                "transcript",
                "notes"
            ]
        );
        assert_eq!(value.get("slow"), Some(&Value::from("sleep")));
        assert_eq!(value.get("answer"), Some(&Value::Num(42.0)));
        assert_eq!(value.get("n"), Some(&Value::Null));
        assert_eq!(value.get("frameLatenessMs"), Some(&Value::Null));
        let checked = Value::from(SpinnerReport {
            slow: "prime",
            n: Some(18_446_744_073_709_551_557),
            prime: Some(true),
            nap: Some((50_000, "yield")),
            gil: Some(GilReport {
                handovers: 31,
                lateness_median_ms: 2.5,
                lateness_max_ms: 5.5,
                switch_interval_ms: 5.0,
            }),
            ..report
        });
        assert_eq!(checked.get("gilHandovers"), Some(&Value::Num(31.0)));
        assert_eq!(
            checked.get("frameLatenessMs").and_then(|l| l.get("max")),
            Some(&Value::Num(5.5))
        );
        assert_eq!(checked.get("slow"), Some(&Value::from("prime")));
        assert_eq!(checked.get("n"), Some(&Value::from("18446744073709551557")));
        assert_eq!(checked.get("answer"), Some(&Value::Null));
        assert_eq!(
            checked.get("nap").and_then(|n| n.get("every")),
            Some(&Value::Num(50_000.0))
        );
    }

    /// The pool report lists its numbers as decimal strings, and its
    /// results with workers counted from 1.
    #[test]
    fn a_pool_report_has_the_apis_fields() {
        let value = Value::from(PoolReport {
            mode: "processes",
            workers: 2,
            checked: 1,
            total_ms: 10.0,
            startup_ms: 5.0,
            main_thread_max_gap_ms: 1.0,
            stopped: Some("terminate"),
            results: vec![PoolResult {
                n: 9_999_999_999_999_917,
                prime: true,
                elapsed_ms: 4.0,
                worker: 1,
                start_ms: 5.0,
                end_ms: 9.0,
            }],
            cancelled: vec![],
            lost: vec![3_333_333_333_333_301],
            race: false,
            per_job: false,
            lost_to_race: vec![],
            not_started: vec![2],
            gil_handovers: None,
            io_latency_ms: None,
            lines: Lines::of(&["20 checks in 0.01s".to_string()]),
        });
        assert_eq!(
            keys(&value),
            [
                "mode",
                "workers",
                "checked",
                "totalMs",
                "startupMs",
                "mainThreadMaxGapMs",
                "stopped",
                "results",
                "cancelled",
                "lost",
                "race",
                "perJob",
                "lostToRace",
                "notStarted",
                "gilHandovers",
                "ioLatencyMs",
                "transcript",
                "notes"
            ]
        );
        assert_eq!(
            value.get("lost"),
            Some(&Value::List(vec![Value::from("3333333333333301")]))
        );
        let Some(Value::List(results)) = value.get("results") else {
            panic!("results is a list");
        };
        assert_eq!(results[0].get("n"), Some(&Value::from("9999999999999917")));
        assert_eq!(results[0].get("worker"), Some(&Value::Num(1.0)));
        assert_eq!(value.get("gilHandovers"), Some(&Value::Null));
    }

    /// A sweep point's `totalMs` is its median, beside every round's total.
    #[test]
    fn a_sweep_point_reports_its_median_as_total() {
        let value = Value::from(SweepReport {
            mode: "threads",
            rounds: 2,
            sequential_ms: 100.0,
            points: vec![SweepPoint {
                workers: 1,
                totals_ms: vec![90.0, 110.0],
                median_ms: 100.0,
                min_ms: 90.0,
                max_ms: 110.0,
            }],
            best: Some((1, 100.0)),
            lines: Lines::default(),
        });
        let Some(Value::List(points)) = value.get("points") else {
            panic!("points is a list");
        };
        assert_eq!(
            keys(&points[0]),
            [
                "workers", "totalMs", "totalsMs", "medianMs", "minMs", "maxMs"
            ]
        );
        assert_eq!(points[0].get("totalMs"), points[0].get("medianMs"));
        assert_eq!(
            value.get("best").and_then(|b| b.get("workers")),
            Some(&Value::Num(1.0))
        );
        assert_eq!(value.get("experiment"), Some(&Value::from("sweep")));
    }

    /// The split and smoke reports name their experiment and carry n as text.
    #[test]
    fn split_and_smoke_reports_name_their_experiment() {
        let split = Value::from(SplitReport {
            n: 7,
            prime: true,
            runs: vec![(1, 2.0), (2, 1.1)],
            lines: Lines::default(),
        });
        assert_eq!(split.get("experiment"), Some(&Value::from("split")));
        assert_eq!(split.get("n"), Some(&Value::from("7")));
        let smoke = Value::from(SmokeReport {
            place: "pool",
            n: 5_000_111_000_222_021,
            prime: true,
            elapsed_ms: 80.0,
            round_trip_ms: 81.0,
            thread: "pool thread #0".into(),
            lines: Lines::default(),
        });
        assert_eq!(
            keys(&smoke),
            [
                "experiment",
                "where",
                "n",
                "prime",
                "elapsedMs",
                "roundTripMs",
                "thread",
                "transcript",
                "notes"
            ]
        );
        assert_eq!(smoke.get("n"), Some(&Value::from("5000111000222021")));
    }
}
