//! A started run: its workers, what they took from the queue, and how the
//! stop policies stop each kind of worker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_channel::mpsc;
use js_sys::{Atomics, Int32Array};

use crate::core::protocol::{Gil, JobQueue, Message, StopPolicy};
use crate::runtime::threads::Process;

/// What a stop did: what to tell the learner, and the numbers that will
/// never start.
pub struct StopInfo {
    pub note: String,
    pub never_started: Vec<u64>,
}

/// A started run: how many workers, and how to stop it. Its messages are
/// returned beside it by [`start`](super::start()).
pub struct PoolRun {
    pub workers: usize,
    /// Epoch ms when the run started (the timeline's zero).
    pub started_at: f64,
    /// Numbers taken from the queue so far (threads, rayon, fed processes;
    /// processes with a shared head count in the head itself).
    pub(super) taken: Arc<AtomicUsize>,
    pub(super) control: Control,
}

pub(super) enum Control {
    /// Threads of this page's memory: the queue and the flag are shared.
    Shared {
        jobs: Arc<JobQueue>,
        /// Rayon has no queue to drain: no new numbers are taken once set.
        no_more: Arc<AtomicBool>,
        cancel: Arc<AtomicBool>,
        /// The simulated GIL of `threads-gil`.
        gil: Option<Arc<Gil>>,
    },
    /// Processes: the queue head and the flag live in a `SharedArrayBuffer`.
    Processes {
        shared: Int32Array,
        numbers: Vec<u64>,
        processes: Vec<Process>,
        tx: mpsc::UnboundedSender<Message>,
    },
    /// Processes without shared memory: the queue is the page's, and each
    /// process is sent one job at a time, the next when it answers.
    Fed {
        jobs: Arc<JobQueue>,
        processes: Vec<Process>,
        tx: mpsc::UnboundedSender<Message>,
        /// Why this run's processes are fed by messages.
        why: &'static str,
    },
}

/// Word 0 of the processes' shared buffer: the queue head; word 1: cancel.
pub(super) const HEAD: u32 = 0;
pub(super) const CANCEL: u32 = 1;

impl PoolRun {
    /// The early `procs.py`'s `jobs.empty()`: every number and every pill
    /// taken (the pills are the last jobs, one a worker).
    pub fn jobs_empty(&self) -> bool {
        match &self.control {
            Control::Shared { jobs, .. } | Control::Fed { jobs, .. } => jobs.is_empty(),
            Control::Processes {
                shared, numbers, ..
            } => {
                let head = Atomics::load(shared, HEAD).unwrap_or(0).max(0) as usize;
                head >= numbers.len() + self.workers
            }
        }
    }

    /// How many numbers the workers have taken from the queue so far (a
    /// stop drains the queue: after one, this is only what was taken before
    /// it, plus, for processes, the numbers it dropped).
    pub fn taken(&self) -> usize {
        match &self.control {
            Control::Processes {
                shared, numbers, ..
            } => (Atomics::load(shared, HEAD).unwrap_or(0).max(0) as usize).min(numbers.len()),
            _ => self.taken.load(Ordering::SeqCst),
        }
    }

    /// How many times the simulated GIL was handed over (`threads-gil` only).
    pub fn gil_handovers(&self) -> Option<u64> {
        match &self.control {
            Control::Shared { gil: Some(gil), .. } => Some(gil.switches()),
            _ => None,
        }
    }

    /// Applies a stop policy.
    pub fn stop(&mut self, policy: StopPolicy) -> StopInfo {
        match &mut self.control {
            Control::Shared {
                jobs,
                no_more,
                cancel,
                ..
            } => {
                no_more.store(true, Ordering::SeqCst);
                let never_started = jobs.drain_checks();
                let dropped = never_started.len();
                let note = match policy {
                    StopPolicy::PoisonPill => format!(
                        "poison pill: {dropped} queued numbers dropped; each worker finishes the number in hand, then meets its pill"
                    ),
                    StopPolicy::CancelFlag => {
                        cancel.store(true, Ordering::SeqCst);
                        format!(
                            "cancel flag raised: {dropped} queued numbers dropped; the numbers in hand stop within milliseconds"
                        )
                    }
                    StopPolicy::Terminate => {
                        // Killing a thread that shares memory could leave a
                        // lock held (the allocator's, a queue's): threads are
                        // stopped by the flag; only processes are terminated.
                        cancel.store(true, Ordering::SeqCst);
                        format!(
                            "terminate applies to processes: a thread killed mid-computation could leave a lock in the shared memory held; \
                             these threads were stopped with the cancel flag instead ({dropped} queued numbers dropped)"
                        )
                    }
                };
                StopInfo {
                    note,
                    never_started,
                }
            }
            Control::Processes {
                shared,
                numbers,
                processes,
                tx,
            } => {
                // Every later `jobs.get()` meets a pill.
                let len = numbers.len() as i32;
                let taken = Atomics::exchange(shared, HEAD, len)
                    .unwrap_or(len)
                    .clamp(0, len) as usize;
                let never_started = numbers[taken..].to_vec();
                let dropped = never_started.len();
                let note = match policy {
                    StopPolicy::PoisonPill => format!(
                        "poison pill: {dropped} queued numbers dropped; each process finishes the number in hand, then meets its pill"
                    ),
                    StopPolicy::CancelFlag => {
                        let _ = Atomics::store(shared, CANCEL, 1);
                        format!(
                            "cancel flag raised: {dropped} queued numbers dropped; the numbers in hand stop within milliseconds"
                        )
                    }
                    StopPolicy::Terminate => terminate(processes, tx),
                };
                StopInfo {
                    note,
                    never_started,
                }
            }
            Control::Fed {
                jobs,
                processes,
                tx,
                ..
            } => {
                // What is left are the pills: every later job handed out is one.
                let never_started = jobs.drain_checks();
                let dropped = never_started.len();
                let note = match policy {
                    StopPolicy::PoisonPill => format!(
                        "poison pill: {dropped} queued numbers dropped; each process finishes the number in hand, then meets its pill"
                    ),
                    StopPolicy::CancelFlag => format!(
                        "no cancel flag without shared memory (this page is not cross-origin isolated): a process busy \
                         with a number cannot see one until it is done, so this stopped like the poison pill \
                         ({dropped} queued numbers dropped; each process finishes the number in hand)"
                    ),
                    StopPolicy::Terminate => terminate(processes, tx),
                };
                StopInfo {
                    note,
                    never_started,
                }
            }
        }
    }

    /// What the learner should know about how this run's jobs travel, when
    /// it is not what the mode's description says.
    pub fn queue_note(&self) -> Option<&'static str> {
        match self.control {
            Control::Fed { why, .. } => Some(why),
            _ => None,
        }
    }
}

/// `Process.terminate()` for every process of a run.
fn terminate(processes: &mut Vec<Process>, tx: &mpsc::UnboundedSender<Message>) -> String {
    let count = processes.len();
    processes.clear(); // each Process terminates its worker on drop
    // Nobody will say "done" now: end the report loop.
    tx.close_channel();
    format!("terminate: {count} processes killed; the numbers they were checking are lost")
}

/// Test-only (`spinlab.debugPanic("next-worker")`): the armed worker dies
/// right after reporting its first result, mid-run.
pub(super) fn die_if_armed(message: &Message) {
    if let Message::Result { worker, .. } = message
        && crate::runtime::panics::take_armed()
    {
        panic!("debugPanic: worker {} died mid-run", worker + 1);
    }
}
