// spinlab's bootstrap: load the wasm module, then hand the page to Rust.
// index.html holds the page's words and fixed controls; Rust binds them and builds
// the rest (what runs fill in, the workers, window.spinlab).
//
// The module's fetch starts first, beside the glue's: with the glue imported
// statically this script would wait for the glue and its snippets, and only
// then would the glue ask for the module.
const t0 = performance.now();
const module = fetch(new URL('./pkg/spinlab_bg.wasm', import.meta.url));
// Its failure is init's to report (below); not an unhandled rejection too.
module.catch(() => {});
try {
  const { default: init, start } = await import('./pkg/spinlab.js');
  await init({ module_or_path: module });
  await start(performance.now() - t0);
} catch (err) {
  // Reached only when Rust could not run at all; Rust reports its own failures.
  const reason = self.crossOriginIsolated
    ? `spinlab could not start: ${err?.message ?? err}`
    : 'spinlab could not start: this page is not cross-origin isolated, so the browser ' +
      'withholds SharedArrayBuffer and wasm threads. The server must send ' +
      '"Cross-Origin-Opener-Policy: same-origin" and ' +
      '"Cross-Origin-Embedder-Policy: require-corp" (./x serve does).';
  document.body.dataset.error = reason;
  document.querySelector('[data-role=status]').textContent = reason;
  document.body.dataset.ready = 'true';
}
