// Retakes the site's screenshots (site/screenshots) with real models on the
// CPU path: the page mid-walk and finished, a phone's screen, the docs page
// with two widgets and on a phone, a prompt's notice, and the image mode.
// The browser tests use a random model; these show what a reader sees.
//
//   site/build.sh /tmp/site --model core/builtin/shakespeare --image-model core/builtin/mnist
//   node site/tests/screenshots.mjs /tmp/site bin/rdlm site/screenshots [page|phone|image ...]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [siteDir, rdlmBin, outDir, ...only] = process.argv.slice(2);
// Optional names after OUT_DIR (page, phone, image) take only those shots.
const want = (name) => only.length === 0 || only.includes(name);
if (!siteDir || !rdlmBin || !outDir) {
  console.error('usage: node screenshots.mjs SITE_DIR RDLM_BIN OUT_DIR [page|phone|image ...]');
  process.exit(2);
}
process.env.RDLM_SITE_DIR = siteDir;
process.env.RDLM_BIN = rdlmBin;
process.env.RDLM_ARTIFACTS ??= mkdtempSync(join(tmpdir(), 'rdlm-shots-'));
process.env.RDLM_SCREENSHOTS = outDir;
const { serveSite, launch, shot } = await import('./harness.mjs');

const timeout = 300_000;
const fill = async (page, values) => { for (const [id, v] of Object.entries(values)) await page.fill(`#${id}`, String(v)); };
const stepAtLeast = (page, fraction) => page.waitForFunction((f) => {
  const m = document.getElementById('stat-step').textContent.match(/^(\d+) \/ (\d+)/);
  return m && Number(m[1]) >= Number(m[2]) * f;
}, fraction, { timeout, polling: 'raf' });

const server = await serveSite();
try {
  if (want('page')) {
    const { browser, context } = await launch({ webgpu: false });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    await fill(page, { steps: 128, samples: 2, length: 100, seed: 3 });
    await page.click('#generate');
    await stepAtLeast(page, 0.35);
    await shot(page, 'page-mid-generation', { key: true, fullPage: false });
    await page.waitForSelector('body[data-state=done]', { timeout });
    await shot(page, 'page-finished', { key: true, fullPage: false });
    await page.check('input[name=mode][value=prompt]');
    await page.fill('#cond-text', 'Thou art MORE lovely, Señor: 2 times');
    await page.waitForSelector('#cond-notice:not([hidden])', { timeout });
    await shot(page, 'page-prompt-notice', { key: true, fullPage: false });

    await page.goto(server.url + 'docs.html');
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    await page.waitForSelector('#template[data-state=ready]', { timeout });
    await page.locator('#free').locator('button.go').click();
    await page.locator('#template').locator('button.go').click();
    await page.waitForSelector('#template[data-state=done]', { timeout });
    await shot(page, 'docs-two-widgets', { key: true });
    await browser.close();
  }
  if (want('phone')) {
    const { browser, context } = await launch({ webgpu: false, phone: { width: 375, height: 700 } });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout });
    await fill(page, { steps: 128, samples: 1, length: 100, seed: 3 });
    await page.locator('#generate').tap();
    await stepAtLeast(page, 0.6);
    await shot(page, 'phone-generating', { key: true, fullPage: false });
    await page.waitForSelector('body[data-state=done]', { timeout });
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(server.url + 'docs.html');
    await page.waitForSelector('#free[data-state=ready]', { timeout });
    await page.locator('#free').locator('button.go').tap();
    await page.waitForSelector('#free[data-state=done]', { timeout });
    await page.locator('#free').scrollIntoViewIfNeeded();
    await shot(page, 'docs-phone', { key: true, fullPage: false });
    await browser.close();
  }
  if (want('image')) {
    const { browser, context } = await launch({ webgpu: false });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForSelector('#shipped button[data-kind=image]', { timeout });
    await page.click('#shipped button[data-kind=image]');
    await page.waitForSelector('body[data-kind=image][data-state=ready]', { timeout });
    await fill(page, { steps: 48, samples: 4, seed: 3 });
    await page.click('#generate');
    await page.waitForSelector('body[data-state=done]', { timeout: 600_000 });
    await shot(page, 'image-mode', { key: true, fullPage: false });
    await browser.close();
  }
} finally {
  server.stop();
}
