import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { listConfigKeys } from '../../src/config/schema.js';

/** Loads and reports either success or a ConfigError; anything else fails the property. */
function loadsOrNamesTheKey(env: Record<string, string>): boolean {
  try {
    loadConfig({ argv: [], env });
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.keys.length).toBeGreaterThan(0);
    return true;
  }
}

describe('hostile config input', () => {
  const envNames = listConfigKeys().map((key) => key.env);

  it('any string in any variable loads or gives a ConfigError naming a key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...envNames), fc.string({ maxLength: 200 }), (name, value) => loadsOrNamesTheKey({ [name]: value })),
      { numRuns: 400 },
    );
  });

  it('any JSON value as SCAN2MQTT_DEVICES loads or gives a ConfigError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => loadsOrNamesTheKey({ SCAN2MQTT_DEVICES: JSON.stringify(value) })),
      { numRuns: 300 },
    );
  });

  it('device-shaped entries with random fields load or name devices[i].field', () => {
    const entry = fc.record(
      {
        name: fc.oneof(fc.string(), fc.integer()),
        protocol: fc.oneof(fc.constantFrom('escl', 'wsd', 'sane'), fc.string()),
        url: fc.oneof(fc.webUrl(), fc.constantFrom('sane://192.0.2.9', 'sane://[::1]:6566/dev', 'http://'), fc.string()),
        password: fc.string(),
        insecure_tls: fc.oneof(fc.boolean(), fc.string()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (devices) => {
        try {
          loadConfig({ argv: [], env: { SCAN2MQTT_DEVICES: JSON.stringify(devices) } });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.keys[0]).toMatch(/^devices\[\d+\](\.[a-z_]+)?$/);
        }
      }),
      { numRuns: 200 },
    );
  });
});
