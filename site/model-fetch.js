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
  const u = new URL(url); // the page sends absolute URLs
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`model URL must be http(s), got ${u.protocol}`);
  }
  if (u.pathname.endsWith('.json')) {
    return { config: u.href, weights: new URL('model.safetensors', u).href };
  }
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return { config: new URL('config.json', u).href, weights: new URL('model.safetensors', u).href };
}

async function fetchOrExplain(url, signal) {
  let resp;
  try {
    resp = await fetch(url, { signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new Error(`could not fetch ${url}: a network error, or the server does not allow cross-origin requests (CORS)`);
  }
  if (!resp.ok) throw new Error(`could not fetch ${url}: HTTP ${resp.status} ${resp.statusText}`.trim());
  return resp;
}

// bodyTotal is the size of resp's body as it will be read, or 0 when the
// headers cannot say: with a Content-Encoding, Content-Length counts the
// compressed bytes, not the ones the stream gives. (A cross-origin response
// may hide its Content-Encoding; readers also drop a total once passed.)
function bodyTotal(resp) {
  if (resp.headers.get('Content-Encoding')) return 0;
  return Number(resp.headers.get('Content-Length')) || 0;
}

// readWithProgress reads a response body, reporting (loaded, total); total
// is 0 while not known. sizeOf, given the bytes so far, may tell the total
// from the file's own header (see safetensorsSize).
async function readWithProgress(resp, onProgress, sizeOf) {
  let total = bodyTotal(resp);
  if (!resp.body) {
    const b = new Uint8Array(await resp.arrayBuffer());
    onProgress(b.length, b.length);
    return b;
  }
  const reader = resp.body.getReader();
  const chunks = [];
  let loaded = 0;
  let head = null; // the first bytes, while sizeOf still needs more
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    if (sizeOf && (head !== null || chunks.length === 1)) {
      head = joinChunks(chunks, Math.min(loaded, 1 << 20));
      const n = sizeOf(head);
      if (n > 0 || loaded >= 1 << 20) { if (n > 0) total = n; head = null; sizeOf = null; }
    }
    if (total && loaded > total) total = 0; // the total was wrong: say nothing rather than over 100%
    onProgress(loaded, total);
  }
  return joinChunks(chunks, loaded);
}

// joinChunks copies the first n bytes of chunks into one array.
function joinChunks(chunks, n) {
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    if (at >= n) break;
    const part = c.length <= n - at ? c : c.subarray(0, n - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// countBody reads resp's body (a clone of a response that something else
// consumes, such as WebAssembly.instantiateStreaming) only to report the
// bytes as they arrive; errors are the consumer's to report.
async function countBody(resp, total, onProgress) {
  total ||= bodyTotal(resp);
  let loaded = 0;
  try {
    const reader = resp.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.length;
      if (total && loaded > total) total = 0;
      onProgress(loaded, total);
    }
  } catch { /* the download failed: the consumer sees it too */ }
}

// safetensorsSize reads a safetensors file's size from its first bytes: an
// 8-byte little-endian header length, then a JSON header whose tensors'
// data_offsets end where the file does. 0 while the header is incomplete
// or not readable (the engine reports what is wrong with a bad file).
function safetensorsSize(head) {
  if (head.length < 8) return 0;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > 100 << 20 || head.length < 8 + n) return 0;
  try {
    const header = JSON.parse(new TextDecoder().decode(head.subarray(8, 8 + n)));
    let end = 0;
    for (const [name, t] of Object.entries(header)) {
      if (name !== '__metadata__' && Array.isArray(t.data_offsets)) end = Math.max(end, Number(t.data_offsets[1]) || 0);
    }
    return end > 0 ? 8 + n + end : 0;
  } catch {
    return 0;
  }
}

// cacheKey names the weights in the page's Cache API store. The URL is the
// page's origin (a blob worker's location cannot be a base URL); it is
// never fetched.
function cacheKey(sha) {
  return new Request(new URL(`/rdlm-weights/${sha}`, self.location.origin).href);
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
