import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildScannerDiscovery } from '../../src/homeassistant/discovery-payloads.js';
import { createDiscoveryLedger, isOwnDiscovery, MAX_SWEPT_PAYLOAD_BYTES } from '../../src/homeassistant/discovery-ledger.js';
import { createNaming } from '../../src/homeassistant/naming.js';
import { adfDuplex } from './views.js';

const naming = createNaming({ baseTopic: 'scan2mqtt', discoveryPrefix: 'homeassistant' });
const ctx = { naming, version: '1', profiles: [] };
const topic = naming.scannerDiscoveryTopic(adfDuplex.id);

describe('discovery ledger', () => {
  it('publishes a new payload once and skips an unchanged one unless forced', () => {
    const ledger = createDiscoveryLedger();
    const payload = buildScannerDiscovery(adfDuplex, ctx);
    expect(ledger.plan(topic, payload, false)).toEqual([JSON.stringify(payload)]);
    ledger.record(topic, payload);
    expect(ledger.plan(topic, payload, false)).toEqual([]);
    expect(ledger.plan(topic, payload, true)).toEqual([JSON.stringify(payload)]);
    expect(ledger.topics()).toEqual([topic]);
  });

  it('reduces dropped components to their platform first, then sends the new payload', () => {
    const ledger = createDiscoveryLedger();
    ledger.record(topic, buildScannerDiscovery(adfDuplex, ctx));
    const platenOnlyNow = { ...adfDuplex, capabilities: { ...adfDuplex.capabilities!, sources: { platen: adfDuplex.capabilities!.sources.platen! } } };
    const next = buildScannerDiscovery(platenOnlyNow, ctx);
    const [reduced, final] = ledger.plan(topic, next, false);
    const r = JSON.parse(reduced!) as { cmps: Record<string, unknown> };
    expect(r.cmps.adf).toEqual({ p: 'sensor' });
    expect(r.cmps.adf_loaded).toEqual({ p: 'binary_sensor' });
    expect(r.cmps.source).toEqual({ p: 'select' });
    expect(JSON.parse(final!)).toEqual(JSON.parse(JSON.stringify(next)));
  });
});

describe('isOwnDiscovery', () => {
  const own = Buffer.from(JSON.stringify(buildScannerDiscovery(adfDuplex, ctx)));
  const other = createNaming({ baseTopic: 'scan2mqtt', discoveryPrefix: 'homeassistant', instanceId: 'attic' });
  const otherPayload = Buffer.from(JSON.stringify(buildScannerDiscovery(adfDuplex, { ...ctx, naming: other })));

  it('claims our retained payloads and not a second instance sharing the prefix', () => {
    expect(isOwnDiscovery(naming, 'homeassistant', topic, own)).toBe(true);
    expect(isOwnDiscovery(naming, 'homeassistant', other.scannerDiscoveryTopic(adfDuplex.id), otherPayload)).toBe(false);
    expect(isOwnDiscovery(naming, 'homeassistant', 'homeassistant/device/zigbee2mqtt_0x1234/config', own)).toBe(false);
  });

  it('rejects hostile payloads without throwing', () => {
    for (const text of ['', 'null', '42', '"x"', '[]', '{"dev":null}', '{"dev":{"ids":"scan2mqtt_bridge"}}', '{', '\u0000\u00ff']) {
      const ok = isOwnDiscovery(naming, 'homeassistant', topic, Buffer.from(text));
      expect(typeof ok).toBe('boolean');
    }
    expect(isOwnDiscovery(naming, 'homeassistant', topic, Buffer.from('{"dev":{"ids":"scan2mqtt_bridge"}}'))).toBe(true);
    expect(isOwnDiscovery(naming, 'homeassistant', topic, Buffer.alloc(MAX_SWEPT_PAYLOAD_BYTES + 1, 0x20))).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => typeof isOwnDiscovery(naming, 'homeassistant', topic, Buffer.from(bytes)) === 'boolean'));
  });
});
