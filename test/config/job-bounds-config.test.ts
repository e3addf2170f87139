/** The job bounds and keep_partial settings: the defaults a user gets are the ones the README and CONTRACT state. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { listConfigKeys } from '../../src/config/schema.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** The defaults the README's configuration table gives for the variables of one row. */
function readmeDefaults(variable: string): Record<string, string> {
  const row = README.split('\n').find((line) => line.startsWith('| ') && line.includes(`\`${variable}\``));
  expect(row, `README row for ${variable}`).toBeDefined();
  const [names = '', defaults = ''] = row!.split('|').slice(1, 3);
  const vars = [...names.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!);
  const values = [...defaults.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
  return Object.fromEntries(vars.map((v, i) => [v, values[i] ?? '']));
}

describe('scan.jpeg_quality', () => {
  it('defaults to 90, as the README states, and takes 1..100 from its variable', () => {
    expect(loadConfig({ argv: [], env: {} }).scan.jpeg_quality).toBe(90);
    expect(readmeDefaults('SCAN2MQTT_SCAN_JPEG_QUALITY').SCAN2MQTT_SCAN_JPEG_QUALITY).toBe('90');
    expect(loadConfig({ argv: [], env: { SCAN2MQTT_SCAN_JPEG_QUALITY: '75' } }).scan.jpeg_quality).toBe(75);
    for (const bad of ['0', '101', 'high']) expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_SCAN_JPEG_QUALITY: bad } }), bad).toThrow(/scan\.jpeg_quality/);
  });
});

describe('scan bounds settings', () => {
  it('default to 500 pages, 10240 MiB, 1024 bytes/s after 120 s, keeping partial batches', () => {
    const { scan } = loadConfig({ argv: [], env: {} });
    expect(scan).toMatchObject({ max_pages: 500, max_job_mb: 10_240, min_page_bytes_per_s: 1024, page_grace_s: 120, keep_partial: true });
  });

  it('the README states the same defaults as the schema, under the generated env names', () => {
    const keys = listConfigKeys().filter((k) => /^scan\.(max_pages|max_job_mb|min_page_bytes_per_s|page_grace_s|keep_partial)$/.test(k.key));
    expect(keys.map((k) => k.env)).toContain('SCAN2MQTT_SCAN_MAX_PAGES');
    expect(keys).toHaveLength(5);
    for (const key of keys) expect(readmeDefaults(key.env)[key.env], key.env).toBe(String(key.default));
  });

  it('are set by their environment variables and refuse nonsense', () => {
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_SCAN_MAX_PAGES: '3', SCAN2MQTT_SCAN_KEEP_PARTIAL: 'false', SCAN2MQTT_SCAN_PAGE_GRACE_S: '5' } });
    expect(config.scan).toMatchObject({ max_pages: 3, keep_partial: false, page_grace_s: 5 });
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_SCAN_MAX_PAGES: '0' } })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_SCAN_MIN_PAGE_BYTES_PER_S: 'fast' } })).toThrow(/scan\.min_page_bytes_per_s/);
  });
});
