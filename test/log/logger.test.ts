import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactedConfig } from '../../src/config/load.js';
import { ScanError } from '../../src/core/errors.js';
import { createRootLogger } from '../../src/log/logger.js';

/** A destination stream collecting everything written. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const SECRETS = ['pw-top', 'pw-nested', 'pw-device', 'Basic dXNlcjpwYXNz', 'tok-123', 'pw-child', 'pw-cfg'];

function logSecrets(pretty: 'true' | 'false'): string {
  const out = capture();
  const logger = createRootLogger({ level: 'info', pretty, destination: out.stream });
  logger.info({ password: 'pw-top', device: { password: 'pw-nested' } }, 'connecting');
  logger.info({ devices: [{ name: 'A', password: 'pw-device' }] }, 'devices');
  logger.warn({ request: { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, token: 'tok-123' }, 'http');
  logger.child({ component: 'sane', password: 'pw-child' }).error('auth failed');
  logger.info({ config: { mqtt: { password: 'pw-cfg' } } }, 'config');
  return out.text();
}

describe('createRootLogger', () => {
  it('writes JSON lines at the level asked for', () => {
    const out = capture();
    const logger = createRootLogger({ level: 'warn', pretty: 'false', destination: out.stream });
    logger.info('hidden');
    logger.warn({ scanner: 'office' }, 'shown');
    const lines = out.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, scanner: 'office', msg: 'shown' });
  });

  it('never writes a secret, in JSON or pretty output', () => {
    for (const pretty of ['false', 'true'] as const) {
      const text = logSecrets(pretty);
      expect(text).toContain('auth failed');
      for (const secret of SECRETS) expect(text, `${pretty}: ${secret}`).not.toContain(secret);
      expect(text).toContain('***');
    }
  });

  it('logs a redacted config without its secrets', () => {
    const out = capture();
    const logger = createRootLogger({ level: 'info', pretty: 'false', destination: out.stream });
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_MQTT_PASSWORD: 'hunter2', SCAN2MQTT_MQTT_URL: 'mqtt://u:urlpw@broker' } });
    logger.info({ config: redactedConfig(config) }, 'starting');
    logger.info({ config }, 'even unredacted, the password path is masked');
    expect(out.text()).not.toContain('hunter2');
    expect(out.text()).not.toContain('urlpw');
    expect(out.text()).toContain('mqtt://u:***@broker');
  });

  it('is plain JSON with pretty auto on a non-terminal stream', () => {
    const out = capture();
    createRootLogger({ level: 'info', pretty: 'auto', destination: out.stream }).info('plain');
    expect(JSON.parse(out.text())).toMatchObject({ msg: 'plain' });
  });

  it('is human-readable with pretty auto on a terminal', () => {
    const out = capture();
    Object.assign(out.stream, { isTTY: true });
    createRootLogger({ level: 'info', pretty: 'auto', destination: out.stream }).info('on a tty');
    expect(out.text()).toMatch(/INFO.*on a tty/);
  });

  it('is human-readable with pretty true', () => {
    const out = capture();
    createRootLogger({ level: 'info', pretty: 'true', destination: out.stream }).info('readable');
    expect(out.text()).toMatch(/INFO.*readable/);
    expect(() => JSON.parse(out.text())).toThrow();
  });

  it('refuses an unknown level with a ScanError', () => {
    expect(() => createRootLogger({ level: 'loud', pretty: 'false', destination: capture().stream })).toThrow(ScanError);
  });
});
