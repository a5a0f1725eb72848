// The bootstrap of spinlab's workers: wasm threads and wasm "processes".
//
// This file is a wasm-bindgen snippet with two roles: the page imports it (via
// the glue) to call `spawnThread` / `spawnProcess`, and every spawned worker
// runs it as its script. Both resolve the same URL, so a worker that imports
// the glue gets this very module back instead of a second copy.
//
// - A thread instantiates the page's module on the page's memory (shared) and
//   runs one Rust closure (threads.rs).
// - A process instantiates the module on a fresh memory of its own: nothing is
//   shared with the page, data crosses only as messages (process.rs).

// This worker's instance, and when its start went by (epoch ms, the clock of
// `epoch_ms` in clock.rs): asked for, created by the browser, this script
// run, the glue imported, the module instantiated. Set in a worker this file
// started; `bootStamps` hands them to Rust (the benchmark's start-up
// breakdown). Kept on the global scope, not in this module: WebKit may
// evaluate this file twice in one worker (as its script and as the glue's
// snippet), and the copy the glue calls must see what the other one set
// (seen: a thread that could not end, "null is not an object (evaluating
// 'instance.__wbindgen_thread_destroy')", and processes' start-up stamps
// missing).
const state = (self.spinlabWorkerState ??= { instance: null, boot: null });
const now = () => performance.timeOrigin + performance.now();

/** The stamps above, or an empty list (the page, a rayon worker). */
export function bootStamps() {
  const { boot } = state;
  return boot ? [boot.spawned, boot.created, boot.script, boot.glue, boot.instance] : [];
}

// The bootstrap's own messages, built and read here only: the page's `init`
// of a thread or of a process. Every other message between the page and its
// workers is encoded and decoded by Rust (runtime/messages.rs), except a
// worker's failure (a failed start, a panic), which this file must be able to
// build before the module is up: `failure` is that one encoder, and Rust
// calls it too (`ToPage::Failed`).
const INIT_THREAD = 'spinlab_thread_init';
const INIT_PROCESS = 'spinlab_process_init';

/** A worker's failure, as the page reads it (`ToPage::Failed`). */
export function failure(reason) {
  return { type: 'failed', reason: String(reason) };
}

export function spawnThread(name, mainJS, module, memory, ptr, payload, transfer) {
  const spawned = now();
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name });
  worker.postMessage({ type: INIT_THREAD, spawned, mainJS, module, memory, ptr, payload }, transfer);
  return worker;
}

export function spawnProcess(name, mainJS, module, entry, payload, transfer) {
  const spawned = now();
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name });
  worker.postMessage({ type: INIT_PROCESS, spawned, mainJS, module, entry, payload }, transfer);
  return worker;
}

// The browser's floor under a worker's start-up: `count` module workers
// whose script only answers, started at once; given `glue` (the glue's URL),
// each imports it first, the floor under a worker that runs this module.
// Resolves with the ms from the first `new Worker` until the last answer;
// every worker is ended.
export function bareWorkers(count, glue) {
  const script = glue ? `await import(${JSON.stringify(glue)}); postMessage(0);` : 'postMessage(0);';
  const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
  const workers = [];
  const t0 = performance.now();
  const answered = Array.from({ length: count }, (_, i) => new Promise((resolve, reject) => {
    const worker = new Worker(url, { type: 'module', name: `spinlab bare worker ${i + 1}` });
    workers.push(worker);
    worker.onmessage = resolve;
    worker.onerror = (event) => reject(new Error(event.message || 'a bare worker did not start'));
  }));
  return Promise.all(answered).then(
    () => performance.now() - t0,
  ).finally(() => {
    workers.forEach((worker) => worker.terminate());
    URL.revokeObjectURL(url);
  });
}

// Ends this thread after the current task, when no Rust frame is left on the
// stack it frees: releases its stack and thread-local storage in the shared
// memory (else every finished thread would leak them), then closes the worker.
export function exitThread() {
  setTimeout(() => {
    state.instance.__wbindgen_thread_destroy();
    close();
  });
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  const script = now();
  self.addEventListener('message', async function onInit({ data }) {
    if (data == null || (data.type !== INIT_THREAD && data.type !== INIT_PROCESS)) return;
    self.removeEventListener('message', onInit);
    try {
      const pkg = await import(data.mainJS);
      const glue = now();
      if (data.type === INIT_THREAD) {
        state.instance = await pkg.default({ module_or_path: data.module, memory: data.memory });
        state.boot = { spawned: data.spawned, created: performance.timeOrigin, script, glue, instance: now() };
        pkg.spinlab_thread_entry(data.ptr, data.payload);
      } else {
        // No `memory`: the glue creates a fresh one, this process's own.
        state.instance = await pkg.default({ module_or_path: data.module });
        state.boot = { spawned: data.spawned, created: performance.timeOrigin, script, glue, instance: now() };
        pkg.spinlab_process_entry(data.entry, data.payload);
      }
    } catch (err) {
      // A failed start or a Rust panic (a trap) must reach the page, not only the console.
      postMessage(failure(err && err.message || err));
    }
  });
}
