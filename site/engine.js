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

class Engine {
  constructor(workerURL) {
    this.workerURL = workerURL;
    this.worker = null;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, onStep, onProgress}
    this.loads = new Map();   // absolute model URL -> {promise, progress listeners}
    this.backend = null;
    this.backendListeners = new Set();
  }

  start() {
    if (this.worker) return this.worker;
    this.worker = new Worker(this.workerURL);
    this.worker.onmessage = (e) => this.receive(e.data);
    // A crash (out of memory, a failed wasm start) fails every caller with
    // the reason; the next request starts a fresh worker.
    this.worker.onerror = (e) => this.fail(`the engine stopped: ${e.message || 'worker error'}`);
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
    if (m.type === 'fatal') return this.fail(m.message);
    if (m.type === 'backend') {
      this.backend = m.backend;
      for (const f of this.backendListeners) f(m.backend);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress': p.onProgress?.(m.loaded, m.total); break;
      case 'step': p.onStep?.(m); break;
      case 'loaded': this.pending.delete(m.id); p.resolve({ key: m.key, info: m.info, source: m.source }); break;
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

  /** loadModel loads a model folder (or its config.json) by URL, once per URL. */
  loadModel(url, { onProgress } = {}) {
    const abs = new URL(url, document.baseURI).href;
    let load = this.loads.get(abs);
    if (!load) {
      const listeners = new Set();
      const { promise } = this.request({ type: 'load', url: abs }, {
        onProgress: (loaded, total) => { for (const f of listeners) f(loaded, total); },
      });
      load = { promise, listeners };
      this.loads.set(abs, load);
      promise.catch(() => this.loads.delete(abs));
    }
    if (onProgress) {
      load.listeners.add(onProgress);
      load.promise.finally(() => load.listeners.delete(onProgress)).catch(() => {});
    }
    return load.promise;
  }

  /** loadBytes loads a model from its two files' contents (ArrayBuffers, transferred). */
  loadBytes(config, weights) {
    return this.request({ type: 'loadBytes', config, weights }, {}, [config, weights]).promise;
  }

  /**
   * generate runs a request ({steps, seed, samples, length, prompt, template})
   * with the model under key; onStep sees every step. It returns the result's
   * promise and a cancel function.
   */
  generate(key, request, { onStep } = {}) {
    const { id, promise } = this.request({ type: 'generate', key, request }, { onStep });
    return { promise, cancel: () => this.worker?.postMessage({ type: 'cancel', id }) };
  }
}
