import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ScannerView } from '../../src/core/gateway-api.js';
import { createHomeAssistantPublisher, type HomeAssistantPublisherDeps } from '../../src/homeassistant/publisher.js';
import { createScannerDataPublisher } from '../../src/mqtt/scanner-data.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { FakeGateway } from './fake-gateway.js';
import { checkDevicePayload } from './ha-schema.js';
import { connectTestLink } from './mqtt-link-adapter.js';
import { retainedUnder } from './retained-snapshot.js';
import { adfDuplex, platenOnly, saneWithButtons } from './views.js';

let broker: MosquittoBroker;
let probe: MqttProbe;
const cleanups: (() => Promise<void>)[] = [];
let testNo = 0;

beforeAll(async () => {
  broker = await startMosquitto();
  probe = await connectProbe(broker.url);
});
afterAll(async () => {
  await probe?.close();
  await broker?.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Each test gets its own discovery prefix and base topic: retained messages outlive tests.
 * The publisher runs with the MQTT layer's scanner data topics its entities read, wired as the
 * app wires them, unless `scannerData` is false (a test of the HA publisher on its own).
 */
async function setup(views: ScannerView[], over: Partial<HomeAssistantPublisherDeps> = {}, { scannerData = true } = {}) {
  testNo += 1;
  const prefix = `ha${testNo}`;
  const gateway = new FakeGateway(views);
  const link = await connectTestLink(broker.url);
  const deps: HomeAssistantPublisherDeps = {
    link,
    gateway,
    baseTopic: `s2m${testNo}`,
    discoveryPrefix: prefix,
    statusTopic: `${prefix}/status`,
    version: '0.1.0-test',
    logger: pino({ level: 'silent' }),
    enabled: true,
    birthResendDelayMs: { min: 0, max: 20 },
    ...over,
  };
  const homeassistant = createHomeAssistantPublisher(deps);
  const data = scannerData ? createScannerDataPublisher({ link, gateway, baseTopic: deps.baseTopic, logger: deps.logger, sequence: homeassistant.sequence }) : undefined;
  const publisher = {
    async start() {
      await homeassistant.start();
      await data?.start();
    },
    async stop() {
      await data?.stop();
      await homeassistant.stop();
    },
    clearAll: () => homeassistant.clearAll(),
  };
  cleanups.push(async () => {
    await publisher.stop();
    await link.close();
  });
  return { gateway, link, deps, publisher, prefix, base: deps.baseTopic };
}

const discoveryTopic = (prefix: string, objectId: string) => `${prefix}/device/${objectId}/config`;

describe('Home Assistant publisher against mosquitto', () => {
  it('leaves retained, schema-valid discovery for the bridge and every scanner, and the preferences', async () => {
    const { publisher, prefix, base, gateway } = await setup([platenOnly, adfDuplex]);
    gateway.preferences.set(adfDuplex.id, { resolution: 300, source: 'adf' });
    await publisher.start();
    const retained = await retainedUnder(broker.url, `${prefix}/#`);
    expect([...retained.keys()].sort()).toEqual(
      [discoveryTopic(prefix, `${base}_bridge`), discoveryTopic(prefix, `${base}_${platenOnly.id}`), discoveryTopic(prefix, `${base}_${adfDuplex.id}`)].sort(),
    );
    for (const payload of retained.values()) expect(checkDevicePayload(JSON.parse(payload.toString()))).toEqual([]);
    const prefs = await retainedUnder(broker.url, `${base}/+/preferences`);
    // Chosen values as chosen; the rest as a `{}` scan would fill them: colour and PDF first, the resolution nearest 300 dpi.
    expect(JSON.parse(prefs.get(`${base}/${adfDuplex.id}/preferences`)!.toString())).toEqual({ resolution: 300, source: 'adf', color_mode: 'color', format: 'pdf' });
    expect(JSON.parse(prefs.get(`${base}/${platenOnly.id}/preferences`)!.toString())).toEqual({ source: 'platen', resolution: 200, color_mode: 'color', format: 'pdf' });
  });

  it('sends discovery again when HA announces itself online', async () => {
    const { publisher, prefix, base } = await setup([platenOnly]);
    await publisher.start();
    const seen = await probe.collect(`${prefix}/device/#`);
    await probe.publish(`${prefix}/status`, 'online');
    const resent = await seen.next((m) => !m.retain && m.topic === discoveryTopic(prefix, `${base}_${platenOnly.id}`));
    expect(checkDevicePayload(resent.json())).toEqual([]);
    await seen.next((m) => !m.retain && m.topic === discoveryTopic(prefix, `${base}_bridge`));
    await seen.stop();
  });

  it('applies a select change (resolution as a number) and republishes the preferences', async () => {
    const { publisher, base, gateway } = await setup([adfDuplex]);
    await publisher.start();
    const prefs = await probe.collect(`${base}/${adfDuplex.id}/preferences`);
    await probe.publish(`${base}/${adfDuplex.id}/set/resolution`, '300');
    await prefs.next((m) => !m.retain && m.json<{ resolution?: number }>().resolution === 300);
    expect(gateway.setCalls).toEqual([{ id: adfDuplex.id, key: 'resolution', value: 300 }]);
    // A value the scanner refuses: the gateway says no, HA gets the stored value back.
    await probe.publish(`${base}/${adfDuplex.id}/set/resolution`, '1200');
    await probe.publish(`${base}/${adfDuplex.id}/set/source`, 'not-a-source');
    await prefs.next((m) => !m.retain && prefs.messages.filter((x) => !x.retain).length >= 3);
    expect(prefs.messages.filter((m) => !m.retain).map((m) => m.json<{ resolution?: number; source?: string }>())).toEqual(
      Array(3).fill(expect.objectContaining({ resolution: 300, source: 'platen' })),
    );
    expect(gateway.preferences.get(adfDuplex.id)).toEqual({ resolution: 300 });
    await prefs.stop();
  });

  it('clears every retained topic of a removed scanner', async () => {
    const { publisher, prefix, base, gateway } = await setup([platenOnly, saneWithButtons]);
    await publisher.start();
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
    gateway.emit('preview', saneWithButtons.id, jpeg);
    gateway.emit('job', saneWithButtons.id, {
      id: 'j1', scanner: saneWithButtons.id, state: 'done', pages: 2, files: ['/scans/a.pdf'], created_at: '2025-01-01T10:00:00Z', finished_at: '2025-01-01T10:01:00Z',
    });
    const own = await probe.collect(`${base}/${saneWithButtons.id}/#`);
    await own.next((m) => m.topic.endsWith('/last_scan'));
    const discovery = await probe.collect(discoveryTopic(prefix, `${base}_${saneWithButtons.id}`));
    gateway.drop(saneWithButtons.id);
    await discovery.next((m) => m.payload.length === 0);
    await own.next((m) => m.topic.endsWith('/preview') && m.payload.length === 0);
    expect([...(await retainedUnder(broker.url, `${prefix}/#`)).keys()]).not.toContain(discoveryTopic(prefix, `${base}_${saneWithButtons.id}`));
    expect([...(await retainedUnder(broker.url, `${base}/${saneWithButtons.id}/#`)).keys()]).toEqual([]);
    expect([...(await retainedUnder(broker.url, `${prefix}/#`)).keys()]).toContain(discoveryTopic(prefix, `${base}_${platenOnly.id}`));
    await Promise.all([own.stop(), discovery.stop()]);
  });

  it('publishes previews retained as raw JPEG, last scans retained, button presses not retained', async () => {
    const { publisher, base, gateway } = await setup([saneWithButtons]);
    await publisher.start();
    const jpeg = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const own = await probe.collect(`${base}/${saneWithButtons.id}/#`);
    gateway.emit('preview', saneWithButtons.id, jpeg);
    gateway.emit('preview', saneWithButtons.id, Buffer.from('not a jpeg at all'));
    gateway.emit('button', saneWithButtons.id, { button: 'email', action: 'pressed' });
    gateway.emit('job', saneWithButtons.id, {
      id: 'j2', scanner: saneWithButtons.id, state: 'done', pages: 3, files: ['/scans/x.pdf', '/scans/y.pdf'], created_at: '2025-01-01T10:00:00Z', finished_at: '2025-01-01T10:02:00Z',
    });
    const press = await own.next((m) => m.topic.endsWith('/button_event'));
    expect(press.json()).toEqual({ event_type: 'email', action: 'pressed' });
    await own.next((m) => m.topic.endsWith('/last_scan'));
    const retained = await retainedUnder(broker.url, `${base}/${saneWithButtons.id}/#`);
    expect(retained.get(`${base}/${saneWithButtons.id}/preview`)?.equals(jpeg)).toBe(true);
    expect(retained.has(`${base}/${saneWithButtons.id}/button_event`)).toBe(false);
    expect(JSON.parse(retained.get(`${base}/${saneWithButtons.id}/last_scan`)!.toString())).toEqual({
      finished_at: '2025-01-01T10:02:00Z', pages: 3, file: '/scans/y.pdf', files: ['/scans/x.pdf', '/scans/y.pdf'], job: 'j2',
    });
    await own.stop();
  });

  it('announces an unlisted button before passing its press on', async () => {
    const { publisher, prefix, base, gateway } = await setup([platenOnly]);
    await publisher.start();
    const discovery = await probe.collect(discoveryTopic(prefix, `${base}_${platenOnly.id}`));
    gateway.emit('button', platenOnly.id, { button: 'ocr', action: 'pressed' });
    const updated = await discovery.next((m) => !m.retain);
    expect(updated.json<{ cmps: { button?: { event_types: string[] } } }>().cmps.button?.event_types).toEqual(['scan', 'ocr']);
    await discovery.stop();
  });

  it('gives a scanner with a bound virtual button (adf_loaded) the event entity, and passes a press’s outcome on as attributes', async () => {
    const virtualButtons = (view: ScannerView) => (view.id === adfDuplex.id ? ['adf_loaded'] : []);
    const { publisher, prefix, base, gateway } = await setup([adfDuplex, platenOnly], { virtualButtons });
    const discovery = await probe.collect(`${prefix}/#`);
    await publisher.start();
    const payloadOf = async (id: string) =>
      (await discovery.next((m) => m.topic === discoveryTopic(prefix, `${base}_${id}`))).json<{ cmps: { button?: { p: string; event_types: string[] } } }>();
    expect((await payloadOf(adfDuplex.id)).cmps.button).toMatchObject({ p: 'event', event_types: ['scan', 'adf_loaded'] });
    expect((await payloadOf(platenOnly.id)).cmps.button).toBeUndefined();
    const own = await probe.collect(`${base}/${adfDuplex.id}/button_event`);
    gateway.emit('button', adfDuplex.id, { button: 'adf_loaded', action: 'loaded', result: 'queued', job: 'j7' });
    expect((await own.next()).json()).toEqual({ event_type: 'adf_loaded', action: 'loaded', result: 'queued', job: 'j7' });
    // A known event type: no second announcement before the press.
    expect(discovery.messages.filter((m) => m.topic === discoveryTopic(prefix, `${base}_${adfDuplex.id}`))).toHaveLength(1);
    await Promise.all([own.stop(), discovery.stop()]);
  });

  it('sends no scanner discovery before its capabilities are known, then one payload with them', async () => {
    const { publisher, prefix, base, gateway } = await setup([]);
    await publisher.start();
    const topic = discoveryTopic(prefix, `${base}_${adfDuplex.id}`);
    const seen = await probe.collect('#');
    const { capabilities: _known, ...beforeCapabilities } = adfDuplex;
    gateway.put({ ...beforeCapabilities, online: false });
    gateway.put(adfDuplex);
    // The publisher follows each scanner discovery with its preferences: once they came, so did every payload.
    const full = await seen.next((m) => m.topic === topic && 'resolution' in m.json<{ cmps: object }>().cmps);
    await seen.next((m) => m.topic === `${base}/${adfDuplex.id}/preferences` && seen.messages.indexOf(m) > seen.messages.indexOf(full));
    const sent = seen.messages.filter((m) => m.topic === topic);
    expect(sent).toHaveLength(1);
    expect(Object.keys(sent[0]!.json<{ cmps: object }>().cmps)).toEqual(expect.arrayContaining(['adf', 'adf_loaded', 'source', 'resolution']));
    await seen.stop();
  });

  it('updates select options when capabilities change, removing dropped entities first', async () => {
    const { publisher, prefix, base, gateway } = await setup([adfDuplex]);
    await publisher.start();
    const discovery = await probe.collect(discoveryTopic(prefix, `${base}_${adfDuplex.id}`));
    const caps = adfDuplex.capabilities!;
    gateway.put({ ...adfDuplex, capabilities: { ...caps, sources: { platen: { ...caps.sources.platen!, resolutions: [150, 300] } } } });
    const reduced = await discovery.next((m) => !m.retain);
    expect(reduced.json<{ cmps: Record<string, unknown> }>().cmps.adf).toEqual({ p: 'sensor' });
    const final = await discovery.next((m) => !m.retain && m !== reduced);
    const cmps = final.json<{ cmps: Record<string, { options?: string[] }> }>().cmps;
    expect(cmps.adf).toBeUndefined();
    expect(cmps.resolution?.options).toEqual(['150', '300']);
    await discovery.stop();
  });

  it('keeps two gateways on one broker apart: disjoint topics, unique ids', async () => {
    const a = await setup([adfDuplex, platenOnly], { baseTopic: 'scan2mqtt', instanceId: 'house' });
    const b = await setup([adfDuplex], { baseTopic: 'scan2mqtt', discoveryPrefix: a.prefix, statusTopic: `${a.prefix}/status`, instanceId: 'garage' });
    await a.publisher.start();
    await b.publisher.start();
    const retained = await retainedUnder(broker.url, `${a.prefix}/#`);
    expect(retained.size).toBe(3 + 2);
    const uniqueIds: string[] = [];
    const identifiers: string[] = [];
    for (const payload of retained.values()) {
      const p = JSON.parse(payload.toString()) as { dev: { identifiers: string[] }; cmps: Record<string, { unique_id: string }> };
      identifiers.push(...p.dev.identifiers);
      uniqueIds.push(...Object.values(p.cmps).map((c) => c.unique_id));
    }
    expect(new Set(uniqueIds).size).toBe(uniqueIds.length);
    expect(new Set(identifiers).size).toBe(identifiers.length);
    expect([...retained.keys()].filter((t) => t.includes('scan2mqtt_house_'))).toHaveLength(3);
    expect([...retained.keys()].filter((t) => t.includes('scan2mqtt_garage_'))).toHaveLength(2);
  });

  it('publishes nothing at all when disabled', async () => {
    const { publisher, link, prefix, base, gateway } = await setup([adfDuplex], { enabled: false }, { scannerData: false });
    const everything = await probe.collect('#');
    await publisher.start();
    expect(gateway.listenerCount('preview')).toBe(0);
    gateway.emit('preview', adfDuplex.id, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    await probe.publish(`${prefix}/status`, 'online');
    await probe.publish(`${base}/${adfDuplex.id}/set/resolution`, '300');
    // Ordered per client: once the link's own marker arrives, anything it sent before has too.
    await link.publish('marker/disabled', 'end', { qos: 1 });
    await everything.next((m) => m.topic === 'marker/disabled');
    const fromGateway = everything.messages.filter((m) => m.topic.startsWith(`${prefix}/device/`) || m.topic.startsWith(`${base}/`) && !m.topic.includes('/set/'));
    expect(fromGateway).toEqual([]);
    expect(gateway.setCalls).toEqual([]);
    await everything.stop();
  });

  it('clearAll empties its own discovery, including ghosts of earlier runs, and leaves other instances alone', async () => {
    const first = await setup([adfDuplex, platenOnly]);
    const neighbour = await setup([adfDuplex], { discoveryPrefix: first.prefix, statusTopic: `${first.prefix}/status`, baseTopic: first.base, instanceId: 'neighbour' });
    await first.publisher.start();
    await neighbour.publisher.start();
    await first.publisher.stop();
    // A later run that no longer knows the platen scanner, with HA switched off.
    const later = await setup([adfDuplex], { discoveryPrefix: first.prefix, statusTopic: `${first.prefix}/status`, baseTopic: first.base, enabled: false });
    await later.publisher.clearAll();
    const left = [...(await retainedUnder(broker.url, `${first.prefix}/#`)).keys()];
    expect(left.sort()).toEqual([
      discoveryTopic(first.prefix, `${first.base}_neighbour_${adfDuplex.id}`),
      discoveryTopic(first.prefix, `${first.base}_neighbour_bridge`),
    ].sort());
  });

  it('stops listening on stop()', async () => {
    const { publisher, gateway } = await setup([adfDuplex], {}, { scannerData: false });
    await publisher.start();
    expect(gateway.listenerCount('scannerAdded')).toBe(1);
    await publisher.stop();
    expect(gateway.listenerCount('scannerAdded')).toBe(0);
  });
});
