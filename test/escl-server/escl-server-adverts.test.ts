/**
 * The seam between sharing and DNS-SD: the eSCL server publishes an advert for a shared scanner
 * while it is online and withdraws it when it goes offline, is unshared or removed, and when the
 * server stops (before the advertiser's own stop). A recording advertiser stands in for DNS-SD.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EsclAdvert, EsclAdvertiser } from '../../src/escl-server/advert.js';
import { EsclServer } from '../../src/escl-server/escl-server.js';
import type { EsclServerSettings } from '../../src/escl-server/settings.js';
import { freePort } from '../helpers/mosquitto.js';
import { FakeGateway, makeView } from '../mqtt/fake-gateway.js';

type Call = ['publish', EsclAdvert] | ['withdraw', string] | ['start'] | ['stop'];

/** Records every call in order. */
class RecordingAdvertiser implements EsclAdvertiser {
  readonly calls: Call[] = [];
  publish(advert: EsclAdvert): void {
    this.calls.push(['publish', advert]);
  }
  withdraw(scannerId: string): void {
    this.calls.push(['withdraw', scannerId]);
  }
  start(): void {
    this.calls.push(['start']);
  }
  async stop(): Promise<void> {
    this.calls.push(['stop']);
  }
  /** The calls as `publish:<id>`, `withdraw:<id>`, `start`, `stop`. */
  names(): string[] {
    return this.calls.map((c) => (c[0] === 'publish' ? `publish:${c[1].scannerId}` : c[0] === 'withdraw' ? `withdraw:${c[1]}` : c[0]));
  }
}

const logger = pino({ level: 'silent' });
let dataFolder: string;
let gateway: FakeGateway;
let advertiser: RecordingAdvertiser;
let server: EsclServer;

async function startServer(overrides: Partial<EsclServerSettings> = {}): Promise<void> {
  const settings: EsclServerSettings = { enabled: true, port: await freePort(), share: null, allow: null, username: '', password: '', tls: false, job_timeout_s: 60, ...overrides };
  server = new EsclServer({ settings, gateway, dataFolder, logger, advertiser });
  await server.start();
}

beforeEach(async () => {
  dataFolder = await mkdtemp(join(tmpdir(), 'escl-adverts-'));
  gateway = new FakeGateway();
  advertiser = new RecordingAdvertiser();
});

afterEach(async () => {
  await server?.stop();
  await rm(dataFolder, { recursive: true, force: true });
});

describe('eSCL server adverts', () => {
  it('publishes a shared online scanner before starting the advertiser, and nothing for an eSCL one', async () => {
    gateway.add(makeView('lab', { protocol: 'sane' }));
    gateway.add(makeView('printer', { protocol: 'escl' }));
    await startServer();
    expect(advertiser.names()).toEqual(['publish:lab', 'start']);
    const advert = advertiser.calls[0]![1] as EsclAdvert;
    expect(advert).toMatchObject({ name: 'Scanner lab', secure: false, adminPath: '/', makeAndModel: 'ACME Scan 1', inputSources: ['platen'] });
    expect(advert.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.isOwnFinding({ key: `uuid:${advert.uuid.toUpperCase()}` })).toBe(true);
    expect(server.isOwnFinding({ key: 'uuid:e3248000-80ce-11db-8000-c0b5d7e62277' })).toBe(false);
  });

  it('withdraws when the scanner goes offline and publishes again when it is back; an unchanged view publishes nothing', async () => {
    const view = makeView('lab', { protocol: 'sane' });
    gateway.add(view);
    await startServer();
    gateway.emit('scannerChanged', view);
    gateway.emit('scannerChanged', { ...view, online: false });
    gateway.emit('scannerChanged', { ...view, online: false });
    gateway.emit('scannerChanged', view);
    expect(advertiser.names()).toEqual(['publish:lab', 'start', 'withdraw:lab', 'publish:lab']);
  });

  it('withdraws a scanner that is no longer shared or is removed', async () => {
    const lab = makeView('lab', { protocol: 'sane' });
    const desk = makeView('desk', { protocol: 'wsd' });
    gateway.add(lab);
    gateway.add(desk);
    await startServer();
    // Now presented by eSCL (another discovery path): the default share leaves eSCL scanners out.
    gateway.emit('scannerChanged', { ...lab, protocol: 'escl' });
    gateway.emit('scannerRemoved', desk);
    expect(advertiser.names()).toEqual(['publish:lab', 'publish:desk', 'start', 'withdraw:lab', 'withdraw:desk']);
  });

  it('shares only the listed ids when escl_server.share is set', async () => {
    gateway.add(makeView('lab', { protocol: 'sane' }));
    gateway.add(makeView('desk', { protocol: 'sane' }));
    await startServer({ share: ['desk'] });
    expect(advertiser.names()).toEqual(['publish:desk', 'start']);
  });

  it('withdraws every advert on stop, then stops the advertiser', async () => {
    gateway.add(makeView('lab', { protocol: 'sane' }));
    gateway.add(makeView('desk', { protocol: 'sane' }));
    await startServer();
    await server.stop();
    expect(advertiser.names()).toEqual(['publish:lab', 'publish:desk', 'start', 'withdraw:lab', 'withdraw:desk', 'stop']);
  });

  it('advertises nothing and owns no finding when disabled', async () => {
    gateway.add(makeView('lab', { protocol: 'sane' }));
    await startServer({ enabled: false });
    expect(advertiser.names()).toEqual([]);
    expect(server.isOwnFinding({ key: 'uuid:0b7c9f3a-1111-4222-8333-944455556666' })).toBe(false);
  });
});
