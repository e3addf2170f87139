/** The client against a scripted saned that misbehaves: every failure is a clear ScanError. */
import { afterEach, describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { createSaneDriver, listSaneDevices } from '../../../src/protocols/sane/index.js';
import { WireWriter } from '../../../src/protocols/sane/wire-writer.js';
import { RPC, dataStream, startFakeDataPort, startFakeSaned, wellBehaved, type FakeDataPort, type FakeSaned, type FakeScript } from '../../sim/saned/fake-saned.js';
import { freePort } from '../../sim/saned/saned.js';
import { collect, decodeImage, scanAll, silentLogger, smallScan } from './helpers.js';

const SHORT = { connectMs: 1_000, replyMs: 300, startMs: 300, dataIdleMs: 300 };
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function fake(script: FakeScript): Promise<FakeSaned> {
  const f = await startFakeSaned(script);
  cleanup.push(f.stop);
  return f;
}

async function dataPort(bytes?: Buffer): Promise<FakeDataPort> {
  const d = await startFakeDataPort(bytes);
  cleanup.push(d.stop);
  return d;
}

/** A device that behaves until the data port, which `port` supplies. */
function scanningDevice(port: () => number, lines = 2): FakeScript {
  return (req) => {
    switch (req.rpc) {
      case RPC.INIT: return wellBehaved.init();
      case RPC.GET_DEVICES: return wellBehaved.devices();
      case RPC.OPEN: return wellBehaved.open();
      case RPC.GET_OPTION_DESCRIPTORS: return wellBehaved.descriptors();
      case RPC.CONTROL_OPTION: return wellBehaved.controlOption(req);
      case RPC.GET_PARAMETERS: return wellBehaved.parameters(4, lines);
      case RPC.START: return wellBehaved.start(port());
      default: return wellBehaved.dummy();
    }
  };
}

async function errorOf(work: Promise<unknown>): Promise<ScanError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ScanError);
  return err as ScanError;
}

const list = (f: FakeSaned) => listSaneDevices({ host: f.host, port: f.port, logger: silentLogger, timeoutMs: 300 });
/** Waits until `done()` holds (the fake parses requests asynchronously). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 10));
}
const driverFor = (f: FakeSaned) => {
  const d = createSaneDriver({ host: f.host, port: f.port, device: 'fake:0', logger: silentLogger, deviceLabel: 'fake', timeouts: SHORT, idleCloseMs: 50 });
  cleanup.push(() => d.close());
  return d;
};
const scanGray = (f: FakeSaned) => scanAll(driverFor(f).scan(smallScan({ color_mode: 'gray', region: { x: 0, y: 0, width: 10, height: 10 } }), new AbortController().signal));

describe('hostile saned replies', () => {
  it('lists devices from a well-behaved fake', async () => {
    const f = await fake((req) => (req.rpc === RPC.INIT ? wellBehaved.init() : wellBehaved.devices()));
    expect(await list(f)).toEqual([{ name: 'fake:0', vendor: 'Fake', model: 'Hostile', type: 'virtual device' }]);
  });

  it('reports a truncated word as ProtocolError', async () => {
    const f = await fake(() => ({ bytes: Buffer.from([0, 0, 0]), thenClose: true }));
    expect((await errorOf(list(f))).code).toBe('ProtocolError');
  });

  it('refuses a 0x7fffffff string length at once', async () => {
    const f = await fake((req) => (req.rpc === RPC.INIT ? wellBehaved.init() : new WireWriter().word(0).word(1).word(0).word(0x7fffffff).toBuffer()));
    const err = await errorOf(list(f));
    expect(err.code).toBe('ProtocolError');
    expect(err.message).toMatch(/exceeds the limit/);
  });

  it('refuses little-endian words (absurd lengths)', async () => {
    const le = Buffer.from([0, 0, 0, 0, 3, 0, 0, 0]);
    const f = await fake((req) => (req.rpc === RPC.INIT ? wellBehaved.init() : le));
    expect((await errorOf(list(f))).code).toBe('ProtocolError');
  });

  it('times out on a device array that never ends', async () => {
    const endless = new WireWriter().word(0).word(5000).word(0).string('a:0').string('v').string('m').string('t').toBuffer();
    const f = await fake((req) => (req.rpc === RPC.INIT ? wellBehaved.init() : endless));
    expect((await errorOf(list(f))).code).toBe('Timeout');
  });

  it('reports a closed saned port as DeviceOffline', async () => {
    const port = await freePort();
    const err = await errorOf(listSaneDevices({ host: '127.0.0.1', port, logger: silentLogger, timeoutMs: 300 }));
    expect(err.code).toBe('DeviceOffline');
  });

  it('reads an image and ignores garbage after the status byte', async () => {
    const d = await dataPort(dataStream([Buffer.from([0, 64, 128, 255]), Buffer.from([1, 2, 3, 4])], 5, Buffer.from('garbage after the end')));
    const f = await fake(scanningDevice(() => d.port));
    const pages = await scanGray(f);
    const img = await decodeImage(pages[0]!.bytes);
    expect([...img.data]).toEqual([0, 64, 128, 255, 1, 2, 3, 4]);
    expect(f.requests.filter((r) => r.rpc === RPC.CANCEL)).toHaveLength(1);
  });

  it('fails the page when the status byte is missing', async () => {
    const d = await dataPort(dataStream([Buffer.alloc(8, 9)], null));
    const f = await fake(scanningDevice(() => d.port));
    expect((await errorOf(scanGray(f))).code).toBe('ProtocolError');
  });

  it('maps an error status after the end marker', async () => {
    const d = await dataPort(dataStream([Buffer.alloc(4, 9)], 6));
    const f = await fake(scanningDevice(() => d.port));
    expect((await errorOf(scanGray(f))).code).toBe('AdfJam');
  });

  it('refuses an oversized data record', async () => {
    const d = await dataPort(Buffer.from([0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]));
    const f = await fake(scanningDevice(() => d.port));
    expect((await errorOf(scanGray(f))).code).toBe('ProtocolError');
  });

  it('times out on a data port that accepts but never sends', async () => {
    const d = await dataPort();
    const f = await fake(scanningDevice(() => d.port));
    const driver = driverFor(f);
    const it = driver.scan(smallScan({ color_mode: 'gray' }), new AbortController().signal)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    const err = await errorOf(collect((first.value as { data: import('node:stream').Readable }).data));
    expect(err.code).toBe('Timeout');
    expect((await errorOf(it.next())).code).toBe('Timeout');
  });

  it('reports a data port nobody listens on as DeviceOffline', async () => {
    const port = await freePort();
    const f = await fake(scanningDevice(() => port));
    expect((await errorOf(scanGray(f))).code).toBe('DeviceOffline');
  });

  it('opens the device only to read capabilities and to scan, never for an idle poll', async () => {
    const d = await dataPort(dataStream([Buffer.alloc(8, 1)], 5));
    const f = await fake(scanningDevice(() => d.port));
    const driver = createSaneDriver({ host: f.host, port: f.port, device: 'fake:0', logger: silentLogger, deviceLabel: 'fake', timeouts: SHORT, idleCloseMs: 100 });
    cleanup.push(() => driver.close());
    const rpcs = () => f.requests.map((r) => r.rpc);
    await driver.getCapabilities();
    // Capabilities: read once, and the device is closed before the call returns.
    expect(rpcs().filter((r) => r !== RPC.GET_DEVICES && r !== RPC.INIT)).toEqual([RPC.OPEN, RPC.GET_OPTION_DESCRIPTORS, RPC.CLOSE]);
    const exits = (n: number) => until(() => rpcs().filter((r) => r === RPC.EXIT).length >= n);
    await exits(1);
    const before = f.requests.length;
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: null });
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: null });
    await exits(3);
    expect(rpcs().slice(before)).toEqual([RPC.INIT, RPC.GET_DEVICES, RPC.EXIT, RPC.INIT, RPC.GET_DEVICES, RPC.EXIT]);
    await scanAll(driver.scan(smallScan({ color_mode: 'gray' }), new AbortController().signal));
    await scanAll(driver.scan(smallScan({ color_mode: 'gray' }), new AbortController().signal));
    // Two scans in a row share one open device and one descriptor fetch.
    expect(rpcs().slice(before).filter((r) => r === RPC.OPEN || r === RPC.GET_OPTION_DESCRIPTORS)).toEqual([RPC.OPEN, RPC.GET_OPTION_DESCRIPTORS]);
    await exits(4);
    expect(rpcs().slice(-2)).toEqual([RPC.CLOSE, RPC.EXIT]);
  });

  it('reports a device saned no longer exports as offline, saying so', async () => {
    const d = await dataPort(dataStream([Buffer.alloc(8, 1)], 5));
    const base = scanningDevice(() => d.port);
    let listed = true;
    const f = await fake((req, s) => (req.rpc === RPC.GET_DEVICES && !listed ? new WireWriter().word(0).word(1).word(1).toBuffer() : base(req, s)));
    const driver = driverFor(f);
    await driver.getCapabilities();
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: null });
    listed = false;
    const err = await errorOf(driver.getStatus());
    expect(err.code).toBe('DeviceOffline');
    expect(err.message).toMatch(/no longer exports fake:0/);
  });

  it('maps START statuses to typed errors', async () => {
    for (const [status, code] of [[3, 'DeviceBusy'], [7, 'AdfEmpty'], [8, 'CoverOpen'], [6, 'AdfJam'], [9, 'DeviceError']] as const) {
      const base = scanningDevice(() => 1);
      const f = await fake((req, s) => (req.rpc === RPC.START ? new WireWriter().word(status).word(0).word(0).string(null).toBuffer() : base(req, s)));
      expect((await errorOf(scanGray(f))).code).toBe(code);
    }
  });
});
