/*
 * greentour crew service worker (version {{ version }}).
 *
 * Caches the app shell on install (HTML, JS, CSS, Leaflet, manifest, icon) and the crew's tour
 * responses (network first, cache when offline). No map tiles are ever fetched or cached: the
 * crew view draws sites and road legs as vectors from the tour payload.
 * Reports are not handled here: the page queues them in IndexedDB and sends them itself.
 * Service workers run only in a secure context (HTTPS, or localhost during development).
 */
const VERSION = "{{ version }}";
const SHELL_CACHE = `greentour-crew-shell-${VERSION}`;
const TOUR_CACHE = "greentour-crew-tour";
const SHELL_URLS = {{ shell_urls | tojson }};
const SHELL_INDEX = SHELL_URLS[0];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL_URLS))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys
        .filter((k) => k.startsWith("greentour-crew-shell-") && k !== SHELL_CACHE)
        .map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

function isTourRequest(url) {
  return url.pathname.includes("/api/v1/crew/tour");
}

async function networkFirstTour(request) {
  const cache = await caches.open(TOUR_CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw err;
  }
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const url = new URL(request.url);
  const key = url.pathname === SHELL_INDEX ? SHELL_INDEX : request;
  const cached = await cache.match(key, { ignoreSearch: true });
  if (cached) {
    // Refresh in the background so the next start gets a new shell (stale-while-revalidate).
    fetch(request).then((res) => {
      if (res.ok && SHELL_URLS.includes(url.pathname)) cache.put(key, res);
    }).catch(() => {});
    return cached;
  }
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isTourRequest(url)) {
    event.respondWith(networkFirstTour(request));
    return;
  }
  // Only the crew view itself and its assets: other pages under /crew/ (the planner's tablet
  // page /crew/geraete) always go to the network.
  if (SHELL_URLS.includes(url.pathname)) {
    event.respondWith(shellFirst(request));
  }
});
