//! Every message between the page and its workers: one enum each way, one
//! encoder and one decoder. A message is a plain object (the browser's
//! structured clone is the pickling) whose `type` names its variant; numbers
//! that may pass 2^53 travel as decimal strings. A worker's failure is built
//! by `thread.js`'s `failure` (it must be, before the module is up) and read
//! here as [`ToPage::Failed`]; the start messages (`init`) are the
//! bootstrap's own, built and read in `thread.js` only.

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;

use super::object;
use crate::core::primes::PrimeResult;
use crate::core::protocol::{Boot, Job, Message};

#[wasm_bindgen(module = "/src/runtime/thread.js")]
extern "C" {
    /// A worker's failure as a message to the page.
    fn failure(reason: &str) -> JsValue;
}

/// What a worker posts to the page.
#[derive(Clone, Debug, PartialEq)]
pub enum ToPage {
    /// The worker failed (a failed start, a panic): `thread.js`'s `failure`.
    Failed(String),
    /// A process is up and waits for its first message.
    Ready,
    /// A pool process's protocol message.
    Pool(Message),
    /// A spinner process stopped: the frames it drew.
    Spun { frames: u32 },
    /// A start-cost process: the epoch ms of its first instruction.
    Up { at_ms: f64 },
    /// An answer to a number (the executor, the message queue); `None` after
    /// a sleep.
    Answer(Option<bool>),
    /// The calibration's division rate, divisions a second.
    Rate(f64),
    /// A counting process's count and the seconds it waited for the lock.
    Counted { count: u64, waited_secs: f64 },
    /// The errors lab's process at its exit: what it printed to stderr, its
    /// exit code.
    Exited {
        stderr: Vec<String>,
        exit_code: Option<i32>,
    },
    /// The crossing's bytes, sent back.
    Bytes(JsValue),
}

/// What the page posts to a worker after its start.
#[derive(Clone, Debug, PartialEq)]
pub enum ToWorker {
    /// A number to check (a fed pool process, the message queue).
    Check(u64),
    /// The end: the pool's pill, the spinner's `done.set()`, the crossing's
    /// `conn.send(None)`.
    Stop,
    /// Bytes for the crossing process to send back.
    Bytes(JsValue),
}

impl From<Job> for ToWorker {
    fn from(job: Job) -> ToWorker {
        match job {
            Job::Check(n) => ToWorker::Check(n),
            Job::Stop => ToWorker::Stop,
        }
    }
}

/// A message's fields, read by name.
struct Fields<'a>(&'a JsValue);

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<JsValue> {
        Reflect::get(self.0, &key.into())
            .ok()
            .filter(|v| !v.is_undefined())
    }
    fn num(&self, key: &str) -> Option<f64> {
        self.get(key)?.as_f64()
    }
    fn string(&self, key: &str) -> Option<String> {
        self.get(key)?.as_string()
    }
    fn big(&self, key: &str) -> Option<u64> {
        self.string(key)?.parse().ok()
    }
    fn worker(&self) -> Option<usize> {
        Some(self.num("worker")? as usize)
    }
}

fn tagged(tag: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let object = object(fields);
    let _ = Reflect::set(&object, &"type".into(), &tag.into());
    object.into()
}

fn strings(values: &[String]) -> JsValue {
    values
        .iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

impl ToPage {
    /// The message as the worker posts it.
    pub fn encode(&self) -> JsValue {
        match self {
            ToPage::Failed(reason) => failure(reason),
            ToPage::Ready => tagged("ready", &[]),
            ToPage::Pool(message) => encode_pool(message),
            ToPage::Spun { frames } => tagged("spun", &[("frames", (*frames).into())]),
            ToPage::Up { at_ms } => tagged("up", &[("at", (*at_ms).into())]),
            ToPage::Answer(prime) => tagged(
                "answer",
                &[("prime", prime.map_or(JsValue::NULL, JsValue::from))],
            ),
            ToPage::Rate(rate) => tagged("rate", &[("divisionsPerSec", (*rate).into())]),
            ToPage::Counted { count, waited_secs } => tagged(
                "counted",
                &[
                    ("count", count.to_string().into()),
                    ("waitedSecs", (*waited_secs).into()),
                ],
            ),
            ToPage::Exited { stderr, exit_code } => tagged(
                "exited",
                &[
                    ("stderr", strings(stderr)),
                    ("exitCode", exit_code.map_or(JsValue::NULL, JsValue::from)),
                ],
            ),
            ToPage::Bytes(bytes) => tagged("bytes", &[("bytes", bytes.clone())]),
        }
    }

    /// The message a worker posted, or why it cannot be read.
    pub fn decode(data: &JsValue) -> Result<ToPage, String> {
        decode_to_page(&Fields(data))
            .ok_or_else(|| "a worker sent a message the page cannot read".into())
    }
}

fn decode_to_page(f: &Fields) -> Option<ToPage> {
    Some(match f.string("type")?.as_str() {
        "failed" => ToPage::Failed(f.string("reason").unwrap_or_default()),
        "ready" => ToPage::Ready,
        "spun" => ToPage::Spun {
            frames: f.num("frames")? as u32,
        },
        "up" => ToPage::Up {
            at_ms: f.num("at")?,
        },
        "answer" => ToPage::Answer(f.get("prime")?.as_bool()),
        "rate" => ToPage::Rate(f.num("divisionsPerSec")?),
        "counted" => ToPage::Counted {
            count: f.big("count")?,
            waited_secs: f.num("waitedSecs")?,
        },
        "exited" => ToPage::Exited {
            stderr: Array::from(&f.get("stderr")?)
                .iter()
                .filter_map(|l| l.as_string())
                .collect(),
            exit_code: f.num("exitCode").map(|c| c as i32),
        },
        "bytes" => ToPage::Bytes(f.get("bytes")?),
        _ => ToPage::Pool(decode_pool(f)?),
    })
}

fn encode_pool(message: &Message) -> JsValue {
    match message {
        Message::Started {
            worker,
            at_ms,
            boot,
        } => tagged(
            "started",
            &[
                ("worker", (*worker as u32).into()),
                ("at", (*at_ms).into()),
                (
                    "boot",
                    boot.map_or(JsValue::NULL, |b| {
                        b.stamps()
                            .into_iter()
                            .map(JsValue::from)
                            .collect::<Array>()
                            .into()
                    }),
                ),
            ],
        ),
        Message::Done { worker } => tagged("done", &[("worker", (*worker as u32).into())]),
        Message::Failed { worker, reason } => tagged(
            "worker-failed",
            &[
                ("worker", (*worker as u32).into()),
                ("reason", reason.into()),
            ],
        ),
        Message::Cancelled { n, worker } => tagged(
            "cancelled",
            &[
                ("worker", (*worker as u32).into()),
                ("n", n.to_string().into()),
            ],
        ),
        Message::Result {
            result,
            worker,
            start_ms,
            end_ms,
        } => tagged(
            "result",
            &[
                ("worker", (*worker as u32).into()),
                ("n", result.n.to_string().into()),
                ("prime", result.prime.into()),
                ("elapsed", result.elapsed.into()),
                ("start", (*start_ms).into()),
                ("end", (*end_ms).into()),
            ],
        ),
    }
}

fn decode_pool(f: &Fields) -> Option<Message> {
    let worker = f.worker()?;
    Some(match f.string("type")?.as_str() {
        "started" => Message::Started {
            worker,
            at_ms: f.num("at")?,
            // No stamps is `null` (a process that could not read its own).
            boot: f.get("boot").filter(Array::is_array).and_then(|b| {
                let stamps: Vec<f64> = Array::from(&b)
                    .iter()
                    .map(|t| t.as_f64().unwrap_or(f64::NAN))
                    .collect();
                Boot::from_stamps(&stamps)
            }),
        },
        "done" => Message::Done { worker },
        "worker-failed" => Message::Failed {
            worker,
            reason: f
                .string("reason")
                .unwrap_or_else(|| "no reason given".into()),
        },
        "cancelled" => Message::Cancelled {
            n: f.big("n")?,
            worker,
        },
        "result" => Message::Result {
            result: PrimeResult {
                n: f.big("n")?,
                prime: f.get("prime")?.as_bool()?,
                elapsed: f.num("elapsed")?,
            },
            worker,
            start_ms: f.num("start")?,
            end_ms: f.num("end")?,
        },
        _ => return None,
    })
}

impl ToWorker {
    /// The message as the page posts it.
    pub fn encode(&self) -> JsValue {
        match self {
            ToWorker::Check(n) => tagged("check", &[("n", n.to_string().into())]),
            ToWorker::Stop => tagged("stop", &[]),
            ToWorker::Bytes(bytes) => tagged("bytes", &[("bytes", bytes.clone())]),
        }
    }

    /// The message the page posted, or why it cannot be read.
    pub fn decode(data: &JsValue) -> Result<ToWorker, String> {
        let f = Fields(data);
        let message = match f.string("type").as_deref() {
            Some("check") => f.big("n").map(ToWorker::Check),
            Some("stop") => Some(ToWorker::Stop),
            Some("bytes") => f.get("bytes").map(ToWorker::Bytes),
            _ => None,
        };
        message.ok_or_else(|| "the page sent a message the worker cannot read".into())
    }
}
