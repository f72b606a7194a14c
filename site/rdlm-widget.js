// <rdlm-generator>: RDLM text (or image) generation embedded in any page.
//
//   <script type="module" src="https://…/rdlm-widget.js"></script>
//   <rdlm-generator model="models/default/" steps="64" seed="1" length="128">
//     RDLM text generator (needs JavaScript and a host that allows cross-origin loading)
//   </rdlm-generator>
//
// Attributes (all optional): model (a model folder URL; default: the one
// next to this script), steps (1-4096; default: the model's), seed (>= 0),
// length (1 to the model's), prompt or template (text; "_" marks a blank in
// a template), mode ("text", the default, or "image" for an image model: a
// grid of samples on a canvas) and samples (image mode: images in the grid,
// 1-32, default 4) and rule (the walk's step: "exact", the default as on
// the page, or "euler", the reference's). The mode is said, not guessed, so that a page written
// for text never silently shows pixels, and each mismatch gets a message.
// The element's own content is shown only until the script runs: where it
// cannot load (a host without CORS), that content is what the reader sees.
// Every widget on a page shares one engine worker and one copy of each
// model; the engine checks every request (Engine.preview), so the widget
// refuses exactly what the page refuses.
import { sharedEngine, defaultModelURL, describeLoad } from './engine.js';
import { LiveText, ImageGrid, describeImage, formatMs, wholeNumber, meanOf } from './live-view.js';

const MODES = ['text', 'image'];

// The confidence shades are the page's (style.css): each at least 3:1
// against the screen, the finished text 16:1.
const STYLE = `
:host { display: block; max-width: 44rem; margin: 1.2rem 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1c24; }
.card { border: 1px solid #e3e1da; border-radius: 12px; background: #fff; overflow: hidden; }
.screen { background: #15131f; color: #f4f1e8; padding: 0.9rem 1rem; min-height: 4.6rem; }
.sample { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92rem; line-height: 1.55; white-space: pre-wrap; overflow-wrap: anywhere; }
.idle { color: #b9b4d0; }
.idle code { color: #f4f1e8; font: inherit; }
.screen canvas { display: block; margin: 0 auto; max-width: 100%; image-rendering: pixelated; }
.c0 { color: #6858c4; } .c1 { color: #7567c8; } .c2 { color: #8376cb; } .c3 { color: #9185cf; } .c4 { color: #9f95d3; }
.c5 { color: #afa5d6; } .c6 { color: #beb7da; } .c7 { color: #cfc9df; } .c8 { color: #e1dde3; } .c9 { color: #f4f1e8; }
.meter { height: 3px; background: #2a2540; } .meter i { display: block; height: 100%; width: 0; background: #8f7fe8; transition: width 0.1s; }
.bar { display: flex; align-items: center; gap: 0.6rem; padding: 0.55rem 0.8rem; flex-wrap: wrap; }
button { font: inherit; font-weight: 600; padding: 0.35rem 0.95rem; border-radius: 7px; border: 1px solid #5b4bd6; background: #5b4bd6; color: #fff; cursor: pointer; }
button.stop { background: #fff; color: #5b4bd6; }
button:disabled, button[aria-disabled=true] { opacity: 0.45; cursor: default; }
button:focus-visible, input:focus-visible { outline: 3px solid rgb(91 75 214 / 0.45); outline-offset: 1px; }
label { display: inline-flex; align-items: center; gap: 0.35rem; color: #5f5e6a; font-size: 0.85rem; }
input { font: inherit; width: 6.5rem; padding: 0.25rem 0.45rem; border: 1px solid #c9c7c0; border-radius: 6px; }
.status { color: #5f5e6a; font-size: 0.82rem; flex: 1; min-width: 8rem; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.status.error { color: #b3261e; }
.notice { margin: 0; padding: 0.4rem 0.8rem; font-size: 0.8rem; background: #fff6dc; color: #5c4300; border-top: 1px solid #f0dca0; }
.badge { font-size: 0.75rem; padding: 0.15rem 0.55rem; border-radius: 999px; background: #eeedf3; color: #3b3a48; white-space: nowrap; max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
progress { width: 100%; height: 4px; display: block; accent-color: #5b4bd6; }
[hidden] { display: none !important; }
`;

class RdlmGenerator extends HTMLElement {
  static observedAttributes = ['model', 'steps', 'seed', 'length', 'prompt', 'template', 'mode', 'samples', 'rule'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${STYLE}</style>
      <div class="card" role="group" aria-label="RDLM text generator">
        <progress part="progress" hidden max="1" value="0" aria-label="Downloading the engine and the model"></progress>
        <div class="screen" part="screen" aria-live="polite"><div class="sample idle">Starting the generator…</div></div>
        <div class="meter" aria-hidden="true"><i></i></div>
        <div class="bar">
          <button type="button" class="go" disabled>Generate</button>
          <label>seed <input type="number" class="seed" min="0" inputmode="numeric"></label>
          <span class="status" role="status">loading model…</span>
          <span class="badge" title="">…</span>
        </div>
        <p class="notice" part="notice" hidden></p>
      </div>`;
    this.$ = (sel) => root.querySelector(sel);
    this.model = null;
    this.job = null;
    this.checkSeq = 0;
    this.$('.go').addEventListener('click', () => {
      if (this.$('.go').getAttribute('aria-disabled') === 'true') return;
      if (this.job) this.job.cancel(); else this.generate();
    });
    this.$('.seed').addEventListener('keydown', (e) => { if (e.key === 'Enter') this.generate(); });
    this.$('.seed').addEventListener('input', () => this.check());
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
    if (name === 'model' || name === 'mode') { this.loadModel(); return; }
    if (name === 'seed') this.$('.seed').value = value ?? '1';
    this.check();
  }

  // state sets the widget's state (data-state: loading, error, ready,
  // queued, starting, generating, stopping, stopped, done) and its line.
  state(s, text, isError = false) {
    this.dataset.state = s;
    const line = this.$('.status');
    line.textContent = text;
    line.classList.toggle('error', isError);
  }

  async loadModel() {
    const attr = this.getAttribute('model');
    let url;
    try {
      url = attr ? new URL(attr, document.baseURI) : new URL(defaultModelURL);
      if (!/^https?:$/.test(url.protocol)) throw new Error();
    } catch {
      this.state('error', `model="${attr}" is not an http(s) URL`, true);
      return;
    }
    this.model = null;
    this.$('.go').disabled = true;
    this.state('loading', 'loading model…');
    const bar = this.$('progress');
    try {
      const loaded = await sharedEngine().loadModel(url.href, {
        onProgress: (report) => {
          const { fraction, text } = describeLoad(report);
          bar.hidden = false;
          if (fraction >= 0) bar.value = fraction; else bar.removeAttribute('value');
          if (this.dataset.state === 'loading') this.$('.status').textContent = text;
        },
      });
      const problem = this.modeProblem(loaded.info);
      if (problem) {
        this.state('error', problem, true);
        return;
      }
      this.model = loaded;
      await this.check();
    } catch (err) {
      this.state('error', `could not load the model: ${err.message}`, true);
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

  // check asks the engine about the request the attributes and the seed box
  // make, as soon as they change: a bad attribute is reported at once, the
  // screen shows the prompt or template as the model will see it, and a
  // notice says what was changed from it. It returns the request, or null.
  // forRun: the check of a run about to start, which leaves the screen and
  // the state (queued) alone when the request is fine.
  async check({ forRun = false } = {}) {
    if (!this.model || this.job) return null;
    const seq = ++this.checkSeq;
    const { request, error } = this.request();
    let preview = null, problem = error;
    if (!problem) {
      try { preview = await sharedEngine().preview(this.model.key, request); } catch (err) { problem = err.message; }
    }
    if (seq !== this.checkSeq || this.job) return null;
    const go = this.$('.go');
    const notice = this.$('.notice');
    if (problem) {
      go.disabled = true;
      notice.hidden = true;
      this.state('error', problem, true);
      return null;
    }
    go.disabled = false;
    notice.hidden = !preview.changes?.length;
    notice.textContent = preview.changes?.length
      ? `The ${request.template ? 'template' : 'prompt'} was changed for the model: ${preview.changes.join('; ')}.` : '';
    if (!forRun && !['done', 'stopped'].includes(this.dataset.state)) {
      this.idle(request, preview);
      this.state('ready', 'ready');
    }
    return request;
  }

  // idle shows what the screen will show, before the first generation: for
  // a prompt or a template, the text as the model will see it.
  idle(request, preview) {
    const image = !!this.model.info.image;
    const p = document.createElement('div');
    p.className = 'sample idle';
    if (preview.hold) {
      const seen = document.createElement('code');
      seen.textContent = preview.hold;
      p.append(request.template ? 'Press Generate to fill in: ' : 'Press Generate to continue: ', seen);
    } else {
      p.textContent = `Press Generate to watch ${image ? 'images' : 'text'} condense out of noise.`;
    }
    this.$('.screen').replaceChildren(p);
    this.$('.card').setAttribute('aria-label', `RDLM ${image ? 'image' : 'text'} generator`);
  }

  // request reads the attributes and the seed box into a request; the
  // syntax is checked here, the limits by the engine.
  request() {
    const info = this.model.info;
    const r = {};
    // Image models sample whole images: length, prompt and template do
    // not apply, and samples sets the grid instead.
    const fields = info.image ? ['steps', 'samples'] : ['steps', 'length'];
    for (const attr of fields) {
      if (!this.hasAttribute(attr)) continue;
      const v = wholeNumber(this.getAttribute(attr), attr, 1);
      if (v.error) return { error: `${v.error} (attribute ${attr})` };
      r[attr] = v.value;
    }
    const seed = wholeNumber(this.$('.seed').value, 'seed');
    if (seed.error) return seed;
    r.seed = seed.value;
    r.rule = this.getAttribute('rule') ?? 'exact'; // the engine refuses an unknown one by name
    if (info.image) {
      r.samples ??= 4;
      return { request: r };
    }
    const prompt = this.getAttribute('prompt'), template = this.getAttribute('template');
    if (prompt) r.prompt = prompt;
    if (template) { r.template = template; delete r.length; }
    return { request: r };
  }

  async generate() {
    // starting covers the check's round trip, so that a second click (or
    // Enter) in the meantime does not start a second run.
    if (!this.model || this.job || this.starting) return;
    this.starting = true;
    // Queued at once: the click shows, and a finished state never lingers
    // into the next run.
    this.state('queued', 'queued: waiting for the engine…');
    let request;
    try { request = await this.check({ forRun: true }); } finally { this.starting = false; }
    if (!request || this.job) return;
    const screen = this.$('.screen');
    const image = this.model.info.image;
    let row = null, grid = null;
    const meter = this.$('.meter i');
    const go = this.$('.go');
    const started = performance.now();
    let stopping = false;
    this.job = sharedEngine().generate(this.model.key, request, {
      onStart: () => {
        if (!stopping) this.state('starting', 'starting…');
      },
      onStep: (ev) => {
        if (!row && !grid) {
          // The screen is cleared at the first step, not before: a queued
          // run keeps what was there, rather than a blank.
          screen.replaceChildren();
          if (image) {
            const canvas = document.createElement('canvas');
            canvas.setAttribute('role', 'img');
            canvas.setAttribute('aria-label', 'Generated images, redrawn at every step');
            screen.append(canvas);
            grid = new ImageGrid(canvas, image, request.samples);
          } else {
            row = new LiveText(screen, 'Generated text');
          }
        }
        if (grid) grid.show(ev.pixels, ev.first, ev.n); else row.show(ev.top[0], ev.prob, 0);
        meter.style.width = `${(100 * (ev.step + 1)) / ev.steps}%`;
        if (stopping) return;
        this.state('generating', `step ${ev.step + 1}/${ev.steps} · t ${ev.t.toFixed(2)} · confidence ${meanOf(ev.prob).toFixed(2)} · ${formatMs(performance.now() - started)}`);
      },
    });
    const job = this.job;
    const cancel = job.cancel;
    job.cancel = () => {
      if (stopping) return;
      stopping = true;
      cancel();
      go.textContent = 'Stopping…';
      go.setAttribute('aria-disabled', 'true');
      this.state('stopping', 'stopping…');
    };
    meter.style.width = '0';
    // The engine is shared by every generator on the page: this run may
    // wait for another one to finish first.
    this.state('queued', 'queued: waiting for the engine…');
    go.textContent = 'Stop';
    go.classList.add('stop');
    job.promise.then((res) => {
      if (res.cancelled) { this.state('stopped', 'stopped'); return; }
      if (grid) grid.show(res.pixels, 0, res.images); else row?.finish(res.texts[0]);
      meter.style.width = '100%';
      this.state('done', `${res.steps} steps in ${formatMs(res.totalMs)}`);
    }, (err) => {
      this.state('error', err.message, true);
    }).finally(() => {
      this.job = null;
      go.textContent = 'Generate';
      go.classList.remove('stop');
      go.removeAttribute('aria-disabled');
      // Keep focus where a keyboard user left it: on the button (or, if it
      // fell to the page, back on it), not in the seed box they typed in.
      if (this.shadowRoot.activeElement === go || document.activeElement === document.body) go.focus({ preventScroll: true });
    });
  }
}

if (!customElements.get('rdlm-generator')) customElements.define('rdlm-generator', RdlmGenerator);
