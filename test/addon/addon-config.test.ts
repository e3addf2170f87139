/**
 * The add-on's files as Home Assistant and the community add-on linter read them: config.yaml
 * and build.yaml validated with ajv against the linter's published JSON schemas (test data in
 * linter-schema/, regex groups made JavaScript-compatible), the linter's "uses a default value"
 * rule and its extra checks, and the add-on's own promises (options ↔ schema ↔ translations ↔
 * the gateway's settings, versions agreeing with package.json and the changelogs).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { addonEnvironment, INGRESS_PORT } from '../../src/addon/options.js';
import { listConfigKeys } from '../../src/config/schema.js';

const REPO = resolve(import.meta.dirname, '../..');
const readYaml = (path: string) => parse(readFileSync(join(REPO, path), 'utf8')) as Record<string, any>;
const readJson = (path: string) => JSON.parse(readFileSync(join(REPO, path), 'utf8')) as Record<string, any>;
const config = readYaml('addon/config.yaml');
const build = readYaml('addon/build.yaml');
const translations = readYaml('addon/translations/en.yaml');

/** Draft-07 validation as the linter runs it, plus its rule that a property set to its schema default is an error. */
function lint(schemaPath: string, document: Record<string, unknown>): string[] {
  const schema = readJson(schemaPath);
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
  ajv.addFormat('uri-reference', true);
  const validate = ajv.compile(schema);
  const errors = validate(document) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`);
  for (const [name, sub] of Object.entries(schema.properties as Record<string, { default?: unknown }>)) {
    if ('default' in sub && JSON.stringify(document[name]) === JSON.stringify(sub.default)) errors.push(`'${name}' should be removed, it uses a default value`);
  }
  return errors;
}

describe('the add-on config', () => {
  it('passes the linter schema of config.yaml, with no key set to its default', () => {
    expect(lint('test/addon/linter-schema/config.schema.json', config)).toEqual([]);
  });

  it('passes the linter schema of build.yaml', () => {
    expect(lint('test/addon/linter-schema/build.schema.json', build)).toEqual([]);
  });

  it('catches a bad service, a key left at its default and an unknown map folder', () => {
    expect(lint('test/addon/linter-schema/config.schema.json', { ...config, services: ['mqtt:maybe'] }).join()).toMatch(/services\/0/);
    expect(lint('test/addon/linter-schema/config.schema.json', { ...config, host_network: false }).join()).toContain("'host_network' should be removed");
    expect(lint('test/addon/linter-schema/config.schema.json', { ...config, map: ['nowhere'] }).join()).toMatch(/map/);
  });

  it('keeps the linter\'s extra rules', () => {
    const deprecatedArchs = ['armhf', 'armv7', 'i386'];
    expect(config.arch.filter((a: string) => deprecatedArchs.includes(a))).toEqual([]);
    expect(Object.keys(build.build_from).filter((a) => deprecatedArchs.includes(a))).toEqual([]);
    expect(new Set(config.arch)).toEqual(new Set(Object.keys(build.build_from)));
    if (config.ingress) expect(config.webui).toBeUndefined();
    for (const obsolete of ['watchdog', 'codenotary', 'auto_uart', 'full_access', 'advanced']) expect(config[obsolete]).toBeUndefined();
    for (const obsolete of ['codenotary', 'squash']) expect(build[obsolete]).toBeUndefined();
    expect(config.map.some((m: string) => /^config(:|$)/.test(m))).toBe(false);
  });

  it('asks for what the issue lists: host network, mqtt:want, share/media/addon_config, ingress on the frontend port', () => {
    expect(config.host_network).toBe(true);
    expect(config.services).toEqual(['mqtt:want']);
    expect(config.map.map((m: string) => m.split(':')[0]).sort()).toEqual(['addon_config', 'media', 'share']);
    expect(config.ingress).toBe(true);
    expect(config.ingress_port).toBe(INGRESS_PORT);
    expect(config.ingress_port).toBe(8088);
  });

  it('has a default for every required option, and only options the schema knows', () => {
    for (const name of Object.keys(config.options)) expect(config.schema).toHaveProperty(name);
    for (const [name, type] of Object.entries(config.schema as Record<string, unknown>)) {
      const optional = typeof type === 'string' && type.endsWith('?');
      if (!optional && !Array.isArray(type)) expect(config.options, name).toHaveProperty(name);
    }
  });

  it('names and explains every option in translations/en.yaml', () => {
    for (const name of Object.keys(config.schema)) {
      expect(translations.configuration[name]?.name, name).toEqual(expect.any(String));
      expect(translations.configuration[name]?.description, name).toEqual(expect.any(String));
    }
  });

  it('maps every option onto a gateway setting of the same meaning', () => {
    const all = {
      ...config.options,
      mqtt_url: 'mqtt://broker:1883', mqtt_username: 'u', mqtt_password: 'p', storage_folder: '/share/x', filename_template: '{job}.{ext}',
      frontend_auth_token: 't', devices: [{ name: 'A', protocol: 'escl', url: 'http://192.0.2.1/eSCL' }],
    };
    const env = addonEnvironment(all, undefined, { root: '/', configFileExists: false });
    const known = new Set(listConfigKeys().map((k) => k.env));
    // Settings of the web frontend and the eSCL server come with those features (issues 12 and 15).
    const comingWithOtherIssues = (name: string) => /^SCAN2MQTT_(FRONTEND|ESCL_SERVER)_/.test(name);
    for (const name of Object.keys(env)) expect(known.has(name) || comingWithOtherIssues(name), name).toBe(true);
    expect(env).toMatchObject({
      SCAN2MQTT_MQTT_URL: 'mqtt://broker:1883', SCAN2MQTT_MQTT_USERNAME: 'u', SCAN2MQTT_MQTT_PASSWORD: 'p',
      SCAN2MQTT_MQTT_BASE_TOPIC: 'scan2mqtt', SCAN2MQTT_HOMEASSISTANT_DISCOVERY_PREFIX: 'homeassistant',
      SCAN2MQTT_STORAGE_FOLDER: '/share/x', SCAN2MQTT_STORAGE_FILENAME_TEMPLATE: '{job}.{ext}',
      SCAN2MQTT_DISCOVERY_MDNS: 'true', SCAN2MQTT_DISCOVERY_WSD: 'true', SCAN2MQTT_ESCL_SERVER_ENABLED: 'false',
      SCAN2MQTT_LOG_LEVEL: 'info', SCAN2MQTT_FRONTEND_AUTH_TOKEN: 't', SCAN2MQTT_DATA_FOLDER: '/data',
      SCAN2MQTT_DEVICES: '[{"name":"A","protocol":"escl","url":"http://192.0.2.1/eSCL"}]',
    });
    expect(config.schema.log_level).toBe('list(trace|debug|info|warn|error|fatal)');
  });

  it('has the version of package.json, with a changelog entry for it in both changelogs', () => {
    const pkg = readJson('package.json');
    expect(config.version).toBe(pkg.version);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readFileSync(join(REPO, 'addon/CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(readFileSync(join(REPO, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## \\[?${pkg.version.replace(/\./g, '\\.')}\\]?`, 'm'));
  });

  it('is listed by a repository.yaml at the root', () => {
    const repository = readYaml('repository.yaml');
    expect(repository.name).toEqual(expect.any(String));
    expect(repository.url).toMatch(/^https:\/\//);
  });
});
