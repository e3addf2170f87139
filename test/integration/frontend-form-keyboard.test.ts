/**
 * The Scan form's area and profile in Chromium, and the page by keyboard and on a phone: a
 * region drawn with the pointer on the page outline and a chosen profile reach the scanner; the
 * Devices page keeps the keyboard focus while state events update it; the tabs work with Enter
 * and Space; at 390×844 no page scrolls sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScanSettings } from '../sim/escl/index.js';
import { startFrontendRig, RIG_SCANNER, type FrontendRig } from './frontend-rig.js';

/** A profile unlike the form's defaults, so its settings are seen at the scanner. */
const PROFILE = { source: 'platen', resolution: 150, color_mode: 'gray', format: 'jpeg' };
/** A phone's CSS viewport (iPhone 12-15). */
const PHONE = { width: 390, height: 844 };
/** Tolerance, mm, between the drawn rectangle and the region sent (pixel rounding and the 0.1 mm grid). */
const DRAW_TOLERANCE_MM = 2;
const MM_PER_INCH = 25.4;
const ESCL_UNITS_PER_INCH = 300;

let r: FrontendRig;

beforeAll(async () => {
  r = await startFrontendRig({
    SCAN2MQTT_PROFILES: JSON.stringify({ grey_copy: PROFILE }),
    // An idle scanner's status every second, so the feeder change below arrives as a state event soon.
    SCAN2MQTT_POLLING_IDLE_S: '1',
  }, { adfPages: 0 });
}, 120_000);

afterAll(async () => {
  await r?.stop();
});

/** The ScanSettings of the simulator's last POST ScanJobs. */
function lastScanSettings() {
  const posts = r.sim.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/ScanJobs'));
  return parseScanSettings(posts.at(-1)!.body!);
}

describe('Scan form in Chromium', () => {
  it('sends the region drawn with the pointer on the page outline', async () => {
    const { page } = r;
    await page.goto(r.url('#scan'));
    await page.locator('#scan-source').selectOption('platen');
    const outline = page.locator('svg.outline');
    const box = (await outline.boundingBox())!;
    const [, , W, H] = (await outline.getAttribute('viewBox'))!.split(' ').map(Number) as [number, number, number, number];
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => page.locator('#scan-area').inputValue()).toBe('drawn');
    const expected = { x: W * 0.1, y: H * 0.1, width: W * 0.5, height: H * 0.4 };
    const rect = page.locator('svg.outline rect.area');
    expect(Number(await rect.getAttribute('width'))).toBeCloseTo(expected.width, -1);
    await page.screenshot({ path: await r.browser.artifact('frontend-area-drawn.png') });

    const sent = page.waitForRequest((q) => q.method() === 'POST' && q.url().endsWith(`/api/scanners/${RIG_SCANNER}/scan`));
    await page.locator('#scan-start').click();
    const region = (await sent).postDataJSON().region as { x: number; y: number; width: number; height: number };
    for (const key of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(region[key] - expected[key]), key).toBeLessThan(DRAW_TOLERANCE_MM);
    await page.locator('#job[data-state="done"]').waitFor({ timeout: 60_000 });
    // The scanner got the same rectangle, in eSCL's 1/300 inch.
    const atScanner = lastScanSettings().regions[0]!;
    const mm = (units: number) => (units / ESCL_UNITS_PER_INCH) * MM_PER_INCH;
    expect(Math.abs(mm(atScanner.xOffset) - region.x)).toBeLessThan(1);
    expect(Math.abs(mm(atScanner.yOffset) - region.y)).toBeLessThan(1);
    expect(Math.abs(mm(atScanner.width) - region.width)).toBeLessThan(1);
    expect(Math.abs(mm(atScanner.height) - region.height)).toBeLessThan(1);
  });

  it('scans with the profile chosen in the profile select', async () => {
    const { page } = r;
    await page.goto(r.url('#scan'));
    expect(await page.locator('#scan-profile option').allTextContents()).toEqual(['(none)', 'grey_copy']);
    await page.locator('#scan-profile').selectOption('grey_copy');
    const sent = page.waitForRequest((q) => q.method() === 'POST' && q.url().endsWith(`/api/scanners/${RIG_SCANNER}/scan`));
    const answered = page.waitForResponse((q) => q.request().method() === 'POST' && q.url().endsWith(`/api/scanners/${RIG_SCANNER}/scan`));
    await page.locator('#scan-start').click();
    expect((await sent).postDataJSON()).toMatchObject({ profile: 'grey_copy' });
    // The earlier test's job is still shown as done until this one's events arrive: wait for this job by id.
    const job = (await (await answered).json()) as { id: string };
    await page.locator(`#job[data-job="${job.id}"][data-state="done"]`).waitFor({ timeout: 60_000 });
    const settings = lastScanSettings();
    expect(settings).toMatchObject({ inputSource: 'Platen', colorMode: 'Grayscale8', xResolution: PROFILE.resolution, documentFormat: 'image/jpeg' });
  });
});

describe('keyboard and phone', () => {
  it('keeps the keyboard focus on the Devices page while state events update it', async () => {
    const { page } = r;
    await page.goto(r.url('#devices'));
    const card = page.locator(`article[data-scanner="${RIG_SCANNER}"]`);
    await card.waitFor();
    const adfBefore = await card.locator('[data-field="adf"]').textContent();
    // Tab (only the keyboard) to the card's "Scan with this scanner" link.
    const target = card.getByRole('link', { name: 'Scan with this scanner' });
    for (let i = 0; i < 40 && !(await target.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)); i += 1) await page.keyboard.press('Tab');
    await page.evaluate(`(() => {
      window.focusedBefore = document.activeElement;
      window.stateEvents = 0;
      new EventSource('api/events').addEventListener('state', () => { window.stateEvents += 1; });
    })()`);
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Scan with this scanner');
    r.sim.loadAdf(2);
    await expect.poll(() => card.locator('[data-field="adf"]').textContent(), { timeout: 30_000 }).not.toBe(adfBefore);
    expect(await page.evaluate('window.stateEvents')).toBeGreaterThan(0);
    expect(await page.evaluate('document.activeElement === window.focusedBefore && window.focusedBefore.isConnected')).toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate('location.hash')).toBe('#scan');
  });

  it('reaches and operates the page tabs with Tab, Enter and Space', async () => {
    const { page } = r;
    // A fresh load (not only a new hash), so the keyboard starts at the top of the page.
    await page.goto('about:blank');
    await page.goto(r.url('#devices'));
    await page.locator(`article[data-scanner="${RIG_SCANNER}"]`).waitFor();
    const focusedText = () => page.evaluate('document.activeElement.textContent');
    const shown = () => page.evaluate(`[...document.querySelectorAll('main > section')].filter((s) => !s.hidden).map((s) => s.dataset.page).join()`);
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Devices');
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Scan');
    await page.keyboard.press('Enter');
    await expect.poll(shown).toBe('scan');
    await page.keyboard.press('Tab');
    expect(await focusedText()).toBe('Library');
    await page.keyboard.press(' ');
    await expect.poll(shown).toBe('library');
    expect(await page.locator('nav a[aria-current="page"]').textContent()).toBe('Library');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(shown).toBe('bridge');
  });

  it('fits a phone screen: no page scrolls sideways at 390×844', async () => {
    const phone = await r.browser.context.newPage();
    try {
      await phone.setViewportSize(PHONE);
      const ready: Record<string, string> = { devices: `article[data-scanner="${RIG_SCANNER}"]`, scan: '#scan-start', library: '#gallery', bridge: '#config' };
      for (const [name, selector] of Object.entries(ready)) {
        await phone.goto(r.url(`#${name}`));
        await phone.locator(selector).waitFor();
        const widths = (await phone.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
        expect(widths[1], name).toBe(PHONE.width);
        expect(widths[0], `${name}: scrollWidth ${widths[0]} > clientWidth ${widths[1]}`).toBeLessThanOrEqual(widths[1]);
        await phone.screenshot({ path: await r.browser.artifact(`frontend-phone-${name}.png`), fullPage: true });
      }
    } finally {
      await phone.close();
    }
  });
});
