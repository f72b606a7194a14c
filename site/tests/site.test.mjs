// Browser tests of the site: the page, the CPU fallback, the docs page with
// two widgets, a malformed model, and the image mode. Run through site/tests/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { env, serveSite, launch, shot, record, watchErrors } from './harness.mjs';

let server;
before(async () => { server = await serveSite(); });
after(() => server?.stop());

const TEXT8 = /^[a-z ]+$/;
const timeout = 60_000;

async function openPage(context, path = '') {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + path);
  return { page, errors };
}

async function fill(page, values) {
  for (const [id, v] of Object.entries(values)) await page.fill(`#${id}`, String(v));
}

// generateOnPage runs one generation from the form and returns the samples'
// texts, the badge and the first-step time the page showed.
async function generateOnPage(page, { steps, samples, length, midShot }) {
  await page.waitForSelector('#generate:not([disabled])', { timeout });
  await fill(page, { steps, samples, length, seed: 3 });
  await page.click('#generate');
  if (midShot) {
    await page.waitForFunction(() => {
      const m = document.getElementById('stat-step').textContent.match(/^(\d+) \/ (\d+)/);
      return m && Number(m[1]) >= Number(m[2]) * 0.3;
    }, null, { timeout, polling: 'raf' });
    await shot(page, midShot, { key: true });
  }
  await page.waitForSelector('body[data-state=done]', { timeout });
  return {
    texts: await page.$$eval('#samples-out .sample', (els) => els.map((e) => e.textContent)),
    badge: await page.textContent('#badge'),
    reason: await page.getAttribute('#badge', 'data-reason'),
    firstStep: await page.textContent('#stat-first'),
    total: await page.textContent('#stat-total'),
  };
}

test('with WebGPU enabled the page loads and generates text of the requested length', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: true });
  try {
    const { page, errors } = await openPage(context);
    const hasAdapter = await page.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()));
    assert.ok(hasAdapter, 'chromium with --enable-unsafe-webgpu should offer the SwiftShader adapter');
    await shot(page, 'page-ready');
    const r = await generateOnPage(page, { steps: 64, samples: 2, length: 100, midShot: 'page-mid-generation' });
    await shot(page, 'page-finished', { key: true });
    assert.equal(r.texts.length, 2);
    for (const t of r.texts) { assert.equal(t.length, 100); assert.match(t, TEXT8); }
    // core/gpu runs the network on the SwiftShader adapter.
    const onGPU = r.badge.startsWith('WebGPU');
    assert.ok(onGPU, `expected the WebGPU engine, badge says ${r.badge} (${r.reason})`);
    assert.match(r.badge, /swiftshader/i);
    record('webgpu-browser', { backend: r.badge, reason: r.reason, firstStep: r.firstStep, total: r.total, onGPU });
    // The step rule (exact by default) reaches the device walk: the same
    // seed walks to another text under Euler, and back to its own.
    const few = { steps: 16, samples: 1, length: 40 };
    const exact = await generateOnPage(page, few);
    await page.selectOption('#rule', 'euler');
    const euler = await generateOnPage(page, few);
    await page.selectOption('#rule', 'exact');
    const exactAgain = await generateOnPage(page, few);
    for (const g of [exact, euler, exactAgain]) assert.ok(g.badge.startsWith('WebGPU'), g.badge);
    assert.notDeepEqual(euler.texts, exact.texts);
    assert.deepEqual(exactAgain.texts, exact.texts);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('without WebGPU the page falls back to the CPU and says so; Stop stops', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const { page, errors } = await openPage(context);
    assert.equal(await page.evaluate(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter())), false);
    const started = Date.now();
    const r = await generateOnPage(page, { steps: 32, samples: 3, length: 64 });
    assert.equal(r.badge, 'CPU (WebAssembly)');
    assert.match(r.reason, /no WebGPU|no adapter/);
    assert.equal(r.texts.length, 3);
    for (const t of r.texts) { assert.equal(t.length, 64); assert.match(t, TEXT8); }
    await shot(page, 'page-cpu-fallback');
    // The same seed gives the same text.
    const again = await generateOnPage(page, { steps: 32, samples: 3, length: 64 });
    assert.deepEqual(again.texts, r.texts);
    // Stop: a long generation ends as 'stopped', and the page stays usable.
    await fill(page, { steps: 4000, samples: 8, length: 128 });
    await page.click('#generate');
    await page.waitForFunction(() => /^\d+ \/ 4000/.test(document.getElementById('stat-step').textContent), null, { timeout });
    await page.click('#stop');
    await page.waitForSelector('body[data-state=stopped]', { timeout: 10_000 });
    assert.equal(await page.isEnabled('#generate'), true);
    record('cpu-browser', { backend: r.badge, firstStep: r.firstStep, total: r.total, testMs: Date.now() - started });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the docs page runs two widgets on one engine and one download', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    let weightDownloads = 0;
    page.on('request', (req) => { if (req.url().endsWith('model.safetensors')) weightDownloads++; });
    await page.goto(server.url + 'docs.html');
    const widgets = page.locator('rdlm-generator');
    assert.equal(await widgets.count(), 2);
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    await page.waitForSelector('#template[data-state=ready]', { timeout });
    // Keyboard only: Tab to the first widget's button and press Enter.
    await page.locator('#free').locator('button.go').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#free[data-state=done]', { timeout });
    const free = await page.locator('#free').locator('.sample').textContent();
    assert.equal(free.length, 96);
    assert.match(free, TEXT8);
    await page.locator('#template').locator('button.go').click();
    await page.waitForSelector('#template[data-state=done]', { timeout });
    const filled = await page.locator('#template').locator('.sample').textContent();
    assert.equal(filled.length, 48);
    assert.ok(filled.startsWith('the history of '), filled);
    assert.equal(filled.slice(21, 40), ' is the history of ');
    assert.equal(weightDownloads, 1, 'two widgets, one download');
    assert.equal(await page.locator('#free').locator('.badge').textContent(), 'CPU (WebAssembly)');
    await shot(page, 'docs-two-widgets', { key: true });
    // A bad attribute gives a message in the widget, not a broken page, as
    // soon as the model is there (not on a click): a malformed number is the
    // widget's to refuse, an unknown step rule the engine's, by name.
    const badWidget = async (id, attr, value) => {
      await page.evaluate(([id, attr, value]) => {
        const w = document.createElement('rdlm-generator');
        w.id = id;
        w.setAttribute(attr, value);
        document.querySelector('main').append(w);
      }, [id, attr, value]);
      await page.waitForSelector(`#${id}[data-state=error]`, { timeout });
      assert.equal(await page.locator(`#${id}`).locator('button.go').isDisabled(), true);
      return page.locator(`#${id}`).locator('.status').textContent();
    };
    assert.match(await badWidget('bad', 'steps', 'lots'), /steps must be a whole number \(attribute steps\)/);
    assert.match(await badWidget('bad-rule', 'rule', 'bridge'), /the step rule is euler or exact, not "bridge"/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a malformed model file gives a clear message and the page keeps working', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const { page, errors } = await openPage(context);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    const config = readFileSync(`${env.site}/models/default/config.json`);
    const weights = Buffer.from(readFileSync(`${env.site}/models/default/model.safetensors`));
    weights[weights.length - 5] ^= 0x40; // one flipped bit in a weight: only the hash sees it
    await page.setInputFiles('#files', [
      { name: 'config.json', mimeType: 'application/json', buffer: config },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: weights },
    ]);
    await page.waitForFunction(() => document.getElementById('model-error').textContent !== '', null, { timeout });
    const damaged = await page.textContent('#model-error');
    assert.match(damaged, /Could not load model\.safetensors \(dropped\): .*sha256 .* does not match/);
    await shot(page, 'page-malformed-model');
    // Garbage in place of the weights, and a single file.
    await page.setInputFiles('#files', [
      { name: 'config.json', mimeType: 'application/json', buffer: config },
      { name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('<html>not weights</html>') },
    ]);
    await page.waitForFunction((old) => ![old, ''].includes(document.getElementById('model-error').textContent), damaged, { timeout });
    assert.match(await page.textContent('#model-error'), /model\.safetensors/);
    await page.setInputFiles('#files', [{ name: 'config.json', mimeType: 'application/json', buffer: config }]);
    assert.match(await page.textContent('#model-error'), /exactly two files/);
    // A URL that holds no model.
    await page.fill('#model-url', server.url + 'no-such-model/');
    await page.click('#load-url');
    await page.waitForFunction(() => /HTTP 404/.test(document.getElementById('model-error').textContent), null, { timeout });
    // The default model is still loaded and generates; a prompt that looks
    // like HTML comes back as text, never as markup.
    await page.check('input[name=mode][value=prompt]');
    await page.fill('#cond-text', '<img src=x onerror="window.__pwned=1">');
    const r = await generateOnPage(page, { steps: 8, samples: 1, length: 40 });
    assert.equal(r.texts[0].length, 40);
    assert.equal(await page.locator('#samples-out img').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

// canvasStats reads a canvas back: its size, a digest of its pixels and how
// many distinct grey levels (red channel) it holds.
function canvasStats(canvas) {
  const g = canvas.getContext('2d');
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  const levels = new Set();
  let digest = 0;
  for (let i = 0; i < d.length; i += 4) {
    levels.add(d[i]);
    digest = (Math.imul(digest, 31) + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
  }
  return { width: canvas.width, height: canvas.height, levels: levels.size, digest };
}

test('an image model denoises as a grid on a canvas, on the page and in a mode="image" widget', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const { page, errors } = await openPage(context);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    // The models shipped with the site are one click away.
    await page.waitForSelector('#shipped button[data-kind=image]', { timeout });
    assert.equal(await page.$$eval('#shipped button', (bs) => bs.length), 2);
    assert.equal(await page.getAttribute('#shipped button[data-kind=text]', 'aria-pressed'), 'true');
    await page.click('#shipped button[data-kind=image]');
    await page.waitForSelector('body[data-kind=image]', { timeout });
    assert.equal(await page.getAttribute('#shipped button[data-kind=image]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('#shipped button[data-kind=text]', 'aria-pressed'), 'false');
    assert.match(await page.textContent('#model-info'), /14×14 grey images/);
    // Text-only settings go away; steps, seed and samples stay.
    for (const id of ['length-label', 'cond-mode', 'cond-label', 'samples-out']) assert.equal(await page.isHidden(`#${id}`), true, id);
    for (const id of ['steps', 'seed', 'samples']) assert.equal(await page.isVisible(`#${id}`), true, id);
    await fill(page, { steps: env.imageSteps, samples: 6, seed: 3 });
    await page.click('#generate');
    // Mid-walk the grid already holds the current best guess of every pixel.
    await page.waitForFunction(() => {
      const m = document.getElementById('stat-step').textContent.match(/^(\d+) \/ (\d+)/);
      return m && Number(m[1]) >= Number(m[2]) * 0.3 && Number(m[1]) < Number(m[2]);
    }, null, { timeout, polling: 'raf' });
    const mid = await page.$eval('#images-out', canvasStats);
    await page.waitForSelector('body[data-state=done]', { timeout });
    const end = await page.$eval('#images-out', canvasStats);
    // 6 images of 14x14 at scale 4 (64 / 14) with 4-pixel borders: 3 columns, 2 rows, as rdlm sample --png.
    assert.deepEqual([end.width, end.height], [3 * (56 + 4) + 4, 2 * (56 + 4) + 4]);
    assert.ok(end.levels > 20, `expected many grey levels, got ${end.levels}`);
    // Early on a random model may guess one level everywhere: beside the
    // border's grey, at least that level must be drawn.
    assert.ok(mid.levels >= 2, `mid-walk the grid should already be drawn, got ${mid.levels} levels`);
    assert.notEqual(mid.digest, end.digest, 'the grid is redrawn as the walk goes on');
    assert.match(await page.textContent('#stat-step'), new RegExp(`^${env.imageSteps} / ${env.imageSteps}`));
    assert.notEqual(await page.textContent('#stat-first'), '–');
    assert.equal(await page.textContent('#badge'), 'CPU (WebAssembly)');
    await shot(page, 'image-mode', { key: true });
    // The same seed draws the same images.
    await page.click('#generate');
    await page.waitForSelector('body[data-state=done]', { timeout });
    assert.equal((await page.$eval('#images-out', canvasStats)).digest, end.digest);

    // The widget: mode="image" draws the grid; mismatched or unknown modes say why.
    await page.goto(server.url + 'docs.html');
    await page.evaluate(() => {
      const add = (id, attrs) => {
        const w = document.createElement('rdlm-generator');
        w.id = id;
        for (const [k, v] of Object.entries(attrs)) w.setAttribute(k, v);
        document.querySelector('main').append(w);
      };
      add('img', { mode: 'image', model: 'models/image/', samples: '4', steps: '12' });
      add('img-as-text', { model: 'models/image/' });
      add('text-as-img', { mode: 'image' });
      add('bad-mode', { mode: 'picture', model: 'models/image/' });
    });
    await page.waitForSelector('#img[data-state=ready]', { timeout });
    await page.locator('#img').locator('button.go').click();
    await page.waitForSelector('#img[data-state=done]', { timeout });
    const w = await page.locator('#img').locator('canvas').evaluate(canvasStats);
    assert.deepEqual([w.width, w.height], [2 * (56 + 4) + 4, 2 * (56 + 4) + 4]);
    assert.ok(w.levels > 20, `expected many grey levels in the widget, got ${w.levels}`);
    const status = (id) => page.locator(`#${id}`).locator('.status').textContent();
    for (const id of ['img-as-text', 'text-as-img', 'bad-mode']) await page.waitForSelector(`#${id}[data-state=error]`, { timeout });
    assert.match(await status('img-as-text'), /this is an image model .*add mode="image"/);
    assert.match(await status('text-as-img'), /mode="image" needs an image model, but this model generates text/);
    assert.match(await status('bad-mode'), /mode="picture" is not a mode/);
    assert.equal(await page.locator('#text-as-img').locator('button.go').isDisabled(), true);
    await page.locator('#img').scrollIntoViewIfNeeded();
    await shot(page, 'image-mode-widget', { fullPage: false });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
