/**
 * The web frontend end to end (issue 15): the real gateway process on a real Mosquitto with the
 * eSCL simulator, driven through headless Debian Chromium. The page loads, the simulated scanner
 * appears, a scan is run from the form with its per-page progress, the result is opened and
 * deleted; a request without the token is refused; the ingress proxy is trusted.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/mosquitto.js';
import { launchChromium, type HeadlessChromium } from '../helpers/chromium.js';
import { startIngressProxy } from '../helpers/ingress-proxy.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { filesUnder, startGatewayOnBroker, type GatewayOnBroker } from './gateway-process.js';

const SCANNER = 'sim';
const TOKEN = 'front-door-token-1234';
/** The address the test's "Home Assistant" connects from (any 127/8 address is loopback on Linux). */
const INGRESS_PEER = '127.0.0.2';
/** The simulator's page delivery rate in the scan test: a 150 dpi page (about 400 kB) takes a few seconds. */
const TRICKLE_BYTES_PER_SECOND = 150_000;
/** Time the trickled three-page scan test may take (a limit, not an assertion). */
const SCAN_TEST_TIMEOUT_MS = 120_000;

let sim: EsclSimulator;
let rig: GatewayOnBroker;
let port: number;
let browser: HeadlessChromium;
let page: Page;

/** One GET from `localAddress`, answered status, headers and body. */
function get(path: string, options: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers: options.headers ?? {}, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  // A few pages with a pause each, so the page sees the job in progress before it is done.
  sim = new EsclSimulator({ adfPages: 3, pageDelayMs: 700 });
  await sim.start();
  port = await freePort();
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
    SCAN2MQTT_FRONTEND_ENABLED: 'true',
    SCAN2MQTT_FRONTEND_PORT: String(port),
    SCAN2MQTT_FRONTEND_HOST: '127.0.0.1',
    SCAN2MQTT_FRONTEND_AUTH_TOKEN: TOKEN,
    SCAN2MQTT_FRONTEND_INGRESS_PROXY: INGRESS_PEER,
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rig?.stop();
  await sim?.stop();
});

describe('web frontend in Chromium', () => {
  it('refuses a request without the token with 401 and nothing else', async () => {
    for (const path of ['/', '/api/scanners', '/api/events', '/app.js', '/api/documents']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(401);
      expect(answer.body).not.toContain(SCANNER);
    }
    expect((await get('/api/scanners', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await get('/api/scanners', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('trusts the ingress proxy without a token and puts its path prefix in the page', async () => {
    const answer = await get('/', { localAddress: INGRESS_PEER, headers: { 'X-Ingress-Path': '/api/hassio_ingress/abc123' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<base href="/api/hassio_ingress/abc123/">');
    const hostile = await get('/', { localAddress: INGRESS_PEER, headers: { 'X-Ingress-Path': '/x"><script>' } });
    expect(hostile.status).toBe(200);
    expect(hostile.body).not.toContain('<base');
    const scanners = JSON.parse((await get('/api/scanners', { localAddress: INGRESS_PEER })).body);
    expect(scanners.map((s: { id: string }) => s.id)).toEqual([SCANNER]);
  });

  it('works in the browser through the ingress proxy, under its path prefix, without a token', async () => {
    const proxy = await startIngressProxy({ upstreamPort: port, prefix: '/api/hassio_ingress/abc123', localAddress: INGRESS_PEER });
    const ingressPage = await browser.context.newPage();
    try {
      await ingressPage.goto(proxy.url);
      const card = ingressPage.locator(`article[data-scanner="${SCANNER}"]`);
      await card.waitFor();
      await expect.poll(() => ingressPage.locator('#live').textContent()).toBe('live');
      await ingressPage.screenshot({ path: await browser.artifact('frontend-ingress.png') });
    } finally {
      await ingressPage.close();
      await proxy.stop();
    }
  });

  it('loads with ?token=, shows the simulated scanner live, and its topics', async () => {
    await page.goto(`http://127.0.0.1:${port}/?token=${TOKEN}#devices`);
    const card = page.locator(`article[data-scanner="${SCANNER}"]`);
    await card.waitFor();
    await expect.poll(() => card.locator('[data-field="online"]').textContent()).toBe('online');
    expect(await card.textContent()).toContain('escl');
    expect(await card.textContent()).toContain(`scan2mqtt/${SCANNER}/capabilities`);
    expect(await card.locator('table tbody tr').count()).toBe(2);
    await page.screenshot({ path: await browser.artifact('frontend-devices.png'), fullPage: true });
  });

  it('runs an ADF scan from the form, shows each page filling as it arrives, opens the result and deletes it', async () => {
    sim.loadAdf(3);
    // Every page trickles in over a few seconds, so the gateway's progress events (every 500 ms)
    // show a page partly received before it is whole.
    sim.inject({ kind: 'slow-body', bytesPerSecond: TRICKLE_BYTES_PER_SECOND });
    await page.goto(`http://127.0.0.1:${port}/#scan`);
    await page.locator('#scan-source').selectOption('adf');
    await page.locator('#scan-resolution').selectOption('150');
    await page.locator('#scan-format').selectOption('pdf');
    // Record every page count and every bar the progress view shows, in order, until the job ends.
    // (Browser-side code as strings: the test's TypeScript has no DOM types.)
    await page.evaluate(`(() => {
      window.seenPages = [];
      window.seenBars = [];
      new MutationObserver(() => {
        const job = document.getElementById('job');
        const value = job && job.dataset.state + ':' + job.dataset.pages;
        if (job && window.seenPages.at(-1) !== value) window.seenPages.push(value);
        for (const bar of document.querySelectorAll('#job .pages progress')) {
          const seen = bar.getAttribute('aria-label').match(/\\d+/)[0] + ':' + bar.value;
          if (!window.seenBars.includes(seen)) window.seenBars.push(seen);
        }
      }).observe(document.getElementById('scan-progress'), { childList: true, subtree: true });
    })()`);
    await page.locator('#scan-start').click();
    await page.locator('#job[data-state="scanning"] .pages progress[data-current]').first().waitFor();
    await page.screenshot({ path: await browser.artifact('frontend-scan-progress.png'), fullPage: true });
    await page.locator('#job[data-state="done"]').waitFor({ timeout: 90_000 });
    sim.clearFaults();
    const seen = (await page.evaluate('window.seenPages')) as string[];
    const scanningPages = seen.filter((s) => s.startsWith('scanning:')).map((s) => Number(s.split(':')[1]));
    expect(scanningPages.length).toBeGreaterThan(1);
    expect(scanningPages).toEqual([...scanningPages].sort((a, b) => a - b));
    expect(await page.locator('#job').getAttribute('data-pages')).toBe('3');
    expect(await page.locator('#job .pages progress').count()).toBe(3);
    // Within one page: its bar was seen partly filled (more than one step), then full, in that order.
    const bars = ((await page.evaluate('window.seenBars')) as string[]).map((b) => b.split(':').map(Number) as [number, number]);
    for (const pageNo of [2, 3]) {
      const values = bars.filter(([n]) => n === pageNo).map(([, v]) => v);
      const partial = values.filter((v) => v > 0 && v < 1);
      expect(partial.length, `page ${pageNo}: ${values.join(', ')}`).toBeGreaterThan(1);
      expect(partial, `page ${pageNo} grows`).toEqual([...partial].sort((a, b) => a - b));
      expect(values.at(-1), `page ${pageNo} ends full`).toBe(1);
    }

    const files = await filesUnder(rig.gateway.storageFolder);
    expect(files).toHaveLength(1);
    await page.locator('#result [data-action="open"]').click();
    const image = page.locator('#viewer-image');
    await image.waitFor();
    await expect.poll(() => image.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    expect(await page.locator('#viewer-page').textContent()).toBe('Page 1 of 3');
    await page.screenshot({ path: await browser.artifact('frontend-viewer.png') });
    await page.locator('#viewer [data-action="close"]').click();

    await page.goto(`http://127.0.0.1:${port}/#library`);
    const doc = page.locator('article[data-document]');
    await doc.first().waitFor();
    expect(await doc.count()).toBe(1);
    await page.screenshot({ path: await browser.artifact('frontend-library.png'), fullPage: true });
    page.once('dialog', (d) => void d.accept());
    await doc.locator('[data-action="delete"]').click();
    await page.locator('#library-empty').waitFor();
    expect(await filesUnder(rig.gateway.storageFolder)).toHaveLength(0);
  }, SCAN_TEST_TIMEOUT_MS);

  it('runs a fast preview of the platen and shows it without storing anything', async () => {
    await page.goto(`http://127.0.0.1:${port}/#scan`);
    await page.locator('#scan-source').selectOption('platen');
    await page.locator('#scan-preview').click();
    await page.locator('#job[data-state="done"]').waitFor({ timeout: 60_000 });
    const preview = page.locator('#preview-image');
    await expect.poll(() => preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    expect(await filesUnder(rig.gateway.storageFolder)).toHaveLength(0);
    await page.screenshot({ path: await browser.artifact('frontend-preview.png') });
  });

  it('shows health, the live log and the config without secrets on the Bridge page', async () => {
    await page.goto(`http://127.0.0.1:${port}/#bridge`);
    await page.locator('#config').waitFor();
    const config = await page.locator('#config').textContent();
    expect(config).toContain('"auth_token": "***"');
    expect(config).not.toContain(TOKEN);
    await page.locator('#log-level').selectOption('20');
    await page.locator('#log div').first().waitFor();
    await page.locator('#discover').click();
    await page.getByText(/Discovery done/).waitFor();
    expect(await page.locator('#log').textContent()).not.toContain(TOKEN);
    await page.screenshot({ path: await browser.artifact('frontend-bridge.png'), fullPage: true });
  });
});
