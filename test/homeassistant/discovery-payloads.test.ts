import { describe, expect, it } from 'vitest';
import type { ScannerView } from '../../src/core/gateway-api.js';
import { buildBridgeDiscovery, buildScannerDiscovery, type DiscoveryContext } from '../../src/homeassistant/discovery-payloads.js';
import { createNaming } from '../../src/homeassistant/naming.js';
import { checkDevicePayload, expandedComponents } from './ha-schema.js';
import { adfDuplex, noCapabilities, platenOnly, saneWithButtons } from './views.js';

const ctx = (over: Partial<DiscoveryContext> = {}): DiscoveryContext => ({
  naming: createNaming({ baseTopic: 'scan2mqtt', discoveryPrefix: 'homeassistant' }),
  version: '0.1.0',
  supportUrl: 'https://example.org/scan2mqtt',
  profiles: [],
  ...over,
});

const ALL_VIEWS: [string, ScannerView][] = [
  ['platen-only eSCL', platenOnly],
  ['ADF duplex eSCL', adfDuplex],
  ['SANE with buttons', saneWithButtons],
  ['WSD without capabilities', noCapabilities],
];

describe('scanner discovery payload', () => {
  it.each(ALL_VIEWS)('%s passes the HA schema check', (_label, view) => {
    const payload = buildScannerDiscovery(view, ctx({ profiles: ['receipts', 'photos'] }));
    expect(checkDevicePayload(JSON.parse(JSON.stringify(payload)))).toEqual([]);
  });

  it('describes the device and binds availability to bridge and scanner', () => {
    const payload = buildScannerDiscovery(adfDuplex, ctx());
    expect(payload.dev).toEqual({
      identifiers: [`scan2mqtt_${adfDuplex.id}`],
      name: 'Brother MFC-L8690CDW',
      manufacturer: 'Brother',
      model: 'MFC-L8690CDW series',
      configuration_url: 'http://192.168.200.122/net/net/airprint.html',
      via_device: 'scan2mqtt_bridge',
    });
    expect(payload.o).toEqual({ name: 'scan2mqtt', sw: '0.1.0', url: 'https://example.org/scan2mqtt' });
    expect(payload.avty).toEqual([
      { topic: 'scan2mqtt/bridge/state', value_template: '{{ value_json.state }}' },
      { topic: `scan2mqtt/${adfDuplex.id}/availability` },
    ]);
    expect(payload.avty_mode).toBe('all');
  });

  it('reports serial and firmware, and drops a non-http admin URL', () => {
    expect(buildScannerDiscovery(platenOnly, ctx()).dev).toMatchObject({ serial_number: '00188b045a87', sw_version: '2.63' });
    expect(buildScannerDiscovery(saneWithButtons, ctx()).dev.configuration_url).toBeUndefined();
  });

  it('gives a platen-only scanner no feeder entities and no source select', () => {
    const keys = Object.keys(buildScannerDiscovery(platenOnly, ctx()).cmps);
    expect(keys).not.toContain('adf');
    expect(keys).not.toContain('adf_loaded');
    expect(keys).not.toContain('source');
    expect(keys).not.toContain('button');
    expect(keys).toEqual(expect.arrayContaining(['status', 'connectivity', 'scan', 'cancel', 'resolution', 'color_mode', 'format', 'last_scan', 'last_pages', 'last_file', 'preview']));
  });

  it('takes select options from the capabilities of an ADF duplex scanner', () => {
    const c = expandedComponents(buildScannerDiscovery(adfDuplex, ctx()));
    expect(c.source?.options).toEqual(['platen', 'adf', 'adf_duplex']);
    expect(c.resolution?.options).toEqual(['100', '200', '300', '600']);
    expect(c.color_mode?.options).toEqual(['color', 'gray', 'bw']);
    expect(c.format?.options).toEqual(['pdf', 'jpeg']);
    expect(c.resolution?.command_topic).toBe(`scan2mqtt/${adfDuplex.id}/set/resolution`);
    expect(c.resolution?.state_topic).toBe(`scan2mqtt/${adfDuplex.id}/preferences`);
    expect(c.adf?.options).toEqual(['loaded', 'empty', 'jam', 'open', 'unknown']);
    expect(c.adf_loaded?.platform).toBe('binary_sensor');
  });

  it('offers a profile select only when there are at least two profiles', () => {
    expect(buildScannerDiscovery(adfDuplex, ctx({ profiles: ['only'] })).cmps.profile).toBeUndefined();
    const c = expandedComponents(buildScannerDiscovery(adfDuplex, ctx({ profiles: ['receipts', 'photos'] })));
    expect(c.profile?.options).toEqual(['receipts', 'photos']);
  });

  it('offers the button event entity from the capabilities alone, whatever the protocol', () => {
    const caps = platenOnly.capabilities!;
    const pushing = { ...platenOnly, capabilities: { ...caps, events: ['button' as const] } };
    expect(expandedComponents(buildScannerDiscovery(pushing, ctx())).button?.event_types).toEqual(['scan']);
    // A WSD scanner (or one listing buttons) whose capabilities do not say it pushes presses gets none.
    const silent = { ...saneWithButtons, protocol: 'wsd' as const, capabilities: { ...saneWithButtons.capabilities!, protocol: 'wsd' as const, events: ['status' as const] } };
    expect(Object.keys(buildScannerDiscovery(silent, ctx()).cmps)).not.toContain('button');
    expect(Object.keys(buildScannerDiscovery({ ...platenOnly, protocol: 'wsd' }, ctx()).cmps)).not.toContain('button');
  });

  it('lists the SANE buttons plus scan as event types, once each', () => {
    const c = expandedComponents(buildScannerDiscovery(saneWithButtons, ctx()));
    expect(c.button).toMatchObject({ platform: 'event', state_topic: `scan2mqtt/${saneWithButtons.id}/button_event`, event_types: ['scan', 'copy', 'email', 'file'] });
    const learned = expandedComponents(buildScannerDiscovery(platenOnly, ctx(), { learnedButtons: ['ocr'] }));
    expect(learned.button?.event_types).toEqual(['scan', 'ocr']);
  });

  it('wires buttons, status, connectivity, last scan and preview to the gateway topics', () => {
    const id = adfDuplex.id;
    const c = expandedComponents(buildScannerDiscovery(adfDuplex, ctx()));
    expect(c.scan).toMatchObject({ command_topic: `scan2mqtt/${id}/scan`, payload_press: '{}' });
    expect(c.cancel).toMatchObject({ command_topic: `scan2mqtt/${id}/cancel` });
    expect(c.status).toMatchObject({ state_topic: `scan2mqtt/${id}`, device_class: 'enum', options: ['idle', 'processing', 'stopped', 'offline'] });
    expect(c.connectivity).toMatchObject({
      state_topic: `scan2mqtt/${id}/availability`,
      device_class: 'connectivity',
      availability: [{ topic: 'scan2mqtt/bridge/state', value_template: '{{ value_json.state }}' }],
    });
    expect(c.last_scan).toMatchObject({ state_topic: `scan2mqtt/${id}/last_scan`, device_class: 'timestamp' });
    expect(c.preview).toMatchObject({ image_topic: `scan2mqtt/${id}/preview`, content_type: 'image/jpeg' });
  });

  it('uses default_entity_id, never the deprecated object_id', () => {
    const c = expandedComponents(buildScannerDiscovery(adfDuplex, ctx()));
    expect(c.status?.default_entity_id).toBe('sensor.brother_mfc_l8690cdw_status');
    for (const component of Object.values(c)) expect(component.object_id).toBeUndefined();
  });

  it('keeps unique ids distinct across base topics and instance ids', () => {
    const ids = (baseTopic: string, instanceId?: string) =>
      Object.values(buildScannerDiscovery(adfDuplex, ctx({ naming: createNaming({ baseTopic, discoveryPrefix: 'homeassistant', instanceId }) })).cmps).map(
        (c) => c.unique_id,
      );
    const a = ids('scan2mqtt');
    const b = ids('scan2mqtt', 'attic');
    const c = ids('scanners/home');
    expect(new Set([...a, ...b, ...c]).size).toBe(a.length + b.length + c.length);
    expect(b[0]).toMatch(/^scan2mqtt_attic_/);
    expect(c[0]).toMatch(/^scanners_home_/);
  });

  it('is the same payload for the same input (stable across restarts)', () => {
    expect(JSON.stringify(buildScannerDiscovery(saneWithButtons, ctx()))).toBe(JSON.stringify(buildScannerDiscovery(saneWithButtons, ctx())));
  });
});

describe('bridge discovery payload', () => {
  it('passes the HA schema check and exposes state, version and discover', () => {
    const payload = buildBridgeDiscovery(ctx());
    expect(checkDevicePayload(JSON.parse(JSON.stringify(payload)))).toEqual([]);
    const c = expandedComponents(payload);
    expect(c.connection_state).toMatchObject({ state_topic: 'scan2mqtt/bridge/state', device_class: 'connectivity' });
    expect(c.connection_state?.availability).toBeUndefined();
    expect(c.version).toMatchObject({ state_topic: 'scan2mqtt/bridge/info', value_template: '{{ value_json.version }}' });
    expect(c.discover).toMatchObject({ command_topic: 'scan2mqtt/bridge/request/discover' });
    expect(payload.dev.identifiers).toEqual(['scan2mqtt_bridge']);
  });

  it('names a second instance apart', () => {
    const payload = buildBridgeDiscovery(ctx({ naming: createNaming({ baseTopic: 'scan2mqtt', discoveryPrefix: 'ha', instanceId: 'attic' }) }));
    expect(payload.dev.identifiers).toEqual(['scan2mqtt_attic_bridge']);
    expect(payload.dev.name).toBe('scan2mqtt bridge (scan2mqtt_attic)');
  });
});

describe('the HA schema helper itself', () => {
  it('flags missing, unknown, deprecated and doubly spelled keys', () => {
    const bad = {
      dev: { ids: ['x'], identifiers: ['y'], cu: 'ftp://host' },
      o: { sw: '1' },
      cmps: {
        a: { p: 'select', unique_id: 'a', command_topic: 'x/set', state_topic: 'x/+' },
        b: { p: 'sensor', uniq_id: 'b', unique_id: 'b', stat_t: 'x', object_id: 'old', bogus: 1 },
        c: { p: 'image', unique_id: 'c', image_topic: 'i', url_topic: 'u' },
        d: { p: 'lawnmower', unique_id: 'd' },
      },
    };
    const problems = checkDevicePayload(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        "device: 'identifiers' given twice (abbreviated and in full)",
        'device: configuration_url must be http(s) or homeassistant://',
        "origin: missing required 'name'",
        "cmps.a: missing required 'options'",
        'cmps.a.state_topic: bad topic "x/+"',
        "cmps.b: 'unique_id' given twice (abbreviated and in full)",
        "cmps.b: deprecated key 'object_id'",
        "cmps.b: unknown key 'bogus'",
        'cmps.c: image needs exactly one of image_topic and url_topic',
        'cmps.d: unknown platform "lawnmower"',
      ]),
    );
  });
});
