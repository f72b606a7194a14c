// The engine's Web Worker: it runs the Go engine (rdlm.wasm) off the page's
// thread, downloads and caches models, and runs one generation at a time
// for every generator on the page (the page and each widget share it).
//
// The engine starts downloading and compiling as soon as the worker runs,
// and a model's config and weights download at the same time: nothing waits
// for the engine but the checks, which need it.
//
// Messages in:  {type:'load', id, url} | {type:'loadBytes', id, name, config, weights}
//               {type:'preview', id, key, request}
//               {type:'generate', id, key, request} | {type:'cancel', id}
// Messages out: {type:'progress', id, loaded, total, cached} (the weights; total 0: not known yet)
//               {type:'loaded', id, key, info, source}
//               {type:'preview', id, preview}
//               {type:'started', id} (a queued generation begins)
//               {type:'step', id, ...} | {type:'done', id, result} | {type:'error', id, message}
//               (an image model's step and result carry pixels, a Uint8Array)
//               broadcasts: {type:'engine-progress', loaded, total} | {type:'engine-ready'}
//               {type:'backend', backend}
//
// When the page's origin differs from the engine's (the widget embedded
// from another host), engine.js starts this script from a same-origin blob
// worker that sets self.rdlmBase to the engine's folder first; every file
// is then fetched from there, over CORS.
'use strict';

const engineBase = self.rdlmBase || self.location.href;
importScripts(new URL('wasm_exec.js', engineBase).href, new URL('model-fetch.js', engineBase).href);

// site/build.sh versions the engine's file name (its content hash) and
// writes its size, for the progress bar: with Content-Encoding, the
// response's Content-Length is the compressed size.
const ENGINE_FILE = 'rdlm.wasm';
const ENGINE_BYTES = 0;

const engineReady = startEngine();
const models = new Map();  // sha256 -> Go handle
const loading = new Map(); // model URL -> Promise<{key, info, source}>
const queue = [];          // generations waiting for the engine
let running = null;        // the queue item in progress
let nextJob = 1;           // the engine's generation ids

function post(msg, transfer) { self.postMessage(msg, transfer || []); }

// startEngine compiles the wasm while it downloads (streaming compilation),
// reporting the bytes received.
async function startEngine() {
  const go = new Go();
  const url = new URL(ENGINE_FILE, engineBase).href;
  const resp = await fetchOrExplain(url);
  const progress = (loaded, total) => post({ type: 'engine-progress', loaded, total });
  let instance;
  if (/^application\/wasm\b/.test(resp.headers.get('Content-Type') || '')) {
    // The progress is counted on a copy of the body, so that the engine
    // compiles from the response itself: the browser then keeps the
    // compiled code with the cached file, and a repeat visit skips compiling.
    countBody(resp.clone(), ENGINE_BYTES, progress);
    ({ instance } = await WebAssembly.instantiateStreaming(resp, go.importObject));
  } else {
    // A host that serves .wasm with another type: compile from the bytes.
    const bytes = await readWithProgress(resp, (loaded, total) => progress(loaded, total || ENGINE_BYTES));
    ({ instance } = await WebAssembly.instantiate(bytes, go.importObject));
  }
  go.run(instance); // returns once Go's main blocks; rdlmEngine is set by then
  post({ type: 'engine-ready' });
  return self.rdlmEngine;
}

// register checks the bytes in Go (structure, shapes, sha256), keeps the
// decoded model, and warms it up with a one-step generation, which also
// picks the backend the badge shows.
async function register(engine, configBytes, weights, source) {
  const { handle, info } = await engine.load(configBytes, weights);
  models.set(info.sha256, handle);
  await new Promise((resolve, reject) => {
    // An image model samples whole images only, so its warm-up is one.
    const request = info.image ? { steps: 1 } : { steps: 1, length: 1 };
    queue.push({ id: null, key: info.sha256, request, resolve, reject });
    runNext();
  });
  return { key: info.sha256, info, source };
}

// weightsHashOf reads the weights' sha256 from config.json without the
// engine, so that the weights can be looked up and fetched while the engine
// still compiles. It is only a cache key and a head start: the engine
// checks the config, and the bytes against the hash, before any use.
function weightsHashOf(configBytes) {
  try {
    const sha = JSON.parse(new TextDecoder().decode(configBytes)).weights_sha256;
    return typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha) ? sha : '';
  } catch {
    return '';
  }
}

async function loadURL(id, url) {
  const files = modelFiles(url);
  const configBytes = await readWithProgress(await fetchOrExplain(files.config), () => {});
  const progress = (loaded, total, cached = false) => post({ type: 'progress', id, loaded, total, cached });
  const sha = weightsHashOf(configBytes);
  const abort = new AbortController();
  // The weights: from memory or the cache when there, else downloading now.
  const weights = (async () => {
    if (!sha || models.has(sha)) return null;
    const hit = await cachedWeights(sha);
    if (hit) { progress(hit.bytes.length, hit.bytes.length, true); return hit; }
    return { bytes: await downloadWeights(files.weights, abort.signal, progress), source: 'network' };
  })();
  weights.catch(() => {}); // awaited below, unless the config is refused first
  let engine, info;
  try {
    engine = await engineReady;
    info = await engine.checkConfig(configBytes);
  } catch (err) {
    abort.abort(); // a model that cannot run here is not worth its download
    throw err;
  }
  if (models.has(info.sha256)) { abort.abort(); return { key: info.sha256, info, source: 'loaded' }; }
  let got = info.sha256 === sha ? await weights : null;
  if (got && got.source !== 'network') {
    try {
      return await register(engine, configBytes, got.bytes, got.source);
    } catch {
      await forgetWeights(info.sha256); // damaged in storage: download again
      got = null;
    }
  }
  if (!got) got = { bytes: await downloadWeights(files.weights, undefined, progress), source: 'network' };
  const loaded = await register(engine, configBytes, got.bytes, 'network');
  await storeWeights(info.sha256, got.bytes); // only bytes that passed the checks
  return loaded;
}

async function downloadWeights(url, signal, progress) {
  const resp = await fetchOrExplain(url, signal);
  return readWithProgress(resp, progress, safetensorsSize);
}

async function loadBytes(config, weights) {
  const engine = await engineReady;
  const configBytes = new Uint8Array(config);
  const info = await engine.checkConfig(configBytes);
  if (!models.has(info.sha256)) return register(engine, configBytes, new Uint8Array(weights), 'file');
  // The same model is loaded already: still check these bytes, so that a
  // damaged file is reported rather than silently replaced by the good copy.
  const { handle } = await engine.load(configBytes, new Uint8Array(weights));
  engine.unload(handle);
  return { key: info.sha256, info, source: 'loaded' };
}

async function runNext() {
  if (running !== null || queue.length === 0) return;
  // A job with resolve is the engine's own (a warm-up); the others come
  // from the page and answer with messages.
  const item = queue.shift();
  const { id, key, request, resolve, reject } = item;
  running = item;
  item.job = nextJob++;
  if (!resolve) post({ type: 'started', id });
  try {
    const engine = await engineReady;
    const handle = models.get(key);
    if (handle === undefined) throw new Error('this model is not loaded');
    const onStep = resolve ? undefined
      : (ev) => post({ type: 'step', id, ...ev }, ev.pixels ? [ev.prob.buffer, ev.pixels.buffer] : [ev.prob.buffer]);
    const result = await engine.generate(item.job, handle, JSON.stringify(request), onStep,
      (backend) => post({ type: 'backend', backend }));
    post({ type: 'backend', backend: result.backend });
    if (resolve) resolve(result); else post({ type: 'done', id, result }, result.pixels ? [result.pixels.buffer] : []);
  } catch (err) {
    if (reject) reject(err); else post({ type: 'error', id, message: err.message || String(err) });
  } finally {
    running = null;
    runNext();
  }
}

async function answer(id, type, work) {
  try {
    post({ type, id, ...(await work()) });
  } catch (err) {
    post({ type: 'error', id, message: err.message || String(err) });
  }
}

async function preview(key, request) {
  const engine = await engineReady;
  const handle = models.get(key);
  if (handle === undefined) throw new Error('this model is not loaded');
  return { preview: await engine.preview(handle, JSON.stringify(request)) };
}

self.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'load': {
      // Several widgets naming one model share one download and one copy.
      let p = loading.get(m.url);
      if (!p) {
        p = loadURL(m.id, m.url);
        loading.set(m.url, p);
        p.catch(() => loading.delete(m.url));
      }
      answer(m.id, 'loaded', () => p);
      break;
    }
    case 'loadBytes':
      answer(m.id, 'loaded', () => loadBytes(m.config, m.weights));
      break;
    case 'preview':
      answer(m.id, 'preview', () => preview(m.key, m.request));
      break;
    case 'generate':
      queue.push(m);
      runNext();
      break;
    case 'cancel': {
      const i = queue.findIndex((q) => q.id === m.id);
      if (i >= 0) {
        queue.splice(i, 1);
        post({ type: 'done', id: m.id, result: { texts: [], cancelled: true } });
      } else if (running && running.id === m.id) {
        const job = running.job;
        engineReady.then((engine) => engine.cancel(job));
      }
      break;
    }
    default:
      post({ type: 'error', id: m.id, message: `unknown message type ${m.type}` });
  }
};

engineReady.catch((err) => post({ type: 'fatal', message: `the engine did not start: ${err.message || err}` }));
