import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, helpText, loadConfig, parseCliArgs } from '../../src/config/load.js';
import { envNameFor, listConfigKeys } from '../../src/config/schema.js';

const EXAMPLE = fileURLToPath(new URL('../../config/scan2mqtt.example.yaml', import.meta.url));

describe('parseCliArgs', () => {
  it('reads --config PATH, --config=PATH and -c PATH', () => {
    expect(parseCliArgs(['--config', '/etc/s.yaml'])).toEqual({ configPath: '/etc/s.yaml', help: false, version: false, healthcheck: false });
    expect(parseCliArgs(['--config=/etc/s.yaml']).configPath).toBe('/etc/s.yaml');
    expect(parseCliArgs(['-c', 'rel.json']).configPath).toBe('rel.json');
  });

  it('reads --help and --version', () => {
    expect(parseCliArgs(['--help'])).toMatchObject({ help: true, version: false });
    expect(parseCliArgs(['-h', '--version'])).toMatchObject({ help: true, version: true });
    expect(parseCliArgs([])).toEqual({ help: false, version: false, healthcheck: false });
    expect(parseCliArgs(['--healthcheck', '-c', 'x.yaml'])).toMatchObject({ healthcheck: true, configPath: 'x.yaml' });
  });

  it('rejects --config without a path and unknown arguments, naming them', () => {
    expect(() => parseCliArgs(['--config'])).toThrow(ConfigError);
    expect(() => parseCliArgs(['--config', '--help'])).toThrow(/--config needs a file path/);
    expect(() => parseCliArgs(['--config='])).toThrow(/needs a file path/);
    expect(() => parseCliArgs(['--confg', 'x'])).toThrow(/unknown command-line argument "--confg"/);
  });
});

describe('schema key list', () => {
  it('derives env names from key paths', () => {
    expect(envNameFor('mqtt.base_topic')).toBe('SCAN2MQTT_MQTT_BASE_TOPIC');
    const envs = listConfigKeys().map((key) => key.env);
    for (const name of [
      'SCAN2MQTT_MQTT_URL',
      'SCAN2MQTT_MQTT_USERNAME',
      'SCAN2MQTT_MQTT_PASSWORD',
      'SCAN2MQTT_MQTT_BASE_TOPIC',
      'SCAN2MQTT_HOMEASSISTANT_ENABLED',
      'SCAN2MQTT_HOMEASSISTANT_DISCOVERY_PREFIX',
      'SCAN2MQTT_STORAGE_FOLDER',
      'SCAN2MQTT_DATA_FOLDER',
      'SCAN2MQTT_DISCOVERY_MDNS',
      'SCAN2MQTT_DISCOVERY_WSD',
      'SCAN2MQTT_LOG_LEVEL',
      'SCAN2MQTT_DEVICES',
    ]) {
      expect(envs).toContain(name);
    }
    expect(new Set(envs).size).toBe(envs.length);
  });

  it('marks the secrets sensitive', () => {
    const sensitive = listConfigKeys().filter((key) => key.sensitive).map((key) => key.key);
    expect(sensitive).toEqual(['mqtt.password', 'devices', 'targets', 'escl_server.password', 'frontend.auth_token']);
  });

  it('--help lists every key with its env name and default', () => {
    const help = helpText('1.2.3');
    expect(help).toContain('1.2.3');
    expect(help).toContain('--config PATH');
    for (const key of listConfigKeys()) {
      expect(help).toContain(key.key);
      expect(help).toContain(key.env);
    }
    expect(help).toContain('default: mqtt://localhost:1883');
  });
});

describe('config/scan2mqtt.example.yaml', () => {
  it('documents every key of the schema', () => {
    const example = parseYaml(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
    for (const { key } of listConfigKeys()) {
      const parts = key.split('.');
      let node: unknown = example;
      for (const part of parts) {
        expect(node, key).toBeTypeOf('object');
        expect(Object.keys(node as object), key).toContain(part);
        node = (node as Record<string, unknown>)[part];
      }
    }
  });

  it('loads as-is and gives the defaults', () => {
    const fromExample = loadConfig({ argv: ['--config', EXAMPLE], env: {} });
    const defaults = loadConfig({ argv: [], env: {} });
    fromExample.mqtt.client_id = defaults.mqtt.client_id;
    const { userKeys: setByExample, ...exampleValues } = fromExample;
    const { userKeys: _none, ...defaultValues } = defaults;
    expect(exampleValues).toEqual(defaultValues);
    // Its empty url keeps the zero-config broker choice (a set url, even the default, is waited for).
    expect(setByExample.has('mqtt.url')).toBe(false);
    expect(_none.size).toBe(0);
  });

  it('loads with its commented examples (devices, profiles, targets, schedules) switched on', () => {
    let text = readFileSync(EXAMPLE, 'utf8');
    for (const section of ['devices', 'profiles', 'targets', 'schedules']) {
      // Drop the empty default line, then uncomment the block that starts with `#<section>:`.
      text = text.replace(new RegExp(`^${section}: (\\[\\]|\\{\\})\\n`, 'm'), '');
      text = text.replace(new RegExp(`^#${section}:\\n(#.*\\n)*`, 'm'), (block) => block.replace(/^#/gm, ''));
    }
    const dir = mkdtempSync(join(tmpdir(), 'scan2mqtt-example-'));
    try {
      const path = join(dir, 'with-examples.yaml');
      writeFileSync(path, text);
      const config = loadConfig({ argv: ['--config', path], env: {} });
      expect(config.devices.map((device) => device.protocol)).toEqual(['escl', 'sane', 'wsd']);
      expect(config.profiles.map((profile) => profile.name)).toEqual(['document', 'photo']);
      expect(config.targets.map((target) => target.name)).toEqual(['paperless', 'archive']);
      expect(config.schedules.map((schedule) => schedule.name)).toEqual(['morning_mail']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
