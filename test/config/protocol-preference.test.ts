/** Config `protocol_preference` as a user sets it: empty by default, a JSON object in the environment, bad entries named. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('config protocol_preference', () => {
  it('is empty by default and read from SCAN2MQTT_PROTOCOL_PREFERENCE', () => {
    expect(loadConfig({ argv: [], env: {} }).protocol_preference).toEqual({});
    expect(loadConfig({ argv: [], env: { SCAN2MQTT_PROTOCOL_PREFERENCE: '{"office_mfp":"wsd"}' } }).protocol_preference).toEqual({ office_mfp: 'wsd' });
  });

  it('names the key and the entry at fault', () => {
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_PROTOCOL_PREFERENCE: '{"office_mfp":"ipp"}' } })).toThrow(/protocol_preference.*office_mfp: must be one of escl, wsd, sane/);
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_PROTOCOL_PREFERENCE: '[1' } })).toThrow(/protocol_preference/);
  });
});
