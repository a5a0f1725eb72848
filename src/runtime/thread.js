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

let instance = null;

export function spawnThread(name, mainJS, module, memory, ptr, payload, transfer) {
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name });
  worker.postMessage({ type: 'spinlab_thread_init', mainJS, module, memory, ptr, payload }, transfer);
  return worker;
}

export function spawnProcess(name, mainJS, module, entry, payload, transfer) {
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name });
  worker.postMessage({ type: 'spinlab_process_init', mainJS, module, entry, payload }, transfer);
  return worker;
}

// Ends this thread after the current task, when no Rust frame is left on the
// stack it frees: releases its stack and thread-local storage in the shared
// memory (else every finished thread would leak them), then closes the worker.
export function exitThread() {
  setTimeout(() => {
    instance.__wbindgen_thread_destroy();
    close();
  });
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.addEventListener('message', async function onInit({ data }) {
    if (data == null || (data.type !== 'spinlab_thread_init' && data.type !== 'spinlab_process_init')) return;
    self.removeEventListener('message', onInit);
    try {
      const pkg = await import(data.mainJS);
      if (data.type === 'spinlab_thread_init') {
        instance = await pkg.default({ module_or_path: data.module, memory: data.memory });
        pkg.spinlab_thread_entry(data.ptr, data.payload);
      } else {
        // No `memory`: the glue creates a fresh one, this process's own.
        instance = await pkg.default({ module_or_path: data.module });
        pkg.spinlab_process_entry(data.entry, data.payload);
      }
    } catch (err) {
      // A failed start or a Rust panic (a trap) must reach the page, not only the console.
      postMessage({ type: 'spinlab_thread_error', message: String(err && err.message || err) });
    }
  });
}
