// <rdlm-generator>: RDLM text (or image) generation embedded in any page.
//
//   <script type="module" src="https://…/rdlm-widget.js"></script>
//   <rdlm-generator model="models/default/" steps="64" seed="1" length="128"></rdlm-generator>
//
// Attributes (all optional): model (a model folder URL; default: the one
// next to this script), steps (1-4096), seed (>= 0), length (1 to the
// model's), prompt or template (text; "_" marks a blank in a template),
// mode ("text", the default, or "image" for an image model: a grid of
// samples on a canvas) and samples (image mode: images in the grid, 1-32,
// default 4). The mode is said, not guessed, so that a page written for
// text never silently shows pixels, and each mismatch gets a message.
// Every widget on a page shares one engine worker and one copy of each model.
import { sharedEngine, defaultModelURL } from './engine.js';
import { LiveText, ImageGrid, describeImage, formatMs, intInRange, meanOf } from './live-view.js';

const MODES = ['text', 'image'];

const STYLE = `
:host { display: block; max-width: 44rem; margin: 1.2rem 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1c24; }
.card { border: 1px solid #e3e1da; border-radius: 12px; background: #fff; overflow: hidden; }
.screen { background: #15131f; color: #f4f1e8; padding: 0.9rem 1rem; min-height: 4.6rem; }
.sample { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92rem; line-height: 1.55; white-space: pre-wrap; word-break: break-all; }
.idle { color: #a7a2c0; }
.screen canvas { display: block; margin: 0 auto; max-width: 100%; image-rendering: pixelated; }
.c0 { color: #3d3668; } .c1 { color: #4a3f8a; } .c2 { color: #5a4ca8; } .c3 { color: #6d5cc4; } .c4 { color: #8070d8; }
.c5 { color: #9787e4; } .c6 { color: #b0a3ec; } .c7 { color: #c9c0f0; } .c8 { color: #e0daf2; } .c9 { color: #f4f1e8; }
.meter { height: 3px; background: #2a2540; } .meter i { display: block; height: 100%; width: 0; background: #8f7fe8; transition: width 0.1s; }
.bar { display: flex; align-items: center; gap: 0.6rem; padding: 0.55rem 0.8rem; flex-wrap: wrap; }
button { font: inherit; font-weight: 600; padding: 0.35rem 0.95rem; border-radius: 7px; border: 1px solid #5b4bd6; background: #5b4bd6; color: #fff; cursor: pointer; }
button.stop { background: #fff; color: #5b4bd6; }
button:disabled { opacity: 0.45; cursor: default; }
button:focus-visible, input:focus-visible { outline: 3px solid rgb(91 75 214 / 0.45); outline-offset: 1px; }
label { display: inline-flex; align-items: center; gap: 0.35rem; color: #6b6a76; font-size: 0.85rem; }
input { font: inherit; width: 6.5rem; padding: 0.25rem 0.45rem; border: 1px solid #e3e1da; border-radius: 6px; }
.status { color: #6b6a76; font-size: 0.82rem; flex: 1; min-width: 8rem; font-variant-numeric: tabular-nums; }
.status.error { color: #b3261e; }
.badge { font-size: 0.75rem; padding: 0.15rem 0.55rem; border-radius: 999px; background: #eeedf3; color: #3b3a48; white-space: nowrap; }
progress { width: 100%; height: 4px; display: block; accent-color: #5b4bd6; }
`;

class RdlmGenerator extends HTMLElement {
  static observedAttributes = ['model', 'steps', 'seed', 'length', 'prompt', 'template', 'mode', 'samples'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${STYLE}</style>
      <div class="card" role="group" aria-label="RDLM text generator">
        <progress part="progress" hidden max="1" value="0" aria-label="Model download"></progress>
        <div class="screen" part="screen" aria-live="polite"><div class="sample idle">Press Generate to watch text condense out of noise.</div></div>
        <div class="meter" aria-hidden="true"><i></i></div>
        <div class="bar">
          <button type="button" class="go" disabled>Generate</button>
          <label>seed <input type="number" class="seed" min="0" inputmode="numeric"></label>
          <span class="status" role="status">loading model…</span>
          <span class="badge" title="">…</span>
        </div>
      </div>`;
    this.$ = (sel) => root.querySelector(sel);
    this.model = null;
    this.job = null;
    this.$('.go').addEventListener('click', () => (this.job ? this.job.cancel() : this.generate()));
    this.$('.seed').addEventListener('keydown', (e) => { if (e.key === 'Enter') this.generate(); });
  }

  connectedCallback() {
    const engine = sharedEngine();
    this.unlisten = engine.onBackend((b) => {
      const badge = this.$('.badge');
      badge.textContent = b.gpu ? `WebGPU · ${b.name}` : b.name;
      badge.title = b.reason || '';
    });
    this.$('.seed').value = this.getAttribute('seed') ?? '1';
    this.loadModel();
  }

  disconnectedCallback() {
    this.unlisten?.();
    this.job?.cancel();
  }

  attributeChangedCallback(name, old, value) {
    if (!this.isConnected || old === value) return;
    if (name === 'model' || name === 'mode') this.loadModel();
    if (name === 'seed') this.$('.seed').value = value ?? '1';
  }

  status(text, isError = false) {
    const s = this.$('.status');
    s.textContent = text;
    s.classList.toggle('error', isError);
  }

  async loadModel() {
    const attr = this.getAttribute('model');
    let url;
    try {
      url = attr ? new URL(attr, document.baseURI) : new URL(defaultModelURL);
      if (!/^https?:$/.test(url.protocol)) throw new Error();
    } catch {
      this.status(`model="${attr}" is not an http(s) URL`, true);
      return;
    }
    this.model = null;
    this.$('.go').disabled = true;
    this.status('loading model…');
    const bar = this.$('progress');
    try {
      const loaded = await sharedEngine().loadModel(url.href, {
        onProgress: (loaded, total) => { bar.hidden = false; bar.max = total || 1; bar.value = total ? loaded : 0; },
      });
      const problem = this.modeProblem(loaded.info);
      if (problem) {
        this.status(problem, true);
        this.dataset.state = 'error';
        return;
      }
      this.model = loaded;
      this.idle();
      this.$('.go').disabled = false;
      this.status('ready');
      this.dataset.state = 'ready';
    } catch (err) {
      this.status(`could not load the model: ${err.message}`, true);
      this.dataset.state = 'error';
    } finally {
      bar.hidden = true;
    }
  }

  mode() { return this.getAttribute('mode') ?? 'text'; }

  // modeProblem says why the mode attribute and the model do not go
  // together, or returns '' when they do.
  modeProblem(info) {
    const mode = this.mode();
    if (!MODES.includes(mode)) return `mode="${mode}" is not a mode: use "text" or "image"`;
    if (mode === 'image' && !info.image) return 'mode="image" needs an image model, but this model generates text (drop the mode attribute, or set model to an image model)';
    if (mode === 'text' && info.image) return `this is an image model (${describeImage(info.image)}): add mode="image" to draw it`;
    return '';
  }

  // idle shows what the screen will show, before the first generation.
  idle() {
    const p = document.createElement('div');
    p.className = 'sample idle';
    p.textContent = this.model.info.image
      ? 'Press Generate to watch images condense out of noise.'
      : 'Press Generate to watch text condense out of noise.';
    this.$('.screen').replaceChildren(p);
    this.$('.card').setAttribute('aria-label', `RDLM ${this.model.info.image ? 'image' : 'text'} generator`);
  }

  // request reads and checks the attributes and the seed box.
  request() {
    const info = this.model.info;
    const r = {};
    // Image models sample whole images: length, prompt and template do
    // not apply, and samples sets the grid instead.
    const checks = info.image ? [['steps', 'steps', 1, 4096], ['samples', 'samples', 1, 32]] : [
      ['steps', 'steps', 1, 4096],
      ['length', 'length', 1, info.length],
    ];
    for (const [attr, key, lo, hi] of checks) {
      if (!this.hasAttribute(attr)) continue;
      const v = intInRange(this.getAttribute(attr), attr, lo, hi);
      if (v.error) return { error: `${v.error} (attribute ${attr})` };
      r[key] = v.value;
    }
    const seed = intInRange(this.$('.seed').value, 'seed', 0, Number.MAX_SAFE_INTEGER);
    if (seed.error) return seed;
    r.seed = seed.value;
    if (info.image) {
      r.samples ??= 4;
      return { request: r };
    }
    const prompt = this.getAttribute('prompt'), template = this.getAttribute('template');
    if (prompt && template) return { error: 'give a prompt or a template, not both' };
    if (prompt) r.prompt = prompt;
    if (template) { r.template = template; delete r.length; }
    return { request: r };
  }

  generate() {
    if (!this.model || this.job) return;
    const { request, error } = this.request();
    if (error) { this.status(error, true); return; }
    const screen = this.$('.screen');
    screen.replaceChildren();
    const image = this.model.info.image;
    let row = null, grid = null;
    if (image) {
      const canvas = document.createElement('canvas');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', 'Generated images, redrawn at every step');
      screen.append(canvas);
      grid = new ImageGrid(canvas, image, request.samples);
    } else {
      row = new LiveText(screen, 'Generated text');
    }
    const meter = this.$('.meter i');
    const go = this.$('.go');
    const started = performance.now();
    this.dataset.state = 'generating';
    this.job = sharedEngine().generate(this.model.key, request, {
      onStep: (ev) => {
        if (grid) grid.show(ev.pixels, ev.first, ev.n); else row.show(ev.top[0], ev.prob, 0);
        meter.style.width = `${(100 * (ev.step + 1)) / ev.steps}%`;
        this.status(`step ${ev.step + 1}/${ev.steps} · t ${ev.t.toFixed(2)} · confidence ${meanOf(ev.prob).toFixed(2)} · ${formatMs(performance.now() - started)}`);
      },
    });
    go.textContent = 'Stop';
    go.classList.add('stop');
    this.job.promise.then((res) => {
      if (res.cancelled) { this.status('stopped'); this.dataset.state = 'stopped'; return; }
      if (grid) grid.show(res.pixels, 0, res.images); else row.finish(res.texts[0]);
      this.status(`${res.steps} steps in ${formatMs(res.totalMs)}`);
      this.dataset.state = 'done';
    }, (err) => {
      this.status(err.message, true);
      this.dataset.state = 'error';
    }).finally(() => {
      this.job = null;
      go.textContent = 'Generate';
      go.classList.remove('stop');
      go.focus({ preventScroll: true });
    });
  }
}

if (!customElements.get('rdlm-generator')) customElements.define('rdlm-generator', RdlmGenerator);
