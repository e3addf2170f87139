/**
 * Web frontend figures (issue 15): page weight (every byte the first load transfers, gzipped as
 * served, and plain) and time to first render in headless Chromium: first contentful paint and
 * the moment the scanner list is drawn from the live event stream. Built gateway, one eSCL
 * simulator, a real Mosquitto, all on loopback.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startMosquitto } from '../test/helpers/mosquitto.js';
import { launchChromium } from '../test/helpers/chromium.js';
import { EsclSimulator } from '../test/sim/escl/index.js';
import { median, report, startBenchGateway, stopChild } from './lib.js';

const RUNS = Number(process.env.BENCH_FRONTEND_RUNS ?? 7);
const ASSETS = ['', 'style.css', 'app.js', 'dom.js', 'devices.js', 'scan.js', 'area.js', 'library.js', 'bridge.js'];

/** Bytes of one GET's body as sent (with or without gzip). */
function bodyBytes(port: number, path: string, gzip: boolean): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: `/${path}`, headers: gzip ? { 'accept-encoding': 'gzip' } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? done(bytes) : fail(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Runs the frontend benchmark and prints its rows. */
export async function benchFrontend(): Promise<void> {
  const broker = await startMosquitto();
  const sim = new EsclSimulator();
  await sim.start();
  const data = await mkdtemp(join(tmpdir(), 'bench-frontend-'));
  const port = await freePort();
  const gateway = await startBenchGateway({
    brokerUrl: broker.url,
    dataFolder: data,
    devices: [{ name: 'Bench', protocol: 'escl', url: sim.baseUrl, friendly_name: 'bench' }],
    env: { SCAN2MQTT_FRONTEND_PORT: String(port) },
  });
  const browser = await launchChromium();
  try {
    let gz = 0;
    let plain = 0;
    for (const asset of ASSETS) {
      gz += await bodyBytes(port, asset, true);
      plain += await bodyBytes(port, asset, false);
    }
    report('frontend page weight, first load (gzip as served)', gz / 1024, 'KiB', `${ASSETS.length} files`);
    report('frontend page weight, first load (uncompressed)', plain / 1024, 'KiB');

    const fcp: number[] = [];
    const listed: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const page = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      await page.goto(`http://127.0.0.1:${port}/#devices`);
      await page.locator('article[data-scanner="bench"]').waitFor();
      const times = (await page.evaluate(`(() => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        return { fcp: paint ? paint.startTime : NaN, listed: performance.now() };
      })()`)) as { fcp: number; listed: number };
      fcp.push(times.fcp);
      listed.push(times.listed);
      await page.close();
    }
    report('frontend first contentful paint (median)', median(fcp), 'ms', `${RUNS} cold loads, headless Chromium`);
    report('frontend scanner list drawn from the event stream (median)', median(listed), 'ms', 'upper bound: measured after the wait');
  } finally {
    await browser.close();
    await stopChild(gateway.child);
    await sim.stop();
    await broker.stop();
    await rm(data, { recursive: true, force: true });
  }
}
