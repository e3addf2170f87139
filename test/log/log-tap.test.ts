/** The root logger's tap: the live log the frontend shows gets redacted lines, keeps a bounded ring, survives junk. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogTap, MAX_TAPPED_LINE_BYTES } from '../../src/log/log-tap.js';
import { createRootLogger } from '../../src/log/logger.js';

const silentOutput = () => new Writable({ write: (_c, _e, done) => done() });

describe('log tap', () => {
  it('gets every line the root writes, with secrets already masked, in JSON and in pretty mode', () => {
    for (const pretty of ['false', 'true'] as const) {
      const tap = createLogTap();
      const logger = createRootLogger({ level: 'info', pretty, destination: silentOutput(), tap: tap.stream });
      logger.info({ password: 'hunter2', url: 'http://u:pw@host/x', component: 'test' }, 'hello');
      logger.debug('below the level');
      const [record] = tap.recent();
      expect(tap.recent()).toHaveLength(1);
      expect(record).toMatchObject({ level: 30, msg: 'hello', component: 'test', password: '***' });
      expect(JSON.stringify(record)).not.toContain('hunter2');
      expect(JSON.stringify(record)).not.toContain(':pw@');
    }
  });

  it('keeps only the last lines, and hands new ones to subscribers until they leave', () => {
    const tap = createLogTap(3);
    const seen: string[] = [];
    const leave = tap.subscribe((r) => seen.push(String(r.msg)));
    for (let i = 0; i < 5; i += 1) tap.stream.write(`${JSON.stringify({ level: 30, time: i, msg: `m${i}` })}\n`);
    leave();
    tap.stream.write(`${JSON.stringify({ level: 30, time: 9, msg: 'after' })}\n`);
    expect(tap.recent().map((r) => r.msg)).toEqual(['m3', 'm4', 'after']);
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('skips malformed, non-object and oversize lines, and a subscriber that throws', () => {
    const tap = createLogTap();
    tap.subscribe(() => {
      throw new Error('broken viewer');
    });
    tap.stream.write('not json\n{"level":"x"}\nnull\n[1]\n');
    tap.stream.write(`${JSON.stringify({ level: 30, time: 1, msg: 'x'.repeat(MAX_TAPPED_LINE_BYTES) })}\n`);
    tap.stream.write(`${JSON.stringify({ level: 40, time: 2, msg: 'ok' })}\n`);
    tap.stream.write(`${JSON.stringify({ level: 40, time: 3, msg: 'still ok' })}\n`);
    expect(tap.recent().map((r) => r.msg)).toEqual(['ok', 'still ok']);
  });
});
