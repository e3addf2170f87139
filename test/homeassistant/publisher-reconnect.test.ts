import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createHomeAssistantPublisher } from '../../src/homeassistant/publisher.js';
import { createScannerDataPublisher } from '../../src/mqtt/scanner-data.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe } from '../helpers/mqtt-probe.js';
import { FakeGateway } from './fake-gateway.js';
import { connectTestLink, type TestLink } from './mqtt-link-adapter.js';
import { retainedUnder } from './retained-snapshot.js';
import { adfDuplex, platenOnly } from './views.js';

/** mqtt.js retry period for the link under test (a pace, not an assertion). */
const RECONNECT_PERIOD_MS = 100;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The HA publisher with the MQTT layer's scanner data topics its entities read, wired as the app wires them. */
async function startPublisher(broker: MosquittoBroker, gateway: FakeGateway) {
  const link = await connectTestLink(broker.url, { reconnectPeriod: RECONNECT_PERIOD_MS });
  const logger = pino({ level: 'silent' });
  const homeassistant = createHomeAssistantPublisher({
    link, gateway, baseTopic: 'scan2mqtt', discoveryPrefix: 'homeassistant', statusTopic: 'homeassistant/status',
    version: '0.1.0-test', logger, enabled: true,
  });
  const data = createScannerDataPublisher({ link, gateway, baseTopic: 'scan2mqtt', logger, sequence: homeassistant.sequence });
  const publisher = {
    async start() {
      await homeassistant.start();
      await data.start();
    },
    async stop() {
      await data.stop();
      await homeassistant.stop();
    },
  };
  cleanups.push(async () => {
    await publisher.stop();
    await link.close();
  });
  await publisher.start();
  return { link, publisher };
}

const connected = (link: TestLink) => new Promise<void>((resolve) => link.client.once('connect', () => resolve()));
const topicOf = (id: string) => `homeassistant/device/scan2mqtt_${id}/config`;
const previewTopic = (id: string) => `scan2mqtt/${id}/preview`;
const jpegOf = (background: string) => sharp({ create: { width: 16, height: 8, channels: 3, background } }).jpeg().toBuffer();

describe('publisher across reconnects', () => {
  it('sends everything again to a broker that restarted without its retained messages', async () => {
    const first = await startMosquitto();
    cleanups.push(() => first.stop());
    const { link } = await startPublisher(first, new FakeGateway([adfDuplex]));
    const back = connected(link);
    await first.stop();
    const second = await startMosquitto({ port: first.port });
    cleanups.push(() => second.stop());
    await back;
    const probe = await connectProbe(second.url);
    cleanups.push(() => probe.close());
    await probe.waitFor(topicOf(adfDuplex.id));
    await probe.waitFor(topicOf('bridge'));
    await probe.waitFor(`scan2mqtt/${adfDuplex.id}/preferences`);
  });

  it('empties the topics of a scanner removed while the broker was unreachable once it is back', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const gateway = new FakeGateway([adfDuplex, platenOnly]);
    const { link, publisher } = await startPublisher(broker, gateway);
    await link.client.endAsync();
    gateway.drop(platenOnly.id);
    // stop() waits for the publisher's queue: the failed removal has been attempted by then.
    await publisher.stop();
    expect([...(await retainedUnder(broker.url, 'homeassistant/#')).keys()]).toContain(topicOf(platenOnly.id));
    await publisher.start();
    const back = connected(link);
    link.client.reconnect();
    await back;
    // The link's own connect listener ran first and queued the resend; stop() waits for it.
    await publisher.stop();
    const left = [...(await retainedUnder(broker.url, 'homeassistant/#')).keys()].sort();
    expect(left).toEqual([topicOf(adfDuplex.id), topicOf('bridge')].sort());
  });

  it('republishes the last preview to a broker that restarted without its retained messages', async () => {
    const first = await startMosquitto();
    cleanups.push(() => first.stop());
    const gateway = new FakeGateway([adfDuplex]);
    const { link } = await startPublisher(first, gateway);
    const jpeg = await jpegOf('#123456');
    const firstProbe = await connectProbe(first.url);
    cleanups.push(() => firstProbe.close());
    const previews = await firstProbe.collect(previewTopic(adfDuplex.id));
    gateway.emit('preview', adfDuplex.id, jpeg);
    await previews.next((m) => m.payload.equals(jpeg));
    await firstProbe.close();
    const back = connected(link);
    await first.stop();
    const second = await startMosquitto({ port: first.port });
    cleanups.push(() => second.stop());
    await back;
    const probe = await connectProbe(second.url);
    cleanups.push(() => probe.close());
    expect((await probe.waitFor(previewTopic(adfDuplex.id))).payload.equals(jpeg)).toBe(true);
    expect((await probe.retained(previewTopic(adfDuplex.id)))?.equals(jpeg)).toBe(true);
  });

  it('keeps a preview produced while the broker was away and publishes it once the broker is back', async () => {
    const first = await startMosquitto();
    cleanups.push(() => first.stop());
    const gateway = new FakeGateway([adfDuplex]);
    const { link, publisher } = await startPublisher(first, gateway);
    const back = connected(link);
    await first.stop();
    await new Promise<void>((resolve) => (link.client.connected ? link.client.once('close', () => resolve()) : resolve()));
    const jpeg = await jpegOf('#abcdef');
    gateway.emit('preview', adfDuplex.id, jpeg);
    // The publisher has tried (and failed) to send it before the broker comes back.
    await publisher.stop();
    await publisher.start();
    const second = await startMosquitto({ port: first.port });
    cleanups.push(() => second.stop());
    await back;
    const probe = await connectProbe(second.url);
    cleanups.push(() => probe.close());
    expect((await probe.waitFor(previewTopic(adfDuplex.id))).payload.equals(jpeg)).toBe(true);
    expect((await probe.retained(previewTopic(adfDuplex.id)))?.equals(jpeg)).toBe(true);
  });
});
