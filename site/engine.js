// The page's side of the engine: one Web Worker per page, shared by the
// main page and every <rdlm-generator>, so that several generators load a
// model once and keep one copy of its weights.

const SHARED = Symbol.for('rdlm.engine');

/** sharedEngine returns the page's engine, starting its worker once. */
export function sharedEngine() {
  globalThis[SHARED] ??= new Engine(new URL('engine-worker.js', import.meta.url));
  return globalThis[SHARED];
}

/** defaultModelURL is the model shipped with the site (make site fills it). */
export const defaultModelURL = new URL('models/default/', import.meta.url).href;

// startWorker starts the engine's worker. A page may only construct a
// Worker from its own origin, so when this module was loaded from another
// one (the widget embedded from a CDN-style host) the worker is a
// same-origin blob that imports the engine's script (importScripts may
// load across origins) after telling it where the engine's files are.
function startWorker(url) {
  if (url.origin === globalThis.location?.origin) return new Worker(url);
  const base = new URL('.', url).href;
  const source = `self.rdlmBase = ${JSON.stringify(base)};\nimportScripts(${JSON.stringify(url.href)});\n`;
  const blobURL = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(blobURL);
  // The worker has fetched its script once it speaks (or fails).
  const revoke = () => URL.revokeObjectURL(blobURL);
  worker.addEventListener('message', revoke, { once: true });
  worker.addEventListener('error', revoke, { once: true });
  return worker;
}

class Engine {
  constructor(workerURL) {
    this.workerURL = workerURL;
    this.worker = null;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, onStep, onProgress, onStart}
    this.loads = new Map();   // absolute model URL -> {promise, progress listeners, weights}
    this.backend = null;
    this.backendListeners = new Set();
    // The engine's own download: {loaded, total, ready}; total 0 while not known.
    this.engineLoad = { loaded: 0, total: 0, ready: false };
    this.engineListeners = new Set();
  }

  start() {
    if (this.worker) return this.worker;
    this.engineLoad = { loaded: 0, total: 0, ready: false };
    try {
      this.worker = startWorker(this.workerURL);
    } catch (err) {
      // Reported through every request; a later request tries again.
      queueMicrotask(() => this.fail(`the engine could not start: ${err.message}`));
      return { postMessage() {} };
    }
    this.worker.onmessage = (e) => this.receive(e.data);
    // A crash (out of memory, a failed wasm start) fails every caller with
    // the reason; the next request starts a fresh worker.
    this.worker.onerror = (e) => {
      e.preventDefault?.();
      this.fail(`the engine stopped: ${e.message || `its script (${this.workerURL.href}) could not be loaded`}`);
    };
    return this.worker;
  }

  fail(message) {
    this.worker?.terminate();
    this.worker = null;
    this.loads.clear();
    for (const p of this.pending.values()) p.reject(new Error(message));
    this.pending.clear();
  }

  receive(m) {
    switch (m.type) {
      case 'fatal': return this.fail(m.message);
      case 'backend':
        this.backend = m.backend;
        for (const f of this.backendListeners) f(m.backend);
        return;
      case 'engine-progress':
        this.engineLoad = { loaded: m.loaded, total: m.total, ready: false };
        for (const f of this.engineListeners) f(this.engineLoad);
        return;
      case 'engine-ready':
        this.engineLoad = { ...this.engineLoad, ready: true };
        for (const f of this.engineListeners) f(this.engineLoad);
        return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress': p.onProgress?.(m); break;
      case 'started': p.onStart?.(); break;
      case 'step': p.onStep?.(m); break;
      case 'loaded': this.pending.delete(m.id); p.resolve({ key: m.key, info: m.info, source: m.source }); break;
      case 'preview': this.pending.delete(m.id); p.resolve(m.preview); break;
      case 'done': this.pending.delete(m.id); p.resolve(m.result); break;
      case 'error': this.pending.delete(m.id); p.reject(new Error(m.message)); break;
    }
  }

  request(msg, handlers = {}, transfer = []) {
    const worker = this.start();
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, ...handlers }));
    worker.postMessage({ ...msg, id }, transfer);
    return { id, promise };
  }

  /** onBackend calls f with {name, gpu, reason} now (if known) and on every change. */
  onBackend(f) {
    this.backendListeners.add(f);
    if (this.backend) f(this.backend);
    return () => this.backendListeners.delete(f);
  }

  /**
   * loadModel loads a model folder (or its config.json) by URL, once per URL.
   * onProgress sees {engine, weights}, each {loaded, total} (total 0 while
   * not known; engine.ready once compiled, weights.cached when no download
   * was needed): the first load of a page waits on both, and they download
   * together.
   */
  loadModel(url, { onProgress } = {}) {
    const abs = new URL(url, document.baseURI).href;
    let load = this.loads.get(abs);
    if (!load) {
      const listeners = new Set();
      load = { listeners, weights: { loaded: 0, total: 0, cached: false } };
      const tell = () => { for (const f of listeners) f({ engine: this.engineLoad, weights: load.weights }); };
      const { promise } = this.request({ type: 'load', url: abs }, {
        onProgress: (m) => { load.weights = { loaded: m.loaded, total: m.total, cached: m.cached }; tell(); },
      });
      this.engineListeners.add(tell);
      promise.finally(() => this.engineListeners.delete(tell)).catch(() => {});
      load.promise = promise;
      this.loads.set(abs, load);
      promise.catch(() => this.loads.delete(abs));
    }
    if (onProgress) {
      load.listeners.add(onProgress);
      onProgress({ engine: this.engineLoad, weights: load.weights });
      load.promise.finally(() => load.listeners.delete(onProgress)).catch(() => {});
    }
    return load.promise;
  }

  /** loadBytes loads a model from its two files' contents (ArrayBuffers, transferred). */
  loadBytes(config, weights) {
    return this.request({ type: 'loadBytes', config, weights }, {}, [config, weights]).promise;
  }

  /**
   * preview checks a request with the model under key, as generate would,
   * and resolves to what will run: {steps, length, samples, hold, changes}
   * (hold: the prompt or template as the model sees it; changes: what
   * normalising did, in words). It rejects with the reason a request is refused.
   */
  preview(key, request) {
    return this.request({ type: 'preview', key, request }).promise;
  }

  /**
   * generate runs a request ({steps, seed, samples, length, prompt, template})
   * with the model under key; onStart is called when it leaves the queue (the
   * page and every widget share one engine), onStep on every step. It returns
   * the result's promise and a cancel function.
   */
  generate(key, request, { onStep, onStart } = {}) {
    const { id, promise } = this.request({ type: 'generate', key, request }, { onStep, onStart });
    return { promise, cancel: () => this.worker?.postMessage({ type: 'cancel', id }) };
  }
}

/**
 * describeLoad turns a loadModel progress report into one bar and one line
 * covering both downloads: {fraction (0..1, or -1 while a total is not
 * known), text}.
 */
export function describeLoad({ engine, weights }) {
  const mb = (x) => (x / 1048576).toFixed(1);
  const part = (name, p, doneWord) => {
    if (p.done) return `${name} ${doneWord}`;
    return p.total > 0 ? `${name} ${mb(p.loaded)} / ${mb(p.total)} MB` : `${name} ${mb(p.loaded)} MB`;
  };
  const e = { ...engine, done: engine.ready };
  const w = { ...weights, done: weights.cached || (weights.total > 0 && weights.loaded >= weights.total) };
  const known = engine.total > 0 && weights.total > 0;
  const fraction = known ? (engine.loaded + weights.loaded) / (engine.total + weights.total) : -1;
  const text = `${part('engine', e, 'ready')} · ${part('model', w, weights.cached ? 'from the cache' : 'downloaded')}`;
  return { fraction: Math.min(1, fraction), text };
}
