//! The process entry points: what a new process (a worker with its own wasm
//! instance) runs, one typed list. `Process::spawn` names one by its key;
//! `thread.js` calls `spinlab_process_entry` (`dispatch.rs`) with it in the
//! new process.

/// A process's `main`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// The spinner process: `spin` until done (`process.rs`).
    Spin,
    /// The division rate, measured once a session (`calibrate.rs`).
    Calibrate,
    /// `run_in_executor(ProcessPoolExecutor(), …)`'s worker (`coroutine.rs`).
    Offload,
    /// A pool process on the shared queue (`pool/processes.rs`).
    PoolWorker,
    /// A pool process fed by messages, without shared memory (`pool/processes.rs`).
    PoolFed,
    /// A process on a message queue (the benchmark's, `pool/quiet.rs`).
    QueueWorker,
    /// A lock lab process: counts, alone or in shared memory (`lock.rs`).
    LockCount,
    /// The big picture's start-cost process: answers at once (`start_cost.rs`).
    StartCost,
    /// The big picture's crossing process: sends back what it is sent (`crossing.rs`).
    Crossing,
    /// The errors run's process: its work raises (`errors.rs`).
    Errors,
    /// Test-only (`spinlab.debugPanic("process")`): panics at once.
    Panic,
}

impl Entry {
    pub const ALL: [Entry; 11] = [
        Entry::Spin,
        Entry::Calibrate,
        Entry::Offload,
        Entry::PoolWorker,
        Entry::PoolFed,
        Entry::QueueWorker,
        Entry::LockCount,
        Entry::StartCost,
        Entry::Crossing,
        Entry::Errors,
        Entry::Panic,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Entry::Spin => "spin",
            Entry::Calibrate => "calibrate",
            Entry::Offload => "offload",
            Entry::PoolWorker => "pool-worker",
            Entry::PoolFed => "pool-fed",
            Entry::QueueWorker => "queue-worker",
            Entry::LockCount => "lock-count",
            Entry::StartCost => "start-cost",
            Entry::Crossing => "crossing",
            Entry::Errors => "errors",
            Entry::Panic => "panic",
        }
    }
}
