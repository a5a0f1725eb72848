// spinlab's isolation shim: an opt-in service worker for static hosts that
// cannot send headers (GitHub Pages, say). It adds the two headers that make
// the page cross-origin isolated, COOP and COEP (and CORP), to the page's own
// responses, so that wasm threads work after one reload. Cross-origin
// requests are passed through untouched. Remove it by unregistering it
// (devtools → Application → Service workers).
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response;
      const headers = new Headers(response.headers);
      headers.set('Cross-Origin-Opener-Policy', 'same-origin');
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
      headers.set('Cross-Origin-Resource-Policy', 'same-origin');
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }),
  );
});
