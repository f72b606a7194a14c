// Model download and cache for the engine worker (a classic script loaded
// with importScripts). Weights are kept in the Cache API under their
// sha256 from config.json, so a new model version is a new key and a cached
// copy can never be served for other weights; the engine checks the hash
// again on every load. When the Cache API is missing or full, bytes stay in
// memory for the life of the worker.
'use strict';

const WEIGHTS_CACHE = 'rdlm-weights-v1';
const memoryWeights = new Map(); // sha256 -> Uint8Array

// modelFiles turns a model URL (a folder, or its config.json) into the two
// file URLs. Only http(s) URLs are accepted.
function modelFiles(url) {
  const u = new URL(url, self.location.href);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`model URL must be http(s), got ${u.protocol}`);
  }
  if (u.pathname.endsWith('.json')) {
    return { config: u.href, weights: new URL('model.safetensors', u).href };
  }
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return { config: new URL('config.json', u).href, weights: new URL('model.safetensors', u).href };
}

async function fetchOrExplain(url) {
  let resp;
  try {
    resp = await fetch(url);
  } catch (err) {
    throw new Error(`could not fetch ${url}: a network error, or the server does not allow cross-origin requests (CORS)`);
  }
  if (!resp.ok) throw new Error(`could not fetch ${url}: HTTP ${resp.status} ${resp.statusText}`.trim());
  return resp;
}

// readWithProgress reads a response body, reporting (loaded, total); total
// is 0 when the server does not say.
async function readWithProgress(resp, onProgress) {
  const total = Number(resp.headers.get('Content-Length')) || 0;
  if (!resp.body) {
    const b = new Uint8Array(await resp.arrayBuffer());
    onProgress(b.length, b.length);
    return b;
  }
  const reader = resp.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

function cacheKey(sha) {
  return new Request(new URL(`rdlm-weights/${sha}`, self.location.href).href);
}

async function openWeightsCache() {
  if (typeof caches === 'undefined') return null;
  try { return await caches.open(WEIGHTS_CACHE); } catch { return null; }
}

// cachedWeights returns the bytes stored under sha, or null.
async function cachedWeights(sha) {
  if (memoryWeights.has(sha)) return { bytes: memoryWeights.get(sha), source: 'memory' };
  const cache = await openWeightsCache();
  if (!cache) return null;
  const hit = await cache.match(cacheKey(sha));
  if (!hit) return null;
  return { bytes: new Uint8Array(await hit.arrayBuffer()), source: 'cache' };
}

// storeWeights keeps verified bytes: in the Cache API if it takes them
// (storage may be full), else in memory. It returns where they went.
async function storeWeights(sha, bytes) {
  const cache = await openWeightsCache();
  if (cache) {
    try {
      await cache.put(cacheKey(sha), new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } }));
      return 'cache';
    } catch { /* quota exceeded or storage disabled: fall through */ }
  }
  memoryWeights.set(sha, bytes);
  return 'memory';
}

async function forgetWeights(sha) {
  memoryWeights.delete(sha);
  const cache = await openWeightsCache();
  if (cache) await cache.delete(cacheKey(sha));
}
