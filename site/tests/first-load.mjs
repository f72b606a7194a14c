// Measures the site's first and repeat visit on a throttled link, on the
// CPU path (no WebGPU): bytes over the wire, the requests for the engine and
// the weights, and the time from navigation to the first denoising step
// shown (Generate is pressed as soon as it can be). The figures go to
// BENCHMARKS.md ("The site: first load").
//
//   node site/tests/first-load.mjs SITE_DIR RDLM_BIN [--mbit 10] [--rtt 40] [--runs 3] [--steps 64]
//
// SITE_DIR is a built site (site/build.sh OUT --model ...); RDLM_BIN serves it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [siteDir, rdlmBin, ...rest] = process.argv.slice(2);
if (!siteDir || !rdlmBin) {
  console.error('usage: node first-load.mjs SITE_DIR RDLM_BIN [--mbit 10] [--rtt 40] [--runs 3] [--steps 64]');
  process.exit(2);
}
const opt = { mbit: 10, rtt: 40, runs: 3, steps: 64 };
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);

// The harness reads its folders from the environment (run.sh sets them).
process.env.RDLM_SITE_DIR = siteDir;
process.env.RDLM_BIN = rdlmBin;
process.env.RDLM_ARTIFACTS ??= mkdtempSync(join(tmpdir(), 'rdlm-first-load-'));
const { serveSite, countingProxy, launch, throttle } = await import('./harness.mjs');

// visit opens the page, presses Generate once it is enabled and waits for the
// first step to be shown; it returns the times and what crossed the proxy.
async function visit(context, proxy) {
  const page = await context.newPage();
  await throttle(page, { mbit: opt.mbit, rtt: opt.rtt });
  proxy.reset();
  const t0 = Date.now();
  await page.goto(proxy.url, { waitUntil: 'commit' });
  await page.waitForSelector('#generate:not([disabled])', { timeout: 120_000 });
  const ready = Date.now() - t0;
  await page.fill('#steps', String(opt.steps));
  await page.click('#generate');
  await page.waitForFunction(() => !['–', ''].includes(document.getElementById('stat-step').textContent), null, { timeout: 120_000, polling: 'raf' });
  const firstStep = Date.now() - t0;
  await page.waitForSelector('body[data-state=done]', { timeout: 300_000 });
  await page.close();
  const paths = proxy.paths();
  return {
    ready, firstStep, bytes: proxy.bytes(), requests: paths.length,
    wasm: paths.filter((p) => /\.wasm(\?|$)/.test(p)).length,
    weights: paths.filter((p) => /\.safetensors(\?|$)/.test(p)).length,
    paths,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await serveSite(siteDir);
const proxy = await countingProxy(server.url);
const runs = [];
try {
  for (let i = 0; i < opt.runs; i++) {
    const { browser, context } = await launch({ webgpu: false });
    try {
      const first = await visit(context, proxy);
      const repeat = await visit(context, proxy);
      runs.push({ first, repeat });
      console.error(`run ${i + 1}: first ${first.firstStep} ms (${first.bytes} B), repeat ${repeat.firstStep} ms (${repeat.bytes} B)`);
    } finally {
      await browser.close();
    }
  }
} finally {
  proxy.stop();
  server.stop();
}
const report = (k) => ({
  bytes: median(runs.map((r) => r[k].bytes)),
  requests: median(runs.map((r) => r[k].requests)),
  wasmRequests: median(runs.map((r) => r[k].wasm)),
  weightRequests: median(runs.map((r) => r[k].weights)),
  readyMs: median(runs.map((r) => r[k].ready)),
  firstStepMs: median(runs.map((r) => r[k].firstStep)),
  firstStepRunsMs: runs.map((r) => r[k].firstStep),
  paths: runs[0][k].paths,
});
console.log(JSON.stringify({ link: `${opt.mbit} Mbit/s, ${opt.rtt} ms`, steps: opt.steps, first: report('first'), repeat: report('repeat') }, null, 2));
