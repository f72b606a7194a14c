// The main page: settings, model loading, and the live view of a generation.
import { sharedEngine, defaultModelURL } from './engine.js';
import { LiveText, ConfidenceChart, ImageGrid, describeImage, meanOf, formatMs, intInRange } from './live-view.js';

const $ = (id) => document.getElementById(id);
const engine = sharedEngine();
const chart = new ConfidenceChart($('chart'));
let model = null;   // {key, info}
let running = null; // {cancel}

function setState(s) { document.body.dataset.state = s; }

// ---- backend badge ---------------------------------------------------------

engine.onBackend((b) => {
  const badge = $('badge');
  badge.textContent = b.gpu ? `WebGPU · ${b.name}` : b.name;
  badge.classList.toggle('gpu', b.gpu);
  badge.title = b.reason ? `Running on the CPU: ${b.reason}` : 'Running on the GPU through WebGPU';
  $('badge').dataset.reason = b.reason || '';
});

// ---- model -----------------------------------------------------------------

function describe(info) {
  const n = info.params.toLocaleString('en');
  const trained = info.trainedSteps ? `trained ${info.trainedSteps.toLocaleString('en')} steps` : 'untrained';
  const shape = info.image ? describeImage(info.image) : `up to ${info.length} characters`;
  return `${n} parameters · ${info.blocks} blocks × ${info.hidden} wide · ${shape} · ${trained} · ${info.dtype} · sha256 ${info.sha256.slice(0, 12)}…`;
}

function showProgress(loaded, total) {
  $('download').hidden = false;
  const bar = $('download-bar');
  if (total > 0) { bar.max = total; bar.value = loaded; } else { bar.removeAttribute('value'); }
  const mb = (x) => (x / 1048576).toFixed(1);
  $('download-text').textContent = total > 0 ? `${mb(loaded)} / ${mb(total)} MB` : `${mb(loaded)} MB`;
}

function useModel(loaded, where) {
  model = loaded;
  const info = loaded.info;
  $('model-info').textContent = `${where}: ${describe(info)}`;
  $('model-error').textContent = '';
  $('download').hidden = true;
  const len = $('length');
  len.max = String(info.length);
  if (Number(len.value) > info.length || !len.value) len.value = String(info.length);
  showKind();
  updateMode();
  $('generate').disabled = false;
  setState('ready');
  markShipped();
}

// isImage says whether the loaded model draws images: the page then shows a
// canvas grid, and the text-only settings (length, prompt, template) go.
function isImage() { return !!model?.info.image; }

function showKind() {
  const image = isImage();
  document.body.dataset.kind = image ? 'image' : 'text';
  for (const id of ['length-label', 'cond-mode', 'samples-out', 'legend']) $(id).hidden = image;
  $('images-wrap').hidden = !image;
  $('chart-unit').textContent = image ? 'value' : 'character';
}

// load runs a model load and shows its result; url (when the model came
// from one) marks which shipped model is in use.
async function load(what, work, url = '') {
  $('model-error').textContent = '';
  $('download').hidden = true;
  try {
    useModel({ ...(await work()), url }, what);
  } catch (err) {
    $('download').hidden = true;
    $('model-error').textContent = `Could not load ${what}: ${err.message}`;
    if (!model) { $('model-info').textContent = 'No model loaded.'; setState('no-model'); }
  }
}

$('load-url').addEventListener('click', () => {
  const raw = $('model-url').value.trim();
  let url;
  try { url = new URL(raw, document.baseURI); } catch { url = null; }
  if (!raw || !url || !/^https?:$/.test(url.protocol)) {
    $('model-error').textContent = 'Give the http(s) URL of a model folder (holding config.json and model.safetensors) or of its config.json.';
    return;
  }
  load(url.href, () => engine.loadModel(url.href, { onProgress: showProgress }), url.href);
});

// pickFiles finds config.json and model.safetensors among dropped files.
async function loadFiles(fileList) {
  const files = [...fileList];
  const config = files.find((f) => f.name.toLowerCase().endsWith('.json'));
  const weights = files.find((f) => f.name.toLowerCase().endsWith('.safetensors'));
  if (!config || !weights || files.length !== 2) {
    $('model-error').textContent = `Give exactly two files: config.json and model.safetensors (got ${files.map((f) => f.name).join(', ') || 'none'}).`;
    return;
  }
  if (config.size > 1 << 20) {
    $('model-error').textContent = `${config.name} is ${config.size} bytes: too large for a model config.`;
    return;
  }
  await load(`${weights.name} (dropped)`, async () =>
    engine.loadBytes(await config.arrayBuffer(), await weights.arrayBuffer()));
}

const drop = $('drop');
drop.addEventListener('click', () => $('files').click());
drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('files').click(); } });
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); loadFiles(e.dataTransfer.files); });
$('files').addEventListener('change', (e) => { loadFiles(e.target.files); e.target.value = ''; });

// ---- settings ---------------------------------------------------------------

const hints = {
  prompt: 'The text every sample starts with, held fixed. Letters and spaces; digits are spelled out.',
  template: 'Use _ for each character to generate, e.g. "the ____ of the ____". The template sets the length.',
};

function mode() { return document.querySelector('input[name=mode]:checked').value; }

function updateMode() {
  const m = mode();
  $('cond-label').hidden = m === 'none' || isImage();
  $('cond-hint').hidden = m === 'none' || isImage();
  $('cond-name').textContent = m === 'prompt' ? 'Prompt' : 'Template';
  $('cond-hint').textContent = hints[m] || '';
  $('length').disabled = m === 'template';
  if (m === 'template' && !$('cond-text').value) $('cond-text').value = 'the meaning of ____ is _____________';
}
for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', updateMode);

// readRequest validates the form; it returns {request} or {error}.
function readRequest() {
  const steps = intInRange($('steps').value, 'Steps', 1, 4096);
  const seed = intInRange($('seed').value, 'Seed', 0, Number.MAX_SAFE_INTEGER);
  const samples = intInRange($('samples').value, 'Samples', 1, 32);
  for (const v of [steps, seed, samples]) if (v.error) return v;
  const request = { steps: steps.value, seed: seed.value, samples: samples.value };
  if (isImage()) return { request }; // whole images, no text conditioning
  const m = mode();
  const text = $('cond-text').value;
  if (m === 'template') {
    if (!text.includes('_')) return { error: 'A template needs at least one _ to fill in.' };
    request.template = text;
  } else {
    const length = intInRange($('length').value, 'Length', 1, model.info.length);
    if (length.error) return length;
    request.length = length.value;
    if (m === 'prompt') {
      if (!text.trim()) return { error: 'Type a prompt, or choose "nothing".' };
      request.prompt = text;
    }
  }
  return { request };
}

// ---- generation --------------------------------------------------------------

function setStat(id, text) { $(id).textContent = text; }

function generate() {
  if (!model || running) return;
  const { request, error } = readRequest();
  $('form-error').textContent = error || '';
  if (error) return;
  const image = model.info.image;
  const out = image ? $('images-out') : $('samples-out');
  let rows = [], grid = null;
  if (image) {
    $('images-placeholder').hidden = true;
    out.hidden = false;
    grid = new ImageGrid(out, image, request.samples, { zoom: 2 });
  } else {
    out.replaceChildren();
    rows = Array.from({ length: request.samples }, (_, i) => new LiveText(out, `Sample ${i + 1}`));
  }
  chart.clear();
  for (const id of ['stat-step', 'stat-t', 'stat-ms', 'stat-first', 'stat-total']) setStat(id, '–');
  const started = performance.now();
  let batchFirst = -1;
  let first = null;
  const job = engine.generate(model.key, request, {
    onStep(ev) {
      if (first === null) { first = performance.now() - started; setStat('stat-first', formatMs(first)); }
      if (ev.first !== batchFirst) { batchFirst = ev.first; chart.clear(); }
      if (grid) grid.show(ev.pixels, ev.first, ev.n);
      else for (let s = 0; s < ev.n; s++) rows[ev.first + s]?.show(ev.top[s], ev.prob, s * ev.length);
      chart.add(ev.t, meanOf(ev.prob));
      const batch = request.samples > ev.n ? ` (samples ${ev.first + 1}–${ev.first + ev.n})` : '';
      setStat('stat-step', `${ev.step + 1} / ${ev.steps}${batch}`);
      setStat('stat-t', ev.t.toFixed(3));
      setStat('stat-ms', formatMs(ev.stepMs));
      setStat('stat-total', formatMs(performance.now() - started));
    },
  });
  running = job;
  setState('generating');
  $('generate').disabled = true;
  $('stop').disabled = false;
  out.setAttribute('aria-busy', 'true');
  job.promise.then((res) => {
    if (grid && res.pixels) grid.show(res.pixels, 0, res.images);
    (res.texts || []).forEach((t, i) => rows[i].finish(t));
    setStat('stat-total', formatMs(res.totalMs));
    if (res.texts.length || res.images) setStat('stat-ms', `${formatMs(res.totalMs / (res.steps * Math.ceil(request.samples / 8)))} avg`);
    setState(res.cancelled ? 'stopped' : 'done');
    if (res.cancelled) $('form-error').textContent = 'Stopped.';
  }, (err) => {
    $('form-error').textContent = err.message;
    setState('error');
  }).finally(() => {
    running = null;
    out.removeAttribute('aria-busy');
    $('generate').disabled = !model;
    $('stop').disabled = true;
  });
}

$('gen-form').addEventListener('submit', (e) => { e.preventDefault(); generate(); });
$('stop').addEventListener('click', () => running?.cancel());

// ---- shipped models ---------------------------------------------------------

// The models built into the site (models/index.json, written by build.sh)
// become one-click choices; a site without the list just has none.
const siteRoot = new URL('../../', defaultModelURL);

async function listShipped() {
  let list;
  try {
    const res = await fetch(new URL('models/index.json', siteRoot));
    if (!res.ok) return;
    list = await res.json();
  } catch {
    return;
  }
  if (!Array.isArray(list) || list.length < 2) return;
  const row = $('shipped');
  for (const m of list) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.kind = m.kind;
    b.textContent = `${m.label} · ${m.kind === 'image' ? 'images' : 'text'}`;
    const url = new URL(m.path, siteRoot).href;
    b.dataset.url = url;
    b.addEventListener('click', () => {
      if (running) return;
      load(`the ${m.label} model`, () => engine.loadModel(url, { onProgress: showProgress }), url);
    });
    row.append(b);
  }
  row.hidden = false;
  markShipped();
}

// markShipped shows which shipped model is the loaded one.
function markShipped() {
  for (const b of $('shipped').querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(!!model && model.url === b.dataset.url));
  }
}

updateMode();
load('the default model', () => engine.loadModel(defaultModelURL, { onProgress: showProgress }), defaultModelURL);
listShipped();
