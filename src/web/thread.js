// The bootstrap of a wasm thread: a Web Worker that joins the page's shared
// WebAssembly.Memory and runs one Rust closure (see threads.rs).
//
// This file is a wasm-bindgen snippet with two roles: the page imports it (via
// the glue) to call `spawnThread`, and every spawned worker runs it as its
// script. Both resolve the same URL, so a worker that imports the glue gets
// this very module back instead of a second copy.

export function spawnThread(name, mainJS, module, memory, ptr) {
  const worker = new Worker(new URL(import.meta.url), { type: 'module', name });
  worker.postMessage({ type: 'spinlab_thread_init', mainJS, module, memory, ptr });
  return worker;
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.addEventListener('message', async function onInit({ data }) {
    if (data == null || data.type !== 'spinlab_thread_init') return;
    self.removeEventListener('message', onInit);
    try {
      const pkg = await import(data.mainJS);
      await pkg.default({ module_or_path: data.module, memory: data.memory });
      pkg.spinlab_thread_entry(data.ptr);
    } catch (err) {
      // A failed start or a Rust panic (a trap) must reach the page, not only the console.
      postMessage({ type: 'spinlab_thread_error', message: String(err && err.message || err) });
    }
  });
}
