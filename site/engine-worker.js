// The engine's Web Worker: it runs the Go engine (rdlm.wasm) off the page's
// thread, downloads and caches models, and runs one generation at a time
// for every generator on the page (the page and each widget share it).
//
// Messages in:  {type:'load', id, url} | {type:'loadBytes', id, name, config, weights}
//               {type:'generate', id, key, request} | {type:'cancel', id}
// Messages out: {type:'progress', id, loaded, total} | {type:'loaded', id, key, info, source}
//               {type:'step', id, ...} | {type:'done', id, result} | {type:'error', id, message}
//               (an image model's step and result carry pixels, a Uint8Array)
//               {type:'backend', backend} (broadcast)
'use strict';

importScripts('wasm_exec.js', 'model-fetch.js');

const engineReady = startEngine();
const models = new Map();  // sha256 -> Go handle
const loading = new Map(); // model URL -> Promise<{key, info, source}>
const queue = [];          // generations waiting for the engine
let running = null;        // the queue item in progress
let nextJob = 1;           // the engine's generation ids

async function startEngine() {
  const go = new Go();
  let instance;
  try {
    ({ instance } = await WebAssembly.instantiateStreaming(fetch('rdlm.wasm'), go.importObject));
  } catch {
    // A host that serves .wasm with the wrong type: compile from bytes.
    const resp = await fetchOrExplain(new URL('rdlm.wasm', self.location.href).href);
    ({ instance } = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject));
  }
  go.run(instance); // returns once Go's main blocks; rdlmEngine is set by then
  return self.rdlmEngine;
}

function post(msg, transfer) { self.postMessage(msg, transfer || []); }

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

async function loadURL(id, url) {
  const engine = await engineReady;
  const files = modelFiles(url);
  const configBytes = await readWithProgress(await fetchOrExplain(files.config), () => {});
  const info = await engine.checkConfig(configBytes);
  if (models.has(info.sha256)) return { key: info.sha256, info, source: 'loaded' };
  const hit = await cachedWeights(info.sha256);
  if (hit) {
    post({ type: 'progress', id, loaded: hit.bytes.length, total: hit.bytes.length });
    try {
      return await register(engine, configBytes, hit.bytes, hit.source);
    } catch {
      await forgetWeights(info.sha256); // damaged in storage: download again
    }
  }
  const resp = await fetchOrExplain(files.weights);
  const weights = await readWithProgress(resp, (loaded, total) => post({ type: 'progress', id, loaded, total }));
  const loaded = await register(engine, configBytes, weights, 'network');
  await storeWeights(info.sha256, weights); // only bytes that passed the checks
  return loaded;
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

async function answer(id, work) {
  try {
    post({ type: 'loaded', id, ...(await work()) });
  } catch (err) {
    post({ type: 'error', id, message: err.message || String(err) });
  }
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
      answer(m.id, () => p);
      break;
    }
    case 'loadBytes':
      answer(m.id, () => loadBytes(m.config, m.weights));
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
