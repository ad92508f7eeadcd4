// Switchboard development mode (make dev) replaces go-app's service worker
// with this one. It caches nothing, so every reload shows the newest build,
// and it deletes what a production worker cached on this origin, reloading
// the pages such a worker served from its cache.
self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.map((name) => caches.delete(name)));
    await self.clients.claim();
    if (names.length > 0) {
      for (const page of await self.clients.matchAll({ type: "window" })) {
        page.navigate(page.url);
      }
    }
  })());
});
