// Shared pieces of the browser tests: start `needmap serve` on a free port of 127.0.0.1,
// launch Debian's headless Chromium through playwright-core, open pages that record console
// errors, wait for the map to settle, read screenshot pixels.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const shots = join(repo, 'target', 'screenshots');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader'];

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * Start `needmap serve` with extra `args` and `env` on a free port of 127.0.0.1 and wait
 * until `/api/meta` answers. Returns { base, log(), stop() }.
 */
export async function startServer({ args = [], env = {}, ms = 120000 } = {}) {
  const bin = process.env.NEEDMAP_BIN ?? join(repo, 'target', 'release', 'needmap');
  assert.ok(existsSync(bin), `needmap binary not found at ${bin}: run cargo build --release (or set NEEDMAP_BIN)`);
  assert.ok(existsSync(join(repo, 'web', 'vendor', 'maplibre-gl.mjs')), 'web/vendor is missing: run make web-vendor');
  const port = await freePort();
  const server = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, ...args], {
    cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let log = '';
  server.stdout.on('data', (d) => { log += d; });
  server.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}/`;
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    if (server.exitCode !== null) throw new Error(`needmap serve exited with ${server.exitCode}:\n${log}`);
    try {
      const r = await fetch(`${base}api/meta`);
      if (r.ok) break;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`needmap serve did not answer ${base}api/meta within ${ms} ms (${last}):\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    log: () => log,
    async stop() {
      if (server.exitCode !== null) return;
      server.kill('SIGINT');
      await new Promise((r) => { server.once('exit', r); setTimeout(r, 5000); });
    },
  };
}

export function launchBrowser() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: FLAGS });
}

/**
 * A page in a new context (its own sessionStorage) whose console errors go to `errors`.
 * `options` go to the context (e.g. `{ deviceScaleFactor: 2 }`).
 */
export async function openPage(browser, errors, viewport = { width: 1366, height: 768 }, options = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, ...options });
  const p = await context.newPage();
  p.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} @ ${m.location()?.url ?? ''}`); });
  p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  // Requests cancelled by a navigation (net::ERR_ABORTED) are not failures of the app.
  p.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return p;
}

/** Wait until every request of the app is done and MapLibre fired `idle`. */
export async function settled(p) {
  await p.waitForFunction(() => window.needmap && window.needmap.ready === true, null, { timeout: 60000 });
  await p.evaluate(() => window.needmap.settled());
}

export async function shot(p, name) {
  await p.screenshot({ path: join(shots, `${name}.png`) });
}

/** The RGBA pixels of the screenshot of page region `clip`, decoded from the PNG in the page. */
export async function screenshotPixels(p, clip) {
  const png = await p.screenshot({ clip });
  return p.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return [...g.getImageData(0, 0, c.width, c.height).data];
  }, png.toString('base64'));
}

/** The colour [r, g, b] of the screenshot at page pixel (x, y). */
export async function pixelAt(p, x, y) {
  return (await screenshotPixels(p, { x: Math.round(x), y: Math.round(y), width: 1, height: 1 })).slice(0, 3);
}

/**
 * The suite's server (or NEEDMAP_URL when given) and browser, started in node:test's `before`
 * and stopped in `after`: `const s = session(before, after)`, then `s.base` and `s.browser`.
 */
export function session(before, after) {
  const s = { server: null, base: process.env.NEEDMAP_URL ?? '', browser: null };
  before(async () => {
    if (!s.base) {
      s.server = await startServer();
      s.base = s.server.base;
    }
    if (!s.base.endsWith('/')) s.base += '/';
    s.browser = await launchBrowser();
  });
  after(async () => {
    if (s.browser) await s.browser.close();
    if (s.server) await s.server.stop();
  });
  return s;
}

/** `#rrggbb` as [r, g, b]. */
export const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

/** Whether two colours [r, g, b] differ by at most `tol` in every channel. */
export const near = (a, b, tol) => a.every((v, i) => Math.abs(v - b[i]) <= tol);
