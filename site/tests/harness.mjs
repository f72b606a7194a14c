// Test harness: serves the built site with `rdlm serve` and launches
// Debian's chromium through playwright-core, with or without WebGPU.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdirSync, existsSync, copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const env = {
  site: must('RDLM_SITE_DIR'),     // the built site, with a test model as its default
  rdlm: must('RDLM_BIN'),          // the rdlm binary (for rdlm serve)
  artifacts: must('RDLM_ARTIFACTS'),
  screenshots: process.env.RDLM_SCREENSHOTS || '', // also keep the key shots here
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  // steps of the image-mode walk: few for the random test model, more for a
  // trained one whose screenshot should show finished digits
  imageSteps: Number(process.env.RDLM_TEST_IMAGE_STEPS || 40),
};

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the browser tests through site/tests/run.sh`);
  return v;
}

/** serveSite starts `rdlm serve` for dir (the built site) on a free port and returns {url, stop}. */
export async function serveSite(dir = env.site) {
  if (!existsSync(`${dir}/index.html`)) throw new Error(`${dir} holds no built site`);
  const proc = spawn(env.rdlm, ['serve', '--addr', '127.0.0.1:0', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`rdlm serve exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error('rdlm serve did not start in 10 s')), 10000);
  });
  return { url, stop: () => proc.kill('SIGINT') };
}

const baseFlags = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic'];

/**
 * launch starts headless chromium; webgpu adds --enable-unsafe-webgpu over
 * SwiftShader's Vulkan. phone gives the context a phone's screen (a
 * viewport {width, height}, touch, a 2x display).
 */
export async function launch({ webgpu, phone = null }) {
  if (!existsSync(env.chromium)) throw new Error(`${env.chromium} is missing: install Debian's chromium (site/tests/run.sh does)`);
  const args = webgpu ? [...baseFlags, '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader'] : baseFlags;
  const browser = await chromium.launch({
    executablePath: env.chromium, headless: true, args,
    env: { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' },
  });
  const context = await browser.newContext(phone
    ? { viewport: phone, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
    : { viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  return { browser, context };
}

/** shot saves a screenshot as a test artefact and, if key, for the issue note. */
export async function shot(page, name, { key = false, fullPage = true } = {}) {
  mkdirSync(env.artifacts, { recursive: true });
  await page.screenshot({ path: `${env.artifacts}/${name}.png`, fullPage });
  if (key && env.screenshots) {
    mkdirSync(env.screenshots, { recursive: true });
    copyFileSync(`${env.artifacts}/${name}.png`, `${env.screenshots}/${name}.png`);
  }
}

/** record writes a JSON artefact (timings, which backend ran). */
export function record(name, value) {
  mkdirSync(env.artifacts, { recursive: true });
  writeFileSync(`${env.artifacts}/${name}.json`, JSON.stringify(value, null, 2) + '\n');
  console.log(`# ${name}: ${JSON.stringify(value)}`);
}

/** watchErrors collects uncaught page errors, which fail a test. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * countingProxy forwards a loopback port to target (an http://127.0.0.1:PORT/
 * URL) and counts what crosses it: the bytes sent to the browser (headers and
 * bodies as they went over the wire, compressed or not) and the path of every
 * request. The site's requests are GETs without bodies, so each request
 * starts with its request line. Returns {url, bytes(), paths(), reset(), stop()}.
 */
export async function countingProxy(target) {
  const { hostname, port } = new URL(target);
  let down = 0;
  let paths = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client); sockets.add(upstream);
    client.on('data', (d) => {
      for (const m of d.toString('latin1').matchAll(/^(?:GET|HEAD) (\S+) HTTP\/1\.[01]\r$/gm)) paths.push(m[1]);
      upstream.write(d);
    });
    upstream.on('data', (d) => { down += d.length; client.write(d); });
    const close = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('close', close); upstream.on('close', close);
    client.on('error', close); upstream.on('error', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    bytes: () => down,
    paths: () => [...paths],
    reset: () => { down = 0; paths = []; },
    stop: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

/**
 * throttle emulates a slow link for page and its workers (CDP
 * Network.emulateNetworkConditions): mbit megabits per second each way and
 * rtt milliseconds of latency per request.
 */
export async function throttle(page, { mbit, rtt }) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const bytesPerSecond = (mbit * 1e6) / 8;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: rtt, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
  });
  return cdp;
}

/**
 * servePlain serves files (URL path -> {type, body}) from a loopback port
 * the way a bare static host does: no CORS headers. Returns {url, stop}.
 */
export async function servePlain(files) {
  const server = http.createServer((req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': f.type, 'Cache-Control': 'no-cache' });
    res.end(f.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * audit runs axe-core (WCAG 2.x A and AA rules, and best practices) on the
 * page as it is now, open shadow roots included, records every finding
 * under name and returns the serious and critical ones.
 */
export async function audit(page, name) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ': ' + n.failureSummary) }));
  });
  record(`axe-${name}`, violations);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
