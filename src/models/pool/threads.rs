//! The workers of `sequential`, `threads` and `threads-gil`: threads of this
//! page's memory, sharing the job queue and the cancel flag. Their jobs
//! divide (the book's `check`) or, with an I/O workload, wait.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_channel::mpsc;

use super::run::die_if_armed;
use crate::core::clock::{epoch_ms, now_seconds};
use crate::core::protocol::{
    Boot, Gil, Job, JobQueue, Message, check_cancellable, check_io, check_under_gil, one_job,
    worker,
};
use crate::runtime::threads::boot_stamps;

/// How a pool thread does its jobs.
pub(super) struct Duty {
    /// `threads-gil`'s simulated GIL, held while it divides.
    pub gil: Option<Arc<Gil>>,
    /// Its jobs wait instead of dividing (the I/O workloads).
    pub waits: bool,
    /// It takes one number and ends (one new thread per number).
    pub per_job: bool,
}

/// The book's `worker` on a thread of this page's memory.
pub(super) fn pool_worker(
    id: usize,
    jobs: Arc<JobQueue>,
    taken: Arc<AtomicUsize>,
    cancel: Arc<AtomicBool>,
    duty: Duty,
    tx: mpsc::UnboundedSender<Message>,
) -> impl FnOnce() + Send + 'static {
    let Duty {
        gil,
        waits,
        per_job,
    } = duty;
    move || {
        let _ = tx.unbounded_send(Message::Started {
            worker: id,
            at_ms: epoch_ms(),
            boot: Boot::from_stamps(&boot_stamps()),
        });
        let cancelled = || cancel.load(Ordering::Relaxed);
        let get = || {
            let job = jobs.get();
            if let Job::Check(_) = job {
                taken.fetch_add(1, Ordering::SeqCst);
            }
            job
        };
        // A per-job thread takes one number, then stops.
        let next: Box<dyn FnMut() -> Job> = if per_job {
            Box::new(one_job(get))
        } else {
            Box::new(get)
        };
        worker(
            id,
            next,
            |n| match &gil {
                _ if waits => check_io(n, gil.as_deref(), &cancel, std::thread::sleep, now_seconds),
                Some(gil) => check_under_gil(n, gil, &cancel, now_seconds),
                None => check_cancellable(n, &cancelled, now_seconds),
            },
            epoch_ms,
            |message| {
                let _ = tx.unbounded_send(message.clone());
                die_if_armed(&message);
            },
        );
    }
}
