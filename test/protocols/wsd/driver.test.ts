import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import type { ScannedPage } from '../../../src/core/scanner.js';
import type { ScanSettings } from '../../../src/core/settings.js';
import { createWsdDriver, type WsdDriver, type WsdDriverOptions } from '../../../src/protocols/wsd/driver.js';
import { WsdSimulator, type WsdSimOptions } from '../../sim/wsd/simulator.js';

const logger = pino({ level: 'silent' });
const FAST = { busyRetryDelayMs: 5, cancelTimeoutMs: 2_000 };
// 75 dpi keeps the simulated pages small; the flow is the same at any resolution.
const platen: ScanSettings = { source: 'platen', resolution: 75, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 210, height: 297 } };
const adf: ScanSettings = { ...platen, source: 'adf' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(simOptions: WsdSimOptions = {}, extra: Partial<WsdDriverOptions> = {}): Promise<{ sim: WsdSimulator; driver: WsdDriver }> {
  const sim = await WsdSimulator.start(simOptions);
  cleanups.push(() => sim.close());
  const driver = createWsdDriver({
    serviceUrl: sim.scanUrl,
    metadata: { xaddr: sim.xaddr, endpointAddress: sim.model.endpointAddress },
    logger,
    deviceLabel: 'sim',
    timing: FAST,
    ...extra,
  });
  cleanups.push(() => driver.close());
  return { sim, driver };
}

async function collect(pages: AsyncIterable<ScannedPage>): Promise<{ page: ScannedPage; bytes: Buffer }[]> {
  const out: { page: ScannedPage; bytes: Buffer }[] = [];
  for await (const page of pages) out.push({ page, bytes: await buffer(page.data) });
  return out;
}

async function rejection(work: Promise<unknown>): Promise<ScanError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    return error as ScanError;
  }
  throw new Error('expected a rejection');
}

const ticketOf = (sim: WsdSimulator) => sim.requests.find((r) => r.action.endsWith('/CreateScanJob'))?.body ?? '';

describe('WSD driver against the simulator', () => {
  it('capabilities: identity from metadata, sizes un-swapped, cached after the first read', async () => {
    const { sim, driver } = await setup();
    const caps = await driver.getCapabilities();
    expect(caps).toMatchObject({ protocol: 'wsd', manufacturer: 'SimWorks', model: 'WSD Sim 9000', serial: 'SIM0001', firmware: '1.0.0', uuid: '5a1e0000-0000-4000-8000-00000000d5d1' });
    expect(Object.keys(caps.sources)).toEqual(['platen', 'adf', 'adf_duplex']);
    expect(caps.sources.platen).toEqual({
      resolutions: [75, 150, 300, 600],
      color_modes: ['color', 'gray', 'bw'],
      formats: ['pdf', 'jpeg', 'png', 'tiff'],
      min_width_mm: 25.4,
      min_height_mm: 25.4,
      max_width_mm: 215.9,
      max_height_mm: 296.9,
    });
    await driver.getCapabilities();
    expect(sim.actions()).toEqual(['GetScannerElements', 'Get']);
  });

  it('status: idle, then an empty feeder from the device conditions', async () => {
    const { sim, driver } = await setup();
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: null });
    sim.conditions = [{ name: 'InputTrayEmpty', component: 'ADF' }];
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: 'empty', reasons: ['InputTrayEmpty'] });
  });

  it('a platen scan: one JPEG page of the requested size, ImagesToTransfer 1, no CancelJob', async () => {
    const { sim, driver } = await setup();
    const pages = await collect(driver.scan(platen, new AbortController().signal));
    expect(pages).toHaveLength(1);
    const [first] = pages;
    expect(first?.page.declaredType).toBe('image/jpeg');
    const meta = await sharp(first!.bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 620, height: 877 });
    expect(first?.page.widthPx).toBe(620);
    expect(ticketOf(sim)).toContain('<wscn:ImagesToTransfer>1</wscn:ImagesToTransfer>');
    expect(ticketOf(sim)).toContain('<wscn:Format>jfif</wscn:Format>');
    expect(sim.actions()).toEqual(['GetScannerElements', 'Get', 'CreateScanJob', 'RetrieveImage']);
  });

  it('a multi-page ADF scan runs until the device has no more images', async () => {
    const { sim, driver } = await setup({ adfSheets: 3 });
    const pages = await collect(driver.scan(adf, new AbortController().signal));
    expect(pages.map((p) => p.page.index)).toEqual([1, 2, 3]);
    expect(new Set(pages.map((p) => p.bytes.toString('base64'))).size).toBe(3);
    expect(ticketOf(sim)).toContain('<wscn:ImagesToTransfer>0</wscn:ImagesToTransfer>');
    expect(ticketOf(sim)).toContain('<wscn:InputSource>ADF</wscn:InputSource>');
    expect(sim.actions().filter((a) => a === 'RetrieveImage')).toHaveLength(4);
    expect(sim.actions()).not.toContain('CancelJob');
  });

  it('duplex gives front and back of every sheet; a PNG request asks the device for PNG', async () => {
    const { sim, driver } = await setup({ adfSheets: 2 });
    const pages = await collect(driver.scan({ ...adf, source: 'adf_duplex', format: 'png', color_mode: 'gray' }, new AbortController().signal));
    expect(pages).toHaveLength(4);
    expect(pages[0]?.page.declaredType).toBe('image/png');
    expect(ticketOf(sim)).toContain('<wscn:InputSource>ADFDuplex</wscn:InputSource>');
    expect(ticketOf(sim)).toContain('<wscn:MediaBack>');
    expect(ticketOf(sim)).toContain('<wscn:ColorProcessing>Grayscale8</wscn:ColorProcessing>');
  });

  it('a device needing ImagesToTransfer other than 0 gets it from the quirk', async () => {
    const { sim, driver } = await setup({ adfSheets: 1 }, { quirks: { adfImagesToTransfer: 100 } });
    expect(await collect(driver.scan(adf, new AbortController().signal))).toHaveLength(1);
    expect(ticketOf(sim)).toContain('<wscn:ImagesToTransfer>100</wscn:ImagesToTransfer>');
  });

  it('an empty feeder is AdfEmpty', async () => {
    const { driver } = await setup({ adfSheets: 0 });
    const error = await rejection(collect(driver.scan(adf, new AbortController().signal)));
    expect(error.code).toBe('AdfEmpty');
  });

  it('faults sent with HTTP 200 and with HTTP 500 become typed errors', async () => {
    const { sim, driver } = await setup();
    await driver.getCapabilities();
    sim.state = 'Processing';
    sim.faults.set('CreateScanJob', { subcode: 'ServerErrorNotAcceptingJobs', httpStatus: 200 });
    expect((await rejection(collect(driver.scan(platen, new AbortController().signal)))).code).toBe('DeviceBusy');
    sim.faults.set('GetScannerElements', { subcode: 'ServerErrorInternalError', httpStatus: 500, reason: 'boom' });
    const error = await rejection(driver.getStatus());
    expect(error.code).toBe('DeviceError');
    expect(error.message).toMatch(/ServerErrorInternalError: boom/);
    sim.faults.set('RetrieveImage', { subcode: 'ServerErrorJam', httpStatus: 200 });
    sim.state = 'Idle';
    expect((await rejection(collect(driver.scan(adf, new AbortController().signal)))).code).toBe('AdfJam');
    // A job that failed midway is cancelled on the device.
    expect(sim.actions().at(-1)).toBe('CancelJob');
  });

  it('CreateScanJob is retried while the device calibrates', async () => {
    const { sim, driver } = await setup();
    sim.reasons = ['Calibrating'];
    sim.faults.set('CreateScanJob', { subcode: 'ServerErrorNotAcceptingJobs', times: 2 });
    expect(await collect(driver.scan(platen, new AbortController().signal))).toHaveLength(1);
    expect(sim.actions().filter((a) => a === 'CreateScanJob')).toHaveLength(3);
  });

  it('aborting while the page is scanned cancels the job on the device', async () => {
    const { sim, driver } = await setup({ adfSheets: 3 });
    sim.imageDelayMs = 2_000;
    const controller = new AbortController();
    const pages = collect(driver.scan(adf, controller.signal));
    while (!sim.actions().includes('RetrieveImage')) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect((await rejection(pages)).code).toBe('Cancelled');
    expect(sim.actions()).toContain('CancelJob');
    expect([...sim.jobs.values()][0]?.cancelled).toBe(true);
  });

  it('a batch ended with JobIdNotFound (Ricoh) keeps its pages', async () => {
    const { sim, driver } = await setup({ adfSheets: 2 });
    sim.endOfBatchFault = 'ClientErrorJobIdNotFound';
    expect(await collect(driver.scan(adf, new AbortController().signal))).toHaveLength(2);
  });

  it('a RetrieveImage answer that is not MTOM is a clear ProtocolError, and the job is cancelled', async () => {
    const { sim, driver } = await setup();
    sim.bareImageResponse = true;
    const error = await rejection(collect(driver.scan(platen, new AbortController().signal)));
    expect(error.code).toBe('ProtocolError');
    expect(error.message).toMatch(/expected a multipart\/related \(MTOM\) answer, got "image\/jpeg"/);
    expect(sim.actions().at(-1)).toBe('CancelJob');
  });

  it('requests are minimal SOAP 1.2: only the namespaces they use, WS-Addressing header, 2006/08 scan namespace', async () => {
    const { sim, driver } = await setup();
    await collect(driver.scan(platen, new AbortController().signal));
    const create = ticketOf(sim);
    const declared = [...create.matchAll(/xmlns:(\w+)="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(declared).toEqual([
      ['soap', 'http://www.w3.org/2003/05/soap-envelope'],
      ['wsa', 'http://schemas.xmlsoap.org/ws/2004/08/addressing'],
      ['wscn', 'http://schemas.microsoft.com/windows/2006/08/wdp/scan'],
    ]);
    expect(create).toContain(`<wsa:To>${sim.scanUrl}</wsa:To>`);
    expect(create).toContain('<wsa:Action>http://schemas.microsoft.com/windows/2006/08/wdp/scan/CreateScanJob</wsa:Action>');
    expect(create).toContain('<wscn:JobInformation>');
  });

  it('a wrong service URL is a ProtocolError naming the problem', async () => {
    const sim = await WsdSimulator.start();
    cleanups.push(() => sim.close());
    const driver = createWsdDriver({ serviceUrl: `${sim.xaddr}nothing`, logger, deviceLabel: 'sim' });
    cleanups.push(() => driver.close());
    const error = await rejection(driver.getCapabilities());
    expect(error.code).toBe('ProtocolError');
    expect(error.message).toMatch(/wrong service URL/);
  });
});
