import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactedConfig } from '../../src/config/load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scan2mqtt-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs loadConfig expecting a ConfigError; returns it. */
function configError(argv: string[], env: Record<string, string>): ConfigError {
  try {
    loadConfig({ argv, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('runs with no file and no env on the contract defaults', () => {
    const config = loadConfig({ argv: [], env: {} });
    expect(config.mqtt).toMatchObject({
      url: 'mqtt://localhost:1883',
      username: '',
      password: '',
      base_topic: 'scan2mqtt',
      reject_unauthorized: true,
      keepalive: 60,
      embedded_broker: 'auto',
    });
    expect(config.mqtt.client_id).toMatch(/^scan2mqtt_[0-9a-f]{8}$/);
    expect(config.homeassistant).toEqual({ enabled: true, discovery_prefix: 'homeassistant', status_topic: 'homeassistant/status', instance_id: '' });
    expect(config.storage).toEqual({ folder: './data/scans', filename_template: '{scanner}/{date}_{time}_{job}_p{page}.{ext}', min_free_mb: 100 });
    expect(config.data.folder).toBe('./data');
    expect(config.discovery).toEqual({ mdns: true, mdns_interface: "", wsd: true, saned_hosts: [], rescan_interval_s: 300 });
    expect(config.devices).toEqual([]);
    expect(config.scan.defaults).toEqual({ format: 'pdf' });
    expect(config.polling).toEqual({ idle_s: 10, busy_s: 2, offline_after_failures: 3, watched_s: 2 });
    expect(config.log).toEqual({ level: 'info', pretty: 'auto' });
    expect(config.trace.folder).toBe('');
  });

  it('ignores unrelated environment variables', () => {
    const config = loadConfig({ argv: [], env: { PATH: '/usr/bin', HOME: '/root', MQTT_URL: 'mqtt://elsewhere' } });
    expect(config.mqtt.url).toBe('mqtt://localhost:1883');
  });
});

describe('loadConfig records the keys the user set', () => {
  it('counts a key as set by the environment or the file even when its value is the default', () => {
    expect(loadConfig({ argv: [], env: {} }).userKeys.has('mqtt.url')).toBe(false);
    expect(loadConfig({ argv: [], env: { SCAN2MQTT_MQTT_BASE_TOPIC: 'other' } }).userKeys.has('mqtt.url')).toBe(false);
    const fromEnv = loadConfig({ argv: [], env: { SCAN2MQTT_MQTT_URL: 'mqtt://localhost:1883' } });
    expect(fromEnv.mqtt.url).toBe('mqtt://localhost:1883');
    expect(fromEnv.userKeys.has('mqtt.url')).toBe(true);
    const fromFile = loadConfig({ argv: ['--config', file('c.yaml', 'mqtt:\n  url: mqtt://localhost:1883\n  username: ""\n')], env: {} });
    expect([...fromFile.userKeys].sort()).toEqual(['mqtt.url', 'mqtt.username']);
  });

  it('keeps the record out of the published config', () => {
    const shown = redactedConfig(loadConfig({ argv: [], env: { SCAN2MQTT_MQTT_URL: 'mqtt://broker' } }));
    expect(Object.keys(shown)).not.toContain('userKeys');
  });
});

describe('loadConfig files', () => {
  it('reads YAML given by --config and keeps defaults for the rest', () => {
    const path = file(
      'c.yaml',
      ['mqtt:', '  url: mqtts://broker.lan:8883', '  base_topic: home/scanners', 'log:', '  pretty: true', 'scan:', '  defaults:', '    resolution: 300', '    source: adf'].join('\n'),
    );
    const config = loadConfig({ argv: ['--config', path], env: {} });
    expect(config.mqtt.url).toBe('mqtts://broker.lan:8883');
    expect(config.mqtt.base_topic).toBe('home/scanners');
    expect(config.mqtt.keepalive).toBe(60);
    expect(config.log.pretty).toBe('true');
    expect(config.scan.defaults).toEqual({ resolution: 300, source: 'adf', format: 'pdf' });
  });

  it('reads saned hosts as a YAML list, IPv6 included', () => {
    const path = file('c.yaml', 'discovery:\n  saned_hosts:\n    - sane://192.0.2.9\n    - "sane://[::1]:6566"\n');
    expect(loadConfig({ argv: ['--config', path], env: {} }).discovery.saned_hosts).toEqual(['sane://192.0.2.9', 'sane://[::1]:6566']);
    const bad = file('bad.yaml', 'discovery:\n  saned_hosts:\n    - sane://192.0.2.9/genesys\n');
    expect(configError(['--config', bad], {}).keys).toEqual(['discovery.saned_hosts[0]']);
  });

  it('reads JSON given by SCAN2MQTT_CONFIG, devices as objects', () => {
    const path = file(
      'c.json',
      JSON.stringify({
        homeassistant: { enabled: false, instance_id: 'house_2' },
        devices: [{ name: 'Office', protocol: 'escl', url: 'http://192.0.2.7:8080/eSCL', insecure_tls: true }],
      }),
    );
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_CONFIG: path } });
    expect(config.homeassistant.enabled).toBe(false);
    expect(config.homeassistant.instance_id).toBe('house_2');
    expect(config.devices).toEqual([{ name: 'Office', protocol: 'escl', url: 'http://192.0.2.7:8080/eSCL', insecure_tls: true }]);
  });

  it('treats an empty file and empty sections as all defaults', () => {
    expect(loadConfig({ argv: ['--config', file('empty.yaml', '')], env: {} }).mqtt.base_topic).toBe('scan2mqtt');
    const config = loadConfig({ argv: ['--config', file('sections.yaml', 'mqtt:\n  password:\nlog:\n')], env: {} });
    expect(config.mqtt.password).toBe('');
    expect(config.log.level).toBe('info');
  });

  it('accepts the --healthcheck argument main.ts passes through', () => {
    expect(loadConfig({ argv: ['--healthcheck'], env: {} }).mqtt.base_topic).toBe('scan2mqtt');
  });

  it('lets --config win over SCAN2MQTT_CONFIG', () => {
    const a = file('a.yaml', 'mqtt:\n  base_topic: from_a\n');
    const b = file('b.yaml', 'mqtt:\n  base_topic: from_b\n');
    expect(loadConfig({ argv: [`--config=${a}`], env: { SCAN2MQTT_CONFIG: b } }).mqtt.base_topic).toBe('from_a');
  });

  it('names an unknown key in the file', () => {
    const path = file('c.yaml', 'mqtt:\n  prot: 1883\n');
    const error = configError(['--config', path], {});
    expect(error.message).toContain('unknown config key "mqtt.prot"');
    expect(error.message).toContain(path);
    expect(error.keys).toEqual(['mqtt.prot']);
  });

  it('names every unknown key, at any depth, including unknown sections', () => {
    const error = configError(['--config', file('c.yaml', 'profilez:\n  a: 1\nscan:\n  defaults:\n    dpi: 300\n')], {});
    expect(error.keys).toEqual(['profilez', 'scan.defaults.dpi']);
  });

  it('rejects a section given a value and a key given a mapping, by name', () => {
    expect(configError(['--config', file('a.yaml', 'mqtt: mqtt://x\n')], {}).message).toContain('mqtt: must be a section');
    expect(configError(['--config', file('b.yaml', 'mqtt:\n  url:\n    host: x\n')], {}).message).toContain('mqtt.url: must be a single value');
    expect(configError(['--config', file('c.yaml', '- a\n- b\n')], {}).message).toContain('top level');
  });

  it('reports a missing file and invalid YAML or JSON with the path', () => {
    const missing = join(dir, 'nope.yaml');
    expect(configError(['--config', missing], {}).message).toContain(missing);
    const yaml = file('bad.yaml', 'mqtt:\n  url: [unclosed\n');
    expect(configError(['--config', yaml], {}).message).toMatch(new RegExp(`${yaml}.*not valid YAML`));
    const json = file('bad.json', '{"mqtt": ');
    expect(configError(['--config', json], {}).message).toContain(`${json} is not valid JSON`);
    const dup = file('dup.yaml', 'mqtt:\n  url: mqtt://a\n  url: mqtt://b\n');
    expect(configError(['--config', dup], {}).message).toContain('not valid YAML');
  });

  it('refuses an oversized config file instead of reading it all', () => {
    const path = file('huge.yaml', '#'.repeat(1024 * 1024 + 10));
    expect(configError(['--config', path], {}).message).toContain('larger than');
  });

  it('does not let __proto__ in a file pollute anything', () => {
    const path = file('p.json', '{"__proto__": {"polluted": true}, "mqtt": {"__proto__": {"x": 1}}}');
    const error = configError(['--config', path], {});
    expect(error.message).toContain('unknown config key "__proto__"');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('loadConfig environment', () => {
  it('lets env beat the file', () => {
    const path = file('c.yaml', 'mqtt:\n  base_topic: from_file\n  username: file_user\n');
    const config = loadConfig({ argv: ['--config', path], env: { SCAN2MQTT_MQTT_BASE_TOPIC: 'from_env' } });
    expect(config.mqtt.base_topic).toBe('from_env');
    expect(config.mqtt.username).toBe('file_user');
  });

  it('reads booleans, integers and lists from env strings', () => {
    const config = loadConfig({
      argv: [],
      env: {
        SCAN2MQTT_HOMEASSISTANT_ENABLED: 'false',
        SCAN2MQTT_DISCOVERY_MDNS: 'FALSE',
        SCAN2MQTT_DISCOVERY_WSD: '0',
        SCAN2MQTT_MQTT_REJECT_UNAUTHORIZED: 'no',
        SCAN2MQTT_POLLING_IDLE_S: '30',
        SCAN2MQTT_SCAN_DEFAULTS_RESOLUTION: '600',
        SCAN2MQTT_DISCOVERY_SANED_HOSTS: 'sane://192.0.2.9, sane://nas:6566',
        SCAN2MQTT_LOG_LEVEL: 'DEBUG',
        SCAN2MQTT_LOG_PRETTY: 'false',
        SCAN2MQTT_DATA_FOLDER: '/var/lib/scan2mqtt',
      },
    });
    expect(config.homeassistant.enabled).toBe(false);
    expect(config.discovery.mdns).toBe(false);
    expect(config.discovery.wsd).toBe(false);
    expect(config.mqtt.reject_unauthorized).toBe(false);
    expect(config.polling.idle_s).toBe(30);
    expect(config.scan.defaults.resolution).toBe(600);
    expect(config.discovery.saned_hosts).toEqual(['sane://192.0.2.9', 'sane://nas:6566']);
    expect(config.log).toEqual({ level: 'debug', pretty: 'false' });
    expect(config.data.folder).toBe('/var/lib/scan2mqtt');
  });

  it('reads SCAN2MQTT_DEVICES as a JSON array (the contract example)', () => {
    const devices = [
      { name: 'Office', protocol: 'escl', url: 'http://192.0.2.7:8080/eSCL' },
      { name: 'Lide', protocol: 'sane', url: 'sane://192.0.2.9:6566/genesys:libusb:001:004', username: 'u', password: 'p' },
      { name: 'Brother', protocol: 'wsd', url: 'http://192.0.2.8:5358/wsd/scan', friendly_name: 'brother' },
    ];
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_DEVICES: JSON.stringify(devices) } });
    expect(config.devices).toEqual(devices);
  });

  it('rejects a word that is not a boolean instead of reading it as true', () => {
    const error = configError([], { SCAN2MQTT_DISCOVERY_MDNS: 'maybe' });
    expect(error.message).toContain('discovery.mdns: must be true or false');
    expect(error.message).toContain('SCAN2MQTT_DISCOVERY_MDNS');
  });

  it('rejects trailing junk in an integer instead of reading the digits', () => {
    const error = configError([], { SCAN2MQTT_POLLING_IDLE_S: '10abc' });
    expect(error.keys).toEqual(['polling.idle_s']);
    expect(configError([], { SCAN2MQTT_POLLING_BUSY_S: '0' }).message).toContain('polling.busy_s: must be at least 1');
  });

  it('names a misspelt SCAN2MQTT_ variable', () => {
    const error = configError([], { SCAN2MQTT_MQTT_PROT: '1883' });
    expect(error.message).toContain('SCAN2MQTT_MQTT_PROT');
    expect(error.keys).toEqual(['SCAN2MQTT_MQTT_PROT']);
  });
});

describe('loadConfig secrets from _FILE variables', () => {
  it('reads SCAN2MQTT_MQTT_PASSWORD_FILE, trimmed', () => {
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_MQTT_PASSWORD_FILE: file('pw', '  s3cret\n') } });
    expect(config.mqtt.password).toBe('s3cret');
  });

  it('reads SCAN2MQTT_DEVICES_FILE', () => {
    const path = file('devices.json', JSON.stringify([{ name: 'A', protocol: 'sane', url: 'sane://192.0.2.9' }]) + '\n');
    expect(loadConfig({ argv: [], env: { SCAN2MQTT_DEVICES_FILE: path } }).devices).toHaveLength(1);
  });

  it('beats the file value like any env variable', () => {
    const config = loadConfig({ argv: ['--config', file('c.yaml', 'mqtt:\n  password: from_file\n')], env: { SCAN2MQTT_MQTT_PASSWORD_FILE: file('pw', 'from_secret') } });
    expect(config.mqtt.password).toBe('from_secret');
  });

  it('names the variable when the secret file is missing, or both forms are set', () => {
    const missing = join(dir, 'missing');
    const error = configError([], { SCAN2MQTT_MQTT_PASSWORD_FILE: missing });
    expect(error.message).toContain('SCAN2MQTT_MQTT_PASSWORD_FILE');
    expect(error.message).toContain(missing);
    const both = configError([], { SCAN2MQTT_MQTT_PASSWORD: 'a', SCAN2MQTT_MQTT_PASSWORD_FILE: file('pw', 'b') });
    expect(both.keys).toEqual(['SCAN2MQTT_MQTT_PASSWORD', 'SCAN2MQTT_MQTT_PASSWORD_FILE']);
  });

  it('offers _FILE only for secrets', () => {
    expect(configError([], { SCAN2MQTT_MQTT_URL_FILE: file('u', 'mqtt://x') }).keys).toEqual(['SCAN2MQTT_MQTT_URL_FILE']);
  });
});

describe('loadConfig bad values name the key', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['bad URL', { SCAN2MQTT_MQTT_URL: 'not a url' }, 'mqtt.url'],
    ['non-MQTT scheme', { SCAN2MQTT_MQTT_URL: 'http://broker:1883' }, 'mqtt.url'],
    ['wildcard in base topic', { SCAN2MQTT_MQTT_BASE_TOPIC: 'scan/#' }, 'mqtt.base_topic'],
    ['plus in base topic', { SCAN2MQTT_MQTT_BASE_TOPIC: 'a+b' }, 'mqtt.base_topic'],
    ['leading slash in base topic', { SCAN2MQTT_MQTT_BASE_TOPIC: '/scan2mqtt' }, 'mqtt.base_topic'],
    ['trailing slash in base topic', { SCAN2MQTT_MQTT_BASE_TOPIC: 'scan2mqtt/' }, 'mqtt.base_topic'],
    ['empty base topic', { SCAN2MQTT_MQTT_BASE_TOPIC: '' }, 'mqtt.base_topic'],
    ['bad log level', { SCAN2MQTT_LOG_LEVEL: 'loud' }, 'log.level'],
    ['bad pretty', { SCAN2MQTT_LOG_PRETTY: 'sometimes' }, 'log.pretty'],
    ['bad embedded broker', { SCAN2MQTT_MQTT_EMBEDDED_BROKER: 'always' }, 'mqtt.embedded_broker'],
    ['bad keepalive', { SCAN2MQTT_MQTT_KEEPALIVE: '70000' }, 'mqtt.keepalive'],
    ['bad default source', { SCAN2MQTT_SCAN_DEFAULTS_SOURCE: 'tray' }, 'scan.defaults.source'],
    ['bad default format', { SCAN2MQTT_SCAN_DEFAULTS_FORMAT: 'gif' }, 'scan.defaults.format'],
    ['bad instance id', { SCAN2MQTT_HOMEASSISTANT_INSTANCE_ID: 'a b' }, 'homeassistant.instance_id'],
    ['template escaping the folder', { SCAN2MQTT_STORAGE_FILENAME_TEMPLATE: '../{job}.{ext}' }, 'storage.filename_template'],
    ['template with unknown placeholder', { SCAN2MQTT_STORAGE_FILENAME_TEMPLATE: '{user}.{ext}' }, 'storage.filename_template'],
    ['negative free-space floor', { SCAN2MQTT_STORAGE_MIN_FREE_MB: '-1' }, 'storage.min_free_mb'],
    ['free-space floor that is not a number', { SCAN2MQTT_STORAGE_MIN_FREE_MB: 'lots' }, 'storage.min_free_mb'],
    ['saned host that is not sane://', { SCAN2MQTT_DISCOVERY_SANED_HOSTS: 'http://192.0.2.9' }, 'discovery.saned_hosts[0]'],
    ['saned host list that is bad JSON', { SCAN2MQTT_DISCOVERY_SANED_HOSTS: '["sane://a"' }, 'discovery.saned_hosts'],
  ];
  it.each(cases)('%s', (_name, env, key) => {
    const error = configError([], env);
    expect(error.keys).toEqual([key]);
    expect(error.message.startsWith(`${key}: `)).toBe(true);
  });

  it('names the key for a bad value in the file too', () => {
    const error = configError(['--config', file('c.yaml', 'mqtt:\n  base_topic: "a/+/b"\npolling:\n  idle_s: -1\n')], {});
    expect(error.keys).toEqual(['mqtt.base_topic', 'polling.idle_s']);
  });

  it('never echoes a secret value in an error', () => {
    const devices = JSON.stringify([{ name: 'A', protocol: 'sane', url: 'ftp://x', password: 'hunter2' }]);
    const error = configError([], { SCAN2MQTT_DEVICES: devices });
    expect(error.message).not.toContain('hunter2');
    const url = configError([], { SCAN2MQTT_MQTT_URL: 'http://user:urlsecret@broker' });
    expect(url.keys).toEqual(['mqtt.url']);
    expect(url.message).not.toContain('urlsecret');
    const typed = configError(['--config', file('c.yaml', 'mqtt:\n  password: 12345\n')], {});
    expect(typed.keys).toEqual(['mqtt.password']);
    expect(typed.message).not.toContain('12345');
  });
});

describe('loadConfig TLS files', () => {
  it('accepts readable CA, cert and key files', () => {
    const env = { SCAN2MQTT_MQTT_CA: file('ca.pem', 'x'), SCAN2MQTT_MQTT_CERT: file('c.pem', 'x'), SCAN2MQTT_MQTT_KEY: file('k.pem', 'x') };
    expect(loadConfig({ argv: [], env }).mqtt.ca).toBe(env.SCAN2MQTT_MQTT_CA);
  });

  it('names a TLS file that cannot be read, and a cert without a key', () => {
    expect(configError([], { SCAN2MQTT_MQTT_CA: join(dir, 'missing.pem') }).keys).toEqual(['mqtt.ca']);
    expect(configError([], { SCAN2MQTT_MQTT_CERT: file('c.pem', 'x') }).keys).toEqual(['mqtt.cert', 'mqtt.key']);
  });
});

describe('loadConfig devices', () => {
  const cases: [string, unknown, string][] = [
    ['unknown protocol', [{ name: 'A', protocol: 'ipp', url: 'http://192.0.2.1/' }], 'devices[0].protocol'],
    ['sane device with http URL', [{ name: 'A', protocol: 'sane', url: 'http://192.0.2.1/' }], 'devices[0].url'],
    ['escl device with sane URL', [{ name: 'A', protocol: 'escl', url: 'http://192.0.2.1/eSCL' }, { name: 'B', protocol: 'escl', url: 'sane://192.0.2.1' }], 'devices[1].url'],
    ['URL that does not parse', [{ name: 'A', protocol: 'wsd', url: 'http//nohost' }], 'devices[0].url'],
    ['missing name', [{ protocol: 'wsd', url: 'http://192.0.2.1/' }], 'devices[0].name'],
    ['unknown field', [{ name: 'A', protocol: 'wsd', url: 'http://192.0.2.1/', port: 80 }], 'devices[0].port'],
    ['insecure_tls not a boolean', [{ name: 'A', protocol: 'escl', url: 'https://192.0.2.1/', insecure_tls: 'yes' }], 'devices[0].insecure_tls'],
    ['entry that is not an object', [{ name: 'A', protocol: 'wsd', url: 'http://192.0.2.1/' }, 'sane://x'], 'devices[1]'],
    ['not an array', { name: 'A' }, 'devices'],
    ['friendly names giving one id', [{ name: 'A', protocol: 'wsd', url: 'http://192.0.2.1/', friendly_name: 'Office' }, { name: 'B', protocol: 'wsd', url: 'http://192.0.2.2/', friendly_name: 'office' }], 'devices[1].friendly_name'],
  ];
  it.each(cases)('%s names the entry and field (env)', (_name, devices, key) => {
    const error = configError([], { SCAN2MQTT_DEVICES: JSON.stringify(devices) });
    expect(error.keys).toEqual([key]);
    expect(error.message.startsWith(`${key}: `)).toBe(true);
  });

  it('names the entry and field for devices in a YAML file', () => {
    const path = file('c.yaml', 'devices:\n  - name: A\n    protocol: escl\n    url: http://192.0.2.7/eSCL\n  - name: B\n    protocol: sane\n    url: http://192.0.2.9\n');
    expect(configError(['--config', path], {}).keys).toEqual(['devices[1].url']);
  });

  it("checks each URL with its protocol module's reader, never echoing credentials in the URL", () => {
    const query = configError([], { SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'A', protocol: 'escl', url: 'http://192.0.2.1/eSCL?x=1' }]) });
    expect(query.keys).toEqual(['devices[0].url']);
    expect(query.message).toContain('no query');
    const sane = configError([], { SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'A', protocol: 'sane', url: 'sane://h:0/x' }]) });
    expect(sane.keys).toEqual(['devices[0].url']);
    const secret = configError([], { SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'A', protocol: 'escl', url: 'ftp://me:hunter2@192.0.2.1/' }]) });
    expect(secret.keys).toEqual(['devices[0].url']);
    expect(secret.message).not.toContain('hunter2');
  });

  it('says when SCAN2MQTT_DEVICES is not JSON', () => {
    const error = configError([], { SCAN2MQTT_DEVICES: '[{"name": "A",' });
    expect(error.keys).toEqual(['devices']);
    expect(error.message).toContain('not valid JSON');
  });

  it('refuses an absurdly long device list', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ name: `d${i}`, protocol: 'wsd', url: `http://192.0.2.1/${i}` }));
    expect(configError([], { SCAN2MQTT_DEVICES: JSON.stringify(many) }).message).toContain('more than');
  });
});

describe('redactedConfig', () => {
  it('hides every password, including the one in a broker URL', () => {
    const config = loadConfig({
      argv: [],
      env: {
        SCAN2MQTT_MQTT_URL: 'mqtt://user:urlpass@broker:1883',
        SCAN2MQTT_MQTT_PASSWORD: 'mqttpass',
        SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'A', protocol: 'sane', url: 'sane://192.0.2.9', username: 'scan', password: 'devpass' }]),
      },
    });
    const shown = redactedConfig(config);
    const text = JSON.stringify(shown);
    for (const secret of ['urlpass', 'mqttpass', 'devpass']) expect(text).not.toContain(secret);
    expect(text).toContain('***');
    expect(text).toContain('"username":"scan"');
    expect(config.mqtt.password).toBe('mqttpass');
    expect(config.devices[0]?.password).toBe('devpass');
  });

  it('leaves an unset password visibly unset', () => {
    const shown = redactedConfig(loadConfig({ argv: [], env: {} })) as { mqtt: { password: string } };
    expect(shown.mqtt.password).toBe('');
  });
});
