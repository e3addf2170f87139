/** The add-on options → gateway settings mapping, and which broker wins. */
import { describe, expect, it } from 'vitest';
import { addonEnvironment } from '../../src/addon/options.js';
import { knownSettings } from '../../src/addon/known-settings.js';

const places = { root: '/', configFileExists: false };
const supervisorBroker = { host: 'core-mosquitto', port: 1883, ssl: false, username: 'addons', password: 'secret' };

describe('add-on options', () => {
  it('with no broker option uses the Supervisor\'s broker and its login', () => {
    const env = addonEnvironment({}, supervisorBroker, places);
    expect(env).toMatchObject({ SCAN2MQTT_MQTT_URL: 'mqtt://core-mosquitto:1883', SCAN2MQTT_MQTT_USERNAME: 'addons', SCAN2MQTT_MQTT_PASSWORD: 'secret' });
  });

  it('uses mqtts:// for a TLS service and brackets an IPv6 host', () => {
    expect(addonEnvironment({}, { ...supervisorBroker, ssl: true, port: 8883 }, places).SCAN2MQTT_MQTT_URL).toBe('mqtts://core-mosquitto:8883');
    expect(addonEnvironment({}, { ...supervisorBroker, host: 'fd00::5' }, places).SCAN2MQTT_MQTT_URL).toBe('mqtt://[fd00::5]:1883');
  });

  it('a broker the user names wins, with the user\'s login only (never the Supervisor\'s)', () => {
    const env = addonEnvironment({ mqtt_url: 'mqtt://192.0.2.10:1883' }, supervisorBroker, places);
    expect(env.SCAN2MQTT_MQTT_URL).toBe('mqtt://192.0.2.10:1883');
    expect(env.SCAN2MQTT_MQTT_USERNAME).toBeUndefined();
    expect(env.SCAN2MQTT_MQTT_PASSWORD).toBeUndefined();
  });

  it('with neither leaves the broker to the gateway\'s default', () => {
    expect(addonEnvironment({ mqtt_url: '  ' }, undefined, places).SCAN2MQTT_MQTT_URL).toBeUndefined();
  });

  it('keeps state in /data and documents in /share/scan2mqtt, and serves the frontend to ingress only', () => {
    expect(addonEnvironment({}, undefined, places)).toMatchObject({
      SCAN2MQTT_DATA_FOLDER: '/data',
      SCAN2MQTT_STORAGE_FOLDER: '/share/scan2mqtt',
      SCAN2MQTT_FRONTEND_ENABLED: 'true',
      SCAN2MQTT_FRONTEND_PORT: '8088',
      SCAN2MQTT_FRONTEND_HOST: '172.30.32.1',
      SCAN2MQTT_FRONTEND_INGRESS_PROXY: '172.30.32.2',
    });
  });

  it('passes the advanced YAML file on only when it exists', () => {
    expect(addonEnvironment({}, undefined, { root: '/', configFileExists: true }).SCAN2MQTT_CONFIG).toBe('/config/scan2mqtt.yaml');
    expect(addonEnvironment({}, undefined, places).SCAN2MQTT_CONFIG).toBeUndefined();
  });

  it('hands devices over with only the fields the gateway takes, empty ones left out', () => {
    const env = addonEnvironment({ devices: [{ name: 'Lide', protocol: 'sane', url: 'sane://192.0.2.9', username: '', password: 'pw' }] }, undefined, places);
    expect(JSON.parse(env.SCAN2MQTT_DEVICES!)).toEqual([{ name: 'Lide', protocol: 'sane', url: 'sane://192.0.2.9', password: 'pw' }]);
  });

  it('leaves out the settings this gateway does not know, so it still starts', () => {
    const { known, unknown } = knownSettings({ SCAN2MQTT_MQTT_URL: 'mqtt://h', SCAN2MQTT_NO_SUCH_THING: 'x', PATH: '/bin' });
    expect(known).toEqual({ SCAN2MQTT_MQTT_URL: 'mqtt://h', PATH: '/bin' });
    expect(unknown).toEqual(['SCAN2MQTT_NO_SUCH_THING']);
  });
});
