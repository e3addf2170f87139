/**
 * The Library page's actions in Chromium against the real gateway: a stored document is sent
 * again to a second folder target (the file lands there) and to a WebDAV target on a closed
 * loopback port, whose delivery then waits in the outbox, where Retry answers and Drop removes it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/mosquitto.js';
import { filesUnder } from './gateway-process.js';
import { startFrontendRig, type FrontendRig } from './frontend-rig.js';

/** Long enough that the gateway never retries on its own while the test looks at the outbox. */
const RETRY_MIN_S = 3600;

let r: FrontendRig;
let copies: string;

beforeAll(async () => {
  copies = await mkdtemp(join(tmpdir(), 'scan2mqtt-copies-'));
  // Nothing listens on this port: every WebDAV attempt is refused, a passing failure that is spooled.
  const closedPort = await freePort();
  r = await startFrontendRig({
    SCAN2MQTT_TARGETS: JSON.stringify({
      copies: { type: 'folder', folder: copies },
      nas: { type: 'webdav', url: `http://127.0.0.1:${closedPort}/dav/` },
    }),
    SCAN2MQTT_DELIVERY_RETRY_MIN_S: String(RETRY_MIN_S),
    SCAN2MQTT_DELIVERY_RETRY_MAX_S: String(RETRY_MIN_S),
  });
}, 120_000);

afterAll(async () => {
  await r?.stop();
  if (copies) await rm(copies, { recursive: true, force: true });
});

describe('Library page in Chromium', () => {
  it('sends a stored document again to a second folder target', async () => {
    const { page } = r;
    await page.goto(r.url('#scan'));
    await page.locator('#scan-source').selectOption('platen');
    await page.locator('#scan-format').selectOption('jpeg');
    await page.locator('#scan-start').click();
    await page.locator('#job[data-state="done"]').waitFor({ timeout: 60_000 });
    expect(await filesUnder(r.rig.gateway.storageFolder)).toHaveLength(1);

    await page.goto(r.url('#library'));
    const doc = page.locator('article[data-document]');
    await doc.first().waitFor();
    expect(await doc.locator('select[aria-label="Target"] option').allTextContents()).toEqual(['copies', 'nas']);
    await doc.locator('select[aria-label="Target"]').selectOption('copies');
    await doc.locator('[data-action="resend"]').click();
    await expect.poll(() => page.locator('#library-status').textContent()).toBe('Send to copies: delivered');
    const landed = await filesUnder(copies);
    expect(landed).toHaveLength(1);
    expect(landed[0]).toMatch(/\.jpe?g$/);
    await page.screenshot({ path: await r.browser.artifact('frontend-library-resend.png'), fullPage: true });
  });

  it('shows a delivery to an unreachable target in the outbox; Retry answers, Drop removes it', async () => {
    const { page } = r;
    await page.goto(r.url('#library'));
    const doc = page.locator('article[data-document]');
    await doc.first().waitFor();
    await doc.locator('select[aria-label="Target"]').selectOption('nas');
    await doc.locator('[data-action="resend"]').click();
    await expect.poll(() => page.locator('#library-status').textContent()).toMatch(/^Send to nas: spooled \(.+\)$/);
    const row = page.locator('tr[data-delivery]');
    await row.waitFor();
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('nas');
    expect(cells[3]).toBe('1');
    await page.screenshot({ path: await r.browser.artifact('frontend-outbox.png'), fullPage: true });

    await row.locator('[data-action="retry"]').click();
    // The port is still closed: the retry answers that the delivery waits on, and counts the attempt.
    await expect.poll(() => page.locator('#library-status').textContent()).toMatch(/^Retry: pending/);
    expect((await page.locator('tr[data-delivery] td').allTextContents())[3]).toBe('2');

    page.once('dialog', (d) => void d.accept());
    await page.locator('tr[data-delivery] [data-action="drop"]').click();
    await expect.poll(() => page.locator('#library-status').textContent()).toBe('Drop: done');
    expect(await page.locator('tr[data-delivery]').count()).toBe(0);
    expect(await page.getByText('Nothing waiting.').count()).toBe(1);
  });
});
