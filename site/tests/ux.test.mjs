// Browser tests of the site as new users meet it: a phone's screen, a slow
// first visit and the cached second one, the widget embedded from another
// origin, keyboard only, what the model will see of a prompt, the states of
// a run, and an accessibility audit (axe-core). Run through site/tests/run.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, serveSite, countingProxy, servePlain, launch, throttle, shot, record, audit, watchErrors } from './harness.mjs';

let server;
before(async () => { server = await serveSite(); });
after(() => server?.stop());

const TEXT8 = /^[a-z ]+$/;
const timeout = 60_000;

async function fill(page, values) {
  for (const [id, v] of Object.entries(values)) await page.fill(`#${id}`, String(v));
}

// inView says how much of an element's box lies inside the viewport, in
// pixels of height, and where its top is.
function inView(el) {
  const r = el.getBoundingClientRect();
  return { top: r.top, visible: Math.min(r.bottom, innerHeight) - Math.max(r.top, 0), viewport: innerHeight };
}

test('on a phone the live view is in sight once Generate is pressed, and the docs page fits 320 px', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false, phone: { width: 375, height: 700 } });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 375, 'no sideways scrolling');
    // Before: the settings fill the screen and the live view is below it.
    await fill(page, { steps: 400, samples: 1, length: 96 });
    const beforeGenerate = await page.$eval('#samples-out', inView);
    await page.locator('#generate').tap();
    await page.waitForFunction(() => /^\d+ \//.test(document.getElementById('stat-step').textContent), null, { timeout });
    await page.waitForTimeout(600); // a smooth scroll's end
    const seen = await page.$eval('#samples-out', inView);
    assert.ok(seen.top >= 0 && seen.visible >= 100, `the denoising text is in view after Generate (top ${seen.top}, ${seen.visible} px visible; before ${JSON.stringify(beforeGenerate)})`);
    await shot(page, 'phone-generating', { key: true, fullPage: false });
    await page.locator('#stop').tap();
    await page.waitForSelector('body[data-state=stopped]', { timeout });

    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(server.url + 'docs.html');
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    const docs = await page.evaluate(() => ({
      width: document.documentElement.scrollWidth,
      widgetRight: document.getElementById('free').getBoundingClientRect().right,
    }));
    assert.ok(docs.width <= 320, `the docs page lays out ${docs.width} px wide on a 320 px screen`);
    assert.ok(docs.widgetRight <= 320, `the widget ends at ${docs.widgetRight} px`);
    await shot(page, 'docs-phone', { key: true, fullPage: false });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a slow first visit shows the engine and the weights downloading; the second asks for neither', { timeout: 240_000 }, async () => {
  const proxy = await countingProxy(server.url);
  const { browser, context } = await launch({ webgpu: false });
  try {
    // Every line of the download's text, and the bar's value, as they change.
    await context.addInitScript(() => {
      globalThis.__progress = [];
      document.addEventListener('DOMContentLoaded', () => {
        const text = document.getElementById('download-text');
        const bar = document.getElementById('download-bar');
        new MutationObserver(() => globalThis.__progress.push({ text: text.textContent, value: bar.hasAttribute('value') ? bar.value : -1 }))
          .observe(text, { childList: true, characterData: true, subtree: true });
      });
    });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await throttle(page, { mbit: 10, rtt: 40 });
    const t0 = Date.now();
    await page.goto(proxy.url);
    await page.waitForSelector('body[data-state=ready]', { timeout: 120_000 });
    const readyMs = Date.now() - t0;
    const progress = await page.evaluate(() => globalThis.__progress);
    const engineLines = progress.filter((p) => /engine \d+\.\d \/ \d+\.\d MB/.test(p.text));
    const weightLines = progress.filter((p) => /model \d+\.\d \/ \d+\.\d MB/.test(p.text));
    assert.ok(engineLines.length >= 2, `the engine's download is shown as it goes: ${JSON.stringify(progress.slice(0, 5))}`);
    assert.ok(weightLines.length >= 1, `the weights' download is shown: ${JSON.stringify(progress.slice(-5))}`);
    const values = progress.map((p) => p.value).filter((v) => v >= 0);
    assert.ok(values.length >= 2 && Math.max(...values) > Math.min(...values), 'one bar, filling');
    assert.ok(values.every((v) => v <= 1), 'never past full');
    const first = proxy.paths();
    assert.ok(first.some((p) => /\.wasm$/.test(p)) && first.some((p) => /model\.safetensors$/.test(p)), first.join(' '));
    assert.equal(await page.isHidden('#download'), true, 'the bar goes once the model is ready');

    // The second visit: the engine's files come from the browser's cache
    // without a request (versioned names, immutable), the weights from the
    // page's own store (by sha256).
    await page.close();
    proxy.reset();
    const again = await context.newPage();
    const againErrors = watchErrors(again);
    await throttle(again, { mbit: 10, rtt: 40 });
    const t1 = Date.now();
    await again.goto(proxy.url);
    await again.waitForSelector('body[data-state=ready]', { timeout });
    const repeatMs = Date.now() - t1;
    const second = proxy.paths();
    assert.deepEqual(second.filter((p) => /\.(wasm|js|css|safetensors)$/.test(p)), [], `requests on the second visit: ${second.join(' ')}`);
    record('first-visit', { readyMs, repeatMs, firstRequests: first.length, repeatRequests: second, progressSamples: progress.length });
    assert.deepEqual([...errors, ...againErrors], []);
  } finally {
    await browser.close();
    proxy.stop();
  }
});

test('the widget embedded from another origin generates; where it cannot, it says so inside the element', { timeout: 180_000 }, async () => {
  // The docs site: another loopback port, so another origin, serving one
  // page that loads the widget from the RDLM site.
  const host = mkdtempSync(join(tmpdir(), 'rdlm-host-'));
  const model = {
    '/model/config.json': { type: 'application/json', body: readFileSync(`${env.site}/models/default/config.json`) },
    '/model/model.safetensors': { type: 'application/octet-stream', body: readFileSync(`${env.site}/models/default/model.safetensors`) },
  };
  // A host that sends no CORS headers, holding a model and the widget's script.
  const bare = await servePlain({ ...model, '/rdlm-widget.js': { type: 'text/javascript', body: readFileSync(`${env.site}/rdlm-widget.js`) } });
  writeFileSync(join(host, 'index.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Docs elsewhere</title>
<script type="module" src="${server.url}rdlm-widget.js"></script></head><body><main>
<rdlm-generator id="far" steps="12" seed="2" length="40">RDLM generator</rdlm-generator>
<rdlm-generator id="refused" model="${bare.url}model/">RDLM generator</rdlm-generator>
</main></body></html>`);
  writeFileSync(join(host, 'no-cors.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>No CORS</title>
<script type="module" src="${bare.url}rdlm-widget.js"></script></head><body><main>
<rdlm-generator id="lost">RDLM text generator: its script could not be loaded.</rdlm-generator></main></body></html>`);
  const docs = await serveSite(host);
  const { browser, context } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(docs.url);
    assert.notEqual(new URL(docs.url).origin, new URL(server.url).origin);
    await page.waitForSelector('#far[data-state=ready]', { timeout });
    await page.locator('#far').locator('button.go').click();
    await page.waitForSelector('#far[data-state=done]', { timeout });
    const text = await page.locator('#far').locator('.sample').textContent();
    assert.equal(text.length, 40);
    assert.match(text, TEXT8);
    // A model on a host without CORS: the reason, in the element.
    await page.waitForSelector('#refused[data-state=error]', { timeout });
    assert.match(await page.locator('#refused').locator('.status').textContent(), /could not load the model: .*CORS/);
    await shot(page, 'cross-origin-embed');

    // The widget's script itself on a host without CORS: the browser never
    // runs it, and the element shows its own text, not an empty space.
    const lost = await context.newPage();
    await lost.goto(docs.url + 'no-cors.html');
    await lost.waitForTimeout(500);
    assert.equal(await lost.evaluate(() => !!customElements.get('rdlm-generator')), false);
    assert.match(await lost.locator('#lost').innerText(), /its script could not be loaded/);
    assert.ok((await lost.locator('#lost').boundingBox()).height > 10);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    docs.stop();
    bare.stop();
  }
});

test('keyboard only: Tab to Generate, Enter runs, Enter on Stop stops, and focus comes back to Generate', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    await fill(page, { steps: 8, samples: 1, length: 32 });
    await page.evaluate(() => document.activeElement.blur());
    let tabs = 0;
    while (await page.evaluate(() => document.activeElement?.id) !== 'generate') {
      await page.keyboard.press('Tab');
      assert.ok(++tabs < 20, 'Generate is reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-state=done]', { timeout });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'generate', 'focus back on Generate');
    assert.equal(await page.textContent('#stat-t'), '1.000', 'the last step is t = 1');
    assert.equal(await page.textContent('#stat-step'), '8 / 8');

    // A long run: Enter starts it, focus moves to Stop, Enter stops it.
    await fill(page, { steps: 4000 });
    await page.focus('#generate');
    const states = await recordStates(page, () => document.body);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^\d+ \/ 4000/.test(document.getElementById('stat-step').textContent), null, { timeout });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'stop');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-state=stopped]', { timeout });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'generate');
    assert.equal(await page.textContent('#run-status'), 'Stopped.');
    assert.equal(await page.textContent('#form-error'), '', 'stopping is no error');
    const seen = await states();
    for (const s of ['queued', 'generating', 'stopping', 'stopped']) assert.ok(seen.includes(s), `state ${s} in ${seen}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

// recordStates logs every data-state the element (found by which, run in
// the page) takes; the returned function reads the log.
async function recordStates(page, which) {
  await page.evaluate((src) => {
    const el = (0, eval)(`(${src})`)();
    globalThis.__states = [];
    new MutationObserver(() => globalThis.__states.push(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ['data-state'] });
  }, which.toString());
  return () => page.evaluate(() => globalThis.__states);
}

test('the page shows the prompt as the model will see it, each mode keeps its text, and what cannot run is refused', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    await page.check('input[name=mode][value=prompt]');
    await page.fill('#cond-text', 'Café 日本 😀 ok');
    await page.waitForFunction(() => /caf ok/.test(document.getElementById('cond-preview').textContent), null, { timeout });
    const notice = await page.textContent('#cond-notice');
    assert.match(notice, /capitals lowered/);
    assert.match(notice, /“é” “日” “本” “😀”/);
    await shot(page, 'prompt-notice', { fullPage: false });
    // Each mode keeps its own text.
    await page.check('input[name=mode][value=template]');
    assert.match(await page.inputValue('#cond-text'), /_/);
    await page.fill('#cond-text', 'no blanks at all');
    await page.waitForFunction(() => /Will not run: a template needs at least one _/.test(document.getElementById('cond-preview').textContent), null, { timeout });
    await page.check('input[name=mode][value=prompt]');
    assert.equal(await page.inputValue('#cond-text'), 'Café 日本 😀 ok');
    await page.check('input[name=mode][value=template]');
    assert.equal(await page.inputValue('#cond-text'), 'no blanks at all');
    await page.click('#generate');
    await page.waitForFunction(() => /needs at least one _/.test(document.getElementById('form-error').textContent), null, { timeout });
    // A prompt of characters the model does not have is refused, not run as none.
    await page.check('input[name=mode][value=prompt]');
    await page.fill('#cond-text', '日本語');
    await page.click('#generate');
    await page.waitForFunction(() => /no character the model reads/.test(document.getElementById('form-error').textContent), null, { timeout });
    assert.equal(await page.getAttribute('body', 'data-state'), 'ready');

    // The widget refuses the same, as soon as it is on the page.
    await page.goto(server.url + 'docs.html');
    await page.evaluate(() => {
      const w = document.createElement('rdlm-generator');
      w.id = 'flat';
      w.setAttribute('template', 'nothing to fill');
      document.querySelector('main').append(w);
      const p = document.createElement('rdlm-generator');
      p.id = 'accents';
      p.setAttribute('prompt', 'Señor');
      p.setAttribute('steps', '4');
      document.querySelector('main').append(p);
    });
    await page.waitForSelector('#flat[data-state=error]', { timeout });
    assert.match(await page.locator('#flat').locator('.status').textContent(), /needs at least one _/);
    await page.waitForSelector('#accents[data-state=ready]', { timeout });
    assert.match(await page.locator('#accents').locator('.screen').textContent(), /continue: se or/);
    assert.match(await page.locator('#accents').locator('.notice').textContent(), /capitals lowered.*“ñ”/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('two widgets on one engine: the second waits as "queued" with its screen kept; stopping reads as stopping, then stopped', { timeout: 120_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url + 'docs.html');
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    await page.waitForSelector('#template[data-state=ready]', { timeout });
    await page.evaluate(() => document.getElementById('free').setAttribute('steps', '4000'));
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    const idle = await page.locator('#template').locator('.screen').textContent();
    await page.locator('#free').locator('button.go').click();
    await page.waitForSelector('#free[data-state=generating]', { timeout });
    await page.locator('#template').locator('button.go').click();
    await page.waitForSelector('#template[data-state=queued]', { timeout });
    assert.match(await page.locator('#template').locator('.status').textContent(), /queued/);
    assert.equal(await page.locator('#template').locator('.screen').textContent(), idle, 'a queued widget keeps its screen');
    await shot(page, 'docs-queued', { fullPage: false });
    const states = await recordStates(page, () => document.getElementById('free'));
    await page.locator('#free').locator('button.go').click();
    await page.waitForSelector('#free[data-state=stopped]', { timeout });
    assert.ok((await states()).includes('stopping'));
    const status = page.locator('#free').locator('.status');
    assert.equal(await status.textContent(), 'stopped');
    assert.equal(await status.evaluate((el) => el.classList.contains('error')), false, 'stopped is no error');
    await page.waitForSelector('#template[data-state=done]', { timeout });
    assert.ok((await page.locator('#template').locator('.sample').textContent()).startsWith('the history of '));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('accessibility audit (axe-core): no serious or critical finding on the page, mid-run and done, or on the docs page', { timeout: 180_000 }, async () => {
  const { browser, context } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    const found = { ready: await audit(page, 'page-ready') };
    // Mid-run: every confidence shade is on screen.
    await fill(page, { steps: 4000, samples: 2, length: 128 });
    await page.click('#generate');
    await page.waitForFunction(() => /^\d+ \/ 4000/.test(document.getElementById('stat-step').textContent), null, { timeout });
    found.midRun = await audit(page, 'page-mid-run');
    await page.click('#stop');
    await page.waitForSelector('body[data-state=stopped]', { timeout });
    await fill(page, { steps: 16 });
    await page.click('#generate');
    await page.waitForSelector('body[data-state=done]', { timeout });
    found.done = await audit(page, 'page-done');
    await page.goto(server.url + 'docs.html');
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    await page.locator('#free').locator('button.go').click();
    await page.waitForSelector('#free[data-state=done]', { timeout });
    found.docs = await audit(page, 'docs');
    for (const [where, v] of Object.entries(found)) assert.deepEqual(v, [], `${where}: ${JSON.stringify(v, null, 1)}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
