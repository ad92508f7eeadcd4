// Switchboard's service worker: go-app's app-worker.js with pages served
// network first. go-app fills in {{.Version}} and {{.ResourcesToCache}}.
//
// - Install caches the app shell (go-app's list: "/", app.wasm under its
//   versioned name, scripts, styles, icons) in a cache named after the
//   build; activation deletes every other build's cache.
// - A page (a navigation) comes from the network, so a room shows what it
//   holds now; navigation preload starts that request while the worker is
//   still starting. Each page that loads is kept; when the server cannot be
//   reached (or answers 5xx), the kept copy of the page is served, or the
//   app shell ("/", which routes to the page in the browser), so a reload
//   while the server is down shows the room, its last messages (the app
//   keeps them in local storage) and the unsent ones, offline.
// - Everything else the app fetches is served from the cache when it is
//   there (the shell's files), from the network otherwise.
const cacheName = "app-" + "{{.Version}}";
const pagesCacheName = cacheName + "-pages";
const resourcesToCache = {{.ResourcesToCache}};
// maxPages bounds the pages kept for offline use, oldest dropped first.
const maxPages = 50;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(cacheName);
      await cache.addAll(resourcesToCache);
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keys = await caches.keys();
      await Promise.all(
        keys.filter((k) => k !== cacheName && k !== pagesCacheName).map((k) => caches.delete(k))
      );
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })()
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(event));
    return;
  }
  event.respondWith(fromCache(request));
});

async function fromCache(request) {
  const cached = await caches.match(request);
  return cached || fetch(request);
}

async function page(event) {
  const request = event.request;
  let response;
  try {
    response = (await event.preloadResponse) || (await fetch(request));
  } catch (err) {
    response = null; // the server cannot be reached
  }
  if (response && response.ok) {
    const copy = response.clone();
    event.waitUntil(keepPage(request, copy));
    return response;
  }
  if (response && response.status < 500) {
    return response;
  }
  const pages = await caches.open(pagesCacheName);
  const shell = await caches.open(cacheName);
  const kept =
    (await pages.match(request, { ignoreSearch: true })) ||
    (await shell.match(self.registration.scope));
  return kept || response || Response.error();
}

// keepPage keeps the newest copy of a page, the most recently loaded
// maxPages pages in all (cache keys list in the order they were put).
async function keepPage(request, response) {
  const pages = await caches.open(pagesCacheName);
  await pages.delete(request, { ignoreSearch: true });
  await pages.put(request, response);
  const keys = await pages.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - maxPages))) {
    await pages.delete(old);
  }
}
