// The main page: settings, model loading, and the live view of a generation.
import { sharedEngine, defaultModelURL, describeLoad } from './engine.js';
import { LiveText, ConfidenceChart, ImageGrid, describeImage, meanOf, formatMs, wholeNumber } from './live-view.js';

const $ = (id) => document.getElementById(id);
const engine = sharedEngine();
const chart = new ConfidenceChart($('chart'));
let model = null;   // {key, info, url}
let running = null; // {cancel}
let stepsTouched = false; // the user set the steps: a new model keeps them

// The page's states (body[data-state]): starting, loading, no-model, ready,
// queued, generating, stopping, stopped, done, error.
function setState(s) { document.body.dataset.state = s; }

// status says what the run is doing, in the status line (never as an error).
function status(text) { $('run-status').textContent = text; }

// ---- backend badge ---------------------------------------------------------

let backendKnown = false;
engine.onBackend((b) => {
  backendKnown = true;
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

// showProgress draws one bar for the engine and the weights together.
function showProgress(report) {
  $('download').hidden = false;
  const bar = $('download-bar');
  const { fraction, text } = describeLoad(report);
  if (fraction >= 0) bar.value = fraction; else bar.removeAttribute('value');
  $('download-text').textContent = text;
  if (!backendKnown) $('badge').textContent = report.engine.ready ? 'engine ready, loading the model…' : 'downloading the engine…';
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
  // The model's own number of steps, as the widget (without a steps
  // attribute) and rdlm sample use, unless the user chose one.
  if (info.sampleSteps > 0 && !stepsTouched) $('steps').value = String(info.sampleSteps);
  showKind();
  updateMode();
  $('generate').disabled = false;
  setState('ready');
  status('');
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
  if (!model) setState('loading');
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

// loadFiles finds config.json and model.safetensors among dropped files.
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
  prompt: 'The text every sample starts with, held fixed. The model reads a–z and spaces: capitals are lowered, digits spelt out, anything else read as a space.',
  template: 'Use _ for each character to generate, e.g. "the ____ of the ____". The template sets the length.',
};

// Each mode keeps its own text: a prompt is no template, and switching
// back finds what was typed there.
const modeText = { prompt: '', template: 'the meaning of ____ is _____________' };
let shownMode = 'none';

function mode() { return document.querySelector('input[name=mode]:checked').value; }

function updateMode() {
  const m = mode();
  if (shownMode !== 'none') modeText[shownMode] = $('cond-text').value;
  if (m !== 'none') $('cond-text').value = modeText[m];
  shownMode = m;
  $('cond').hidden = m === 'none' || isImage();
  $('cond-name').textContent = m === 'prompt' ? 'Prompt' : 'Template';
  $('cond-hint').textContent = hints[m] || '';
  $('length').disabled = m === 'template';
  schedulePreview();
}
for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', updateMode);
$('steps').addEventListener('input', () => { stepsTouched = true; });
for (const id of ['cond-text', 'length']) $(id).addEventListener('input', schedulePreview);

// readRequest reads the form into a request; the fields' syntax is checked
// here, everything else by the engine (Engine.preview). It returns
// {request} or {error}.
function readRequest() {
  const fields = [['steps', 'Steps', 1], ['seed', 'Seed', 0], ['samples', 'Samples', 1]];
  const m = mode();
  if (!isImage() && m !== 'template') fields.push(['length', 'Length', 1]);
  const request = {};
  for (const [id, name, min] of fields) {
    const v = wholeNumber($(id).value, name, min);
    if (v.error) return v;
    request[id] = v.value;
  }
  request.rule = $('rule').value;
  if (isImage()) return { request }; // whole images, no text conditioning
  const text = $('cond-text').value;
  if (m === 'template') {
    if (!text) return { error: 'Type a template, with _ for each character to generate.' };
    request.template = text;
  } else if (m === 'prompt') {
    if (!text.trim()) return { error: 'Type a prompt, or choose "nothing".' };
    request.prompt = text;
  }
  return { request };
}

// The preview under the prompt or template: the text as the model will see
// it, and a notice when characters were changed or dropped. It asks the
// engine, which is the one that decides.
let previewTimer = 0;
let previewSeq = 0;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(showPreview, 120);
}

async function showPreview() {
  const seq = ++previewSeq;
  const m = mode();
  if (!model || isImage() || m === 'none' || !$('cond-text').value) {
    $('cond-preview').textContent = '';
    $('cond-notice').hidden = true;
    return;
  }
  const { request, error } = readRequest();
  let preview = null, problem = error;
  if (!problem) {
    try { preview = await engine.preview(model.key, request); } catch (err) { problem = err.message; }
  }
  if (seq !== previewSeq) return; // a newer preview is on its way
  renderPreview(preview, problem);
}

function renderPreview(preview, problem) {
  const out = $('cond-preview');
  if (problem) {
    out.textContent = `Will not run: ${problem}`;
    out.classList.add('bad');
    $('cond-notice').hidden = true;
    return;
  }
  out.classList.remove('bad');
  const seen = document.createElement('code');
  seen.textContent = preview.hold;
  const rest = mode() === 'prompt' ? `, then ${preview.length - preview.hold.length} generated characters` : ` (${preview.length} characters)`;
  out.replaceChildren('The model will see: ', seen, rest);
  const notice = $('cond-notice');
  notice.hidden = !preview.changes?.length;
  notice.textContent = preview.changes?.length ? `Changed from what you typed: ${preview.changes.join('; ')}.` : '';
}

// ---- generation --------------------------------------------------------------

function setStat(id, text) { $(id).textContent = text; }

// showOutput scrolls the live view into sight when it is not: on a narrow
// screen it sits under the settings, and the run must be seen to start.
function showOutput() {
  const r = $('output').getBoundingClientRect();
  if (r.top >= 0 && r.top < innerHeight * 0.5) return;
  const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
  $('output').scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
}

async function generate() {
  if (!model || running) return;
  const { request, error } = readRequest();
  $('form-error').textContent = error || '';
  if (error) return;
  // The click shows at once (and a finished state never lingers into the
  // next run) while the engine checks the request.
  running = { cancel() {} };
  $('generate').disabled = true;
  const was = document.body.dataset.state;
  setState('queued');
  status('Checking the request…');
  let preview;
  try {
    preview = await engine.preview(model.key, request);
  } catch (err) {
    running = null;
    $('generate').disabled = false;
    setState(['done', 'stopped', 'error'].includes(was) ? was : 'ready');
    status('');
    $('form-error').textContent = err.message;
    return;
  }
  if (!isImage() && mode() !== 'none') renderPreview(preview, '');
  run(request);
}

function run(request) {
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
  let stopping = false;
  const job = engine.generate(model.key, request, {
    onStart() {
      if (stopping) return;
      setState('starting');
      status('Starting…');
    },
    onStep(ev) {
      if (first === null) {
        first = performance.now() - started;
        setStat('stat-first', formatMs(first));
        if (!stopping) { setState('generating'); status('Generating…'); }
      }
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
  running = {
    cancel() {
      if (stopping) return;
      stopping = true;
      job.cancel();
      setState('stopping');
      status('Stopping…');
      $('stop').textContent = 'Stopping…';
      $('stop').setAttribute('aria-disabled', 'true');
    },
  };
  // The engine is shared with any widget on the page: until the worker
  // starts this run it waits its turn.
  setState('queued');
  status('Waiting for the engine…');
  $('stop').disabled = false;
  // Generate is disabled while a run goes on, which drops the focus it had
  // (or had until the request was checked): Stop takes it, so that the
  // same key stops the run.
  if ([document.body, $('generate'), null].includes(document.activeElement)) $('stop').focus({ preventScroll: true });
  out.setAttribute('aria-busy', 'true');
  showOutput();
  job.promise.then((res) => {
    if (grid && res.pixels) grid.show(res.pixels, 0, res.images);
    (res.texts || []).forEach((t, i) => rows[i].finish(t));
    setStat('stat-total', formatMs(res.totalMs));
    if (res.texts.length || res.images) setStat('stat-ms', `${formatMs(res.totalMs / (res.steps * Math.ceil(request.samples / 8)))} avg`);
    setState(res.cancelled ? 'stopped' : 'done');
    status(res.cancelled ? 'Stopped.' : `Done: ${res.steps} steps in ${formatMs(res.totalMs)}.`);
  }, (err) => {
    $('form-error').textContent = err.message;
    status('');
    setState('error');
  }).finally(() => {
    running = null;
    out.removeAttribute('aria-busy');
    // Focus was on Stop (now disabled) or fell to the page: give it back
    // to Generate, so that a keyboard user can run again at once.
    const lost = [document.body, $('stop'), null].includes(document.activeElement);
    $('generate').disabled = !model;
    $('stop').disabled = true;
    $('stop').textContent = 'Stop';
    $('stop').removeAttribute('aria-disabled');
    if (lost) $('generate').focus({ preventScroll: true });
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
