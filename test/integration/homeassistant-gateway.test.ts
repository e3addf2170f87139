/**
 * Home Assistant discovery (issue #4) with the REAL gateway process, a real Mosquitto and the
 * eSCL simulator: every discovery payload checked against the HA schema, the discovered Scan
 * button and selects driven through their command topics, preferences surviving a restart,
 * HA's birth message, removal, the preview image, two instances on one broker, and HA disabled.
 * Also (issue #8): one discovery payload per scanner at start, at once from the persisted
 * capabilities after a restart, selects showing what a Scan press uses, and last_file relative.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe, type ProbeMessage } from '../helpers/mqtt-probe.js';
import { checkDevicePayload, expandedComponents } from '../homeassistant/ha-schema.js';
import { retainedUnder } from '../homeassistant/retained-snapshot.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';

const SCANNER = 'office';
const BASE = 'scan2mqtt';
const PREFIX = 'homeassistant';
const SCANNER_DISCOVERY = `${PREFIX}/device/${BASE}_${SCANNER}/config`;
const BRIDGE_DISCOVERY = `${PREFIX}/device/${BASE}_bridge/config`;
/** Limits, not assertions: a scan, a process start, HA's 1–5 s birth delay. */
const JOB_WAIT_MS = 60_000;
const START_WAIT_MS = 30_000;
const BIRTH_WAIT_MS = 15_000;
/** Tests that start or restart gateway processes. */
const RESTART_TEST_MS = 120_000;

type Discovery = { cmps: Record<string, unknown>; dev: Record<string, unknown> };

let broker: MosquittoBroker;
let sim: EsclSimulator;
let probe: MqttProbe;
let dataFolder: string;
let gateway: GatewayProcess | undefined;
const extraGateways: GatewayProcess[] = [];
/** The scanner's live discovery payloads during each start of the main gateway. */
const startDiscoveries: Discovery[][] = [];

function gatewayEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_DATA_FOLDER: dataFolder,
    SCAN2MQTT_STORAGE_FOLDER: join(dataFolder, 'scans'),
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Office scanner', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
    ...extra,
  };
}

/** Starts the main gateway on the shared data folder and waits until its scanner is online and discovered. */
async function startMainGateway(): Promise<GatewayProcess> {
  const { started, discoveries } = await startCountingDiscovery(gatewayEnv(), BASE, SCANNER_DISCOVERY);
  startDiscoveries.push(discoveries);
  return started;
}

const hasSelects = (m: ProbeMessage) => isFinal(m) && Object.keys(m.json<Discovery>().cmps).includes('resolution');

/**
 * Starts a gateway and returns the live discovery payloads it sent for one scanner while starting:
 * every one up to the scanner's preferences message that follows its first payload with selects
 * (the publisher always sends the preferences right after a scanner's discovery).
 */
async function startCountingDiscovery(env: Record<string, string>, base: string, topic: string, online = true) {
  const preferencesTopic = `${base}/${SCANNER}/preferences`;
  const seen = await probe.collect('#');
  const started = await startGateway(env);
  try {
    if (online) await liveOnline(base);
    const withSelects = await seen.next((m) => !m.retain && m.topic === topic && hasSelects(m), START_WAIT_MS);
    const after = seen.messages.indexOf(withSelects);
    const settled = await seen.next((m) => !m.retain && m.topic === preferencesTopic && seen.messages.indexOf(m) > after, START_WAIT_MS);
    const upTo = seen.messages.indexOf(settled);
    const discoveries = seen.messages.slice(0, upTo).filter((m) => !m.retain && m.topic === topic && isFinal(m)).map((m) => m.json<Discovery>());
    return { started, discoveries };
  } finally {
    await seen.stop();
  }
}

async function discoveryOf(topic: string): Promise<Discovery> {
  const payload = await probe.retained(topic);
  expect(payload, `retained ${topic}`).toBeDefined();
  return JSON.parse(payload!.toString()) as Discovery;
}

/** Publishes what HA would send for `component` and returns the job's final event. */
async function press(component: Record<string, unknown>) {
  const jobs = await probe.collect(`${BASE}/${SCANNER}/job`);
  await probe.publish(component.command_topic as string, component.payload_press as string);
  const final = await jobs.next((m) => ['done', 'failed', 'cancelled'].includes(m.json<{ state: string }>().state), JOB_WAIT_MS);
  await jobs.stop();
  return final.json<{ state: string; files: string[]; pages: number; settings?: Record<string, unknown>; error?: unknown }>();
}

const isFinal = (m: ProbeMessage) => m.payload.length > 0;

/** Waits for a gateway on `base` to publish its scanner online live (a retained copy may be an earlier run's). */
async function liveOnline(base: string): Promise<void> {
  await probe.waitFor(`${base}/${SCANNER}/availability`, (m) => !m.retain && m.text() === 'online', START_WAIT_MS);
}

/** Pixel size of an image file, or the point size of a PDF's last page (poppler's pdfinfo). */
async function pageSize(file: string): Promise<{ width: number; height: number }> {
  if (!file.endsWith('.pdf')) {
    const meta = await sharp(file).metadata();
    return { width: meta.width!, height: meta.height! };
  }
  const info = execFileSync('pdfinfo', ['-l', '-1', file]).toString();
  const match = /Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/.exec(info) ?? /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
  expect(match, info).not.toBeNull();
  return { width: Number(match![1]), height: Number(match![2]) };
}

beforeAll(async () => {
  broker = await startMosquitto();
  sim = new EsclSimulator({ uuid: randomUUID() });
  await sim.start();
  dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-ha-it-'));
  probe = await connectProbe(broker.url);
  // A device whose first answer is unusable (as after a power-on): its scanner is known before its capabilities.
  sim.inject({ kind: 'malformed-xml', target: 'capabilities', times: 1 });
  gateway = await startMainGateway();
}, 90_000);

afterAll(async () => {
  for (const g of extraGateways) await g.stop();
  await gateway?.stop();
  await probe?.close();
  await sim?.stop();
  await broker?.stop();
  if (dataFolder) await rm(dataFolder, { recursive: true, force: true });
});

describe('Home Assistant discovery from the real gateway', () => {
  it('publishes only discovery payloads HA accepts, for the bridge and the scanner', async () => {
    const retained = await retainedUnder(broker.url, `${PREFIX}/#`);
    expect([...retained.keys()].sort()).toEqual([BRIDGE_DISCOVERY, SCANNER_DISCOVERY].sort());
    for (const [topic, payload] of retained) expect(checkDevicePayload(JSON.parse(payload.toString())), topic).toEqual([]);
    const scanner = JSON.parse(retained.get(SCANNER_DISCOVERY)!.toString()) as Discovery;
    const components = expandedComponents(scanner);
    expect(Object.keys(components)).toEqual(expect.arrayContaining(['status', 'connectivity', 'adf', 'scan', 'cancel', 'source', 'resolution', 'color_mode', 'format', 'last_scan', 'last_pages', 'last_file', 'preview']));
    expect(components.source!.options).toEqual(['platen', 'adf']);
    expect(components.resolution!.options).toContain('75');
    expect(scanner.dev.via_device).toBe(`${BASE}_bridge`);
    // Every state topic an entity reads is one the gateway keeps retained (the HA layer's own appear after a scan).
    expect(await probe.retained(`${BASE}/${SCANNER}`)).toBeDefined();
    expect(await probe.retained(`${BASE}/${SCANNER}/preferences`)).toBeDefined();
  });

  it('sends the scanner discovery once at start, already with its selects and feeder entities', () => {
    expect(startDiscoveries[0]).toHaveLength(1);
    const components = expandedComponents(startDiscoveries[0]![0]!);
    expect(Object.keys(components)).toEqual(expect.arrayContaining(['adf', 'adf_loaded', 'source', 'resolution', 'color_mode', 'format']));
  });

  it('shows on every select what a Scan press uses while nothing was chosen', async () => {
    const components = expandedComponents(await discoveryOf(SCANNER_DISCOVERY));
    const shown = (await probe.retainedJson<Record<string, unknown>>(`${BASE}/${SCANNER}/preferences`))!;
    for (const key of ['source', 'resolution', 'color_mode', 'format']) {
      expect(components[key]!.options, key).toContain(String(shown[key]));
    }
    const final = await press(components.scan!);
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    const used = final.settings!;
    expect({ source: used.source, resolution: used.resolution, color_mode: used.color_mode, format: used.format }).toEqual({
      source: shown.source,
      resolution: shown.resolution,
      color_mode: shown.color_mode,
      format: shown.format,
    });
  });

  it('runs a scan when the discovered Scan button is pressed, then publishes last scan and a preview JPEG', async () => {
    const scan = expandedComponents(await discoveryOf(SCANNER_DISCOVERY)).scan!;
    const final = await press(scan);
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.files).toHaveLength(1);
    expect((await stat(final.files[0]!)).size).toBeGreaterThan(1000);

    const lastScan = await probe.waitFor(`${BASE}/${SCANNER}/last_scan`, isFinal, JOB_WAIT_MS);
    // Home Assistant shows where the file is in the storage folder, not the gateway's own file system.
    const shown = lastScan.json<{ file: string; files: string[] }>();
    expect(isAbsolute(shown.file)).toBe(false);
    expect(shown).toMatchObject({ pages: final.pages, file: relative(join(dataFolder, 'scans'), final.files.at(-1)!) });
    expect(shown.files).toEqual(final.files.map((f) => relative(join(dataFolder, 'scans'), f)));
    const preview = (await probe.waitFor(`${BASE}/${SCANNER}/preview`, isFinal, JOB_WAIT_MS)).payload;
    const thumb = await sharp(preview).metadata();
    expect(thumb.format).toBe('jpeg');
    const page = await pageSize(final.files.at(-1)!);
    expect(thumb.width! / thumb.height!).toBeCloseTo(page.width / page.height, 1);
  });

  it('uses a value chosen on a select for the next scan, and keeps it across a gateway restart', async () => {
    const components = expandedComponents(await discoveryOf(SCANNER_DISCOVERY));
    const prefs = await probe.collect(`${BASE}/${SCANNER}/preferences`);
    await probe.publish(components.resolution!.command_topic as string, '75');
    await probe.publish(components.format!.command_topic as string, 'png');
    await prefs.next((m) => isFinal(m) && m.json<{ resolution?: number; format?: string }>().resolution === 75 && m.json<{ format?: string }>().format === 'png');
    await prefs.stop();

    const first = await press(components.scan!);
    expect(first.state, JSON.stringify(first.error)).toBe('done');
    const meta = await sharp(first.files[0]!).metadata();
    expect(meta.format).toBe('png');
    // Default region 215.9 mm wide at 75 dpi.
    expect(meta.width).toBeCloseTo(638, -1);

    await gateway!.stop();
    gateway = undefined;
    // Forget the retained copy, so only the persisted file can bring the choice back.
    await probe.publish(`${BASE}/${SCANNER}/preferences`, '', { retain: true });
    gateway = await startMainGateway();
    expect(startDiscoveries.at(-1)).toHaveLength(1);
    const restored = await probe.waitFor(`${BASE}/${SCANNER}/preferences`, isFinal, START_WAIT_MS);
    expect(restored.json()).toMatchObject({ resolution: 75, format: 'png' });
    const again = await press(expandedComponents(await discoveryOf(SCANNER_DISCOVERY)).scan!);
    expect(again.state, JSON.stringify(again.error)).toBe('done');
    expect((await sharp(again.files[0]!).metadata()).width).toBeCloseTo(638, -1);
  }, RESTART_TEST_MS);

  it('snaps a select back to the stored value when HA sends one the scanner does not offer', async () => {
    const prefs = await probe.collect(`${BASE}/${SCANNER}/preferences`);
    await probe.publish(`${BASE}/${SCANNER}/set/resolution`, '12345');
    const answer = await prefs.next((m) => !m.retain && isFinal(m));
    await prefs.stop();
    expect(answer.json()).toMatchObject({ resolution: 75 });
    expect(gateway!.child.exitCode).toBeNull();
  });

  it('re-sends discovery when Home Assistant announces itself online', async () => {
    const configs = await probe.collect(`${PREFIX}/device/+/config`);
    await probe.publish(`${PREFIX}/status`, 'online');
    // Live (not retained-replay) copies of both payloads show the gateway answered the birth message.
    await configs.next((m) => !m.retain && m.topic === SCANNER_DISCOVERY && isFinal(m), BIRTH_WAIT_MS);
    await configs.next((m) => !m.retain && m.topic === BRIDGE_DISCOVERY && isFinal(m), BIRTH_WAIT_MS);
    await configs.stop();
  });

  it('coexists with a second gateway instance on the same broker', async () => {
    const other = await startGateway({
      ...gatewayEnv(),
      SCAN2MQTT_DATA_FOLDER: join(dataFolder, 'second'),
      SCAN2MQTT_STORAGE_FOLDER: join(dataFolder, 'second', 'scans'),
      SCAN2MQTT_MQTT_BASE_TOPIC: 'scan2mqtt_upstairs',
      SCAN2MQTT_HOMEASSISTANT_INSTANCE_ID: 'upstairs',
    });
    extraGateways.push(other);
    const otherDiscovery = `${PREFIX}/device/scan2mqtt_upstairs_upstairs_${SCANNER}/config`;
    await probe.waitFor(otherDiscovery, isFinal, START_WAIT_MS);
    const retained = await retainedUnder(broker.url, `${PREFIX}/#`);
    expect(retained.size).toBe(4);
    const uniqueIds = new Set<string>();
    for (const [topic, payload] of retained) {
      const parsed = JSON.parse(payload.toString()) as Discovery;
      expect(checkDevicePayload(parsed), topic).toEqual([]);
      for (const c of Object.values(expandedComponents(parsed))) uniqueIds.add(c.unique_id as string);
    }
    const componentCount = [...retained.values()].reduce((n, p) => n + Object.keys((JSON.parse(p.toString()) as Discovery).cmps).length, 0);
    expect(uniqueIds.size).toBe(componentCount);
    const theirs = expandedComponents(JSON.parse(retained.get(otherDiscovery)!.toString()) as Discovery);
    expect(theirs.scan!.command_topic).toBe(`scan2mqtt_upstairs/${SCANNER}/scan`);

    // Clearing the second instance's discovery leaves the first one's alone.
    const response = await bridgeRequest('scan2mqtt_upstairs', 'homeassistant/clear', {});
    expect(response).toMatchObject({ status: 'ok' });
    const after = await retainedUnder(broker.url, `${PREFIX}/#`);
    expect([...after.keys()].sort()).toEqual([BRIDGE_DISCOVERY, SCANNER_DISCOVERY].sort());
  }, RESTART_TEST_MS);

  it('publishes a known scanner at once after a restart, from the capabilities it kept, while the device is away', async () => {
    const base = 'scan2mqtt_kept';
    const topic = `${PREFIX}/device/${base}_${SCANNER}/config`;
    const device = new EsclSimulator({ uuid: randomUUID() });
    await device.start();
    const env = {
      ...gatewayEnv(),
      SCAN2MQTT_DATA_FOLDER: join(dataFolder, 'kept'),
      SCAN2MQTT_STORAGE_FOLDER: join(dataFolder, 'kept', 'scans'),
      SCAN2MQTT_MQTT_BASE_TOPIC: base,
      SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Office scanner', protocol: 'escl', url: device.baseUrl, friendly_name: SCANNER }]),
    };
    const first = await startCountingDiscovery(env, base, topic);
    await first.started.stop();
    await device.stop();
    // Forget the retained copy: only the gateway itself can bring the entities back.
    await probe.publish(topic, '', { retain: true });
    const again = await startCountingDiscovery(env, base, topic, false);
    try {
      expect(again.discoveries).toHaveLength(1);
      expect(expandedComponents(again.discoveries[0]!)).toEqual(expandedComponents(first.discoveries[0]!));
      expect((await probe.retained(`${base}/${SCANNER}/availability`))?.toString()).not.toBe('online');
      expect(await bridgeRequest(base, 'homeassistant/clear', {})).toMatchObject({ status: 'ok' });
    } finally {
      await again.started.stop();
    }
  }, RESTART_TEST_MS);

  it('removes every retained topic of a scanner on device/remove', async () => {
    const previews = await probe.collect(`${BASE}/${SCANNER}/preview`);
    const response = await bridgeRequest(BASE, 'device/remove', { id: SCANNER });
    expect(response).toMatchObject({ status: 'ok', data: { id: SCANNER } });
    const suffixes = ['', '/availability', '/capabilities', '/preferences', '/last_scan', '/preview'];
    // The preview is the last topic the HA layer clears: once it is empty, look afresh.
    await previews.next((m) => m.payload.length === 0, JOB_WAIT_MS);
    await previews.stop();
    const left = await retainedUnder(broker.url, '#');
    for (const suffix of suffixes) expect(left.has(`${BASE}/${SCANNER}${suffix}`), `${BASE}/${SCANNER}${suffix}`).toBe(false);
    expect(left.has(SCANNER_DISCOVERY)).toBe(false);
    expect(left.has(BRIDGE_DISCOVERY)).toBe(true);
  });
});

describe('Home Assistant discovery disabled', () => {
  it('publishes no discovery, and clears the discovery of an earlier run on request', async () => {
    const env = {
      ...gatewayEnv(),
      SCAN2MQTT_DATA_FOLDER: join(dataFolder, 'third'),
      SCAN2MQTT_STORAGE_FOLDER: join(dataFolder, 'third', 'scans'),
      SCAN2MQTT_MQTT_BASE_TOPIC: 'scan2mqtt_cellar',
    };
    const ownDiscovery = `${PREFIX}/device/scan2mqtt_cellar_${SCANNER}/config`;
    const enabled = await startGateway(env);
    await probe.waitFor(ownDiscovery, isFinal, START_WAIT_MS);
    await enabled.stop();

    const configs = await probe.collect(`${PREFIX}/#`);
    const devices = await probe.collect('scan2mqtt_cellar/bridge/devices');
    const disabled = await startGateway({ ...env, SCAN2MQTT_HOMEASSISTANT_ENABLED: 'false' });
    extraGateways.push(disabled);
    await devices.next((m) => !m.retain && m.text().includes('"online":true'), START_WAIT_MS);
    await devices.stop();
    const live = configs.messages.filter((m) => !m.retain && m.topic.includes('scan2mqtt_cellar'));
    expect(live.map((m) => m.topic)).toEqual([]);
    expect(await probe.retained(ownDiscovery)).toBeDefined();

    const response = await bridgeRequest('scan2mqtt_cellar', 'homeassistant/clear', { transaction: 'tx-1' });
    expect(response).toMatchObject({ status: 'ok', transaction: 'tx-1' });
    const after = await retainedUnder(broker.url, `${PREFIX}/#`);
    expect([...after.keys()].filter((t) => t.includes('scan2mqtt_cellar'))).toEqual([]);
    await configs.stop();
  }, RESTART_TEST_MS);
});

/** Sends a bridge request and resolves with its response. */
function bridgeRequest(base: string, action: string, body: Record<string, unknown>) {
  return probe.bridgeRequest<Record<string, unknown>>(action, body, { base, timeoutMs: JOB_WAIT_MS });
}
