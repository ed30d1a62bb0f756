// The judge app's service worker: keeps the app shell so the app opens (and reloads) without
// a network. Network first, so a connected tablet always runs the server's current app; the
// cache answers when the network does not, or not within a few seconds. The API is never
// cached here: the app keeps its own data in IndexedDB.

const CACHE = 'skillboard-judge-shell-v1';
const SHELL = [
  '/judge',
  '/judge/app.css',
  '/judge/app.js',
  '/judge/api.js',
  '/judge/dom.js',
  '/judge/i18n.js',
  '/judge/marks.js',
  '/judge/outbox.js',
  '/judge/store.js',
  '/judge/manifest.webmanifest',
];
const NETWORK_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const isPage = request.mode === 'navigate' && (url.pathname === '/judge' || url.pathname === '/judge/');
  if (!isPage && !SHELL.includes(url.pathname)) return;
  const key = isPage ? '/judge' : url.pathname;
  event.respondWith(networkFirst(key, request));
});

async function networkFirst(key, request) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request, { cache: 'no-cache' }).then(async (response) => {
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  fromNetwork.catch(() => {});
  const late = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  try {
    const response = await Promise.race([fromNetwork, late]);
    if (response) return response;
  } catch {
    // no network: the cache answers
  }
  const cached = await cache.match(key);
  if (cached) return cached;
  return fromNetwork;
}
