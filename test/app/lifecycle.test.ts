/** The composition root's lifecycle: components start in list order, stop in reverse, and a stop during a start is clean. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLifecycle } from '../../src/app/lifecycle.js';
import type { Component } from '../../src/core/component.js';

const logger = pino({ level: 'silent' });

/** A component that writes what happens to it into `log`; its start waits for `gate` when given. */
function part(name: string, log: string[], gate?: Promise<void>): Component {
  return {
    name,
    async start() {
      log.push(`start ${name}`);
      await gate;
      log.push(`started ${name}`);
    },
    stop() {
      log.push(`stop ${name}`);
    },
  };
}

describe('lifecycle', () => {
  it('starts in list order and stops in reverse, start-only and stop-only halves in their places', async () => {
    const log: string[] = [];
    const lifecycle = createLifecycle(
      [part('store', log), { name: 'publisher (stop)', stop: () => void log.push('stop publisher') }, part('gateway', log), { name: 'publisher (start)', start: () => void log.push('start publisher') }],
      logger,
    );
    await lifecycle.start();
    await lifecycle.stop();
    expect(log).toEqual(['start store', 'started store', 'start gateway', 'started gateway', 'start publisher', 'stop gateway', 'stop publisher', 'stop store']);
  });

  it('a stop while a start waits stops what began (the waiting part too), starts nothing after it, and stops that part again once its start returns', async () => {
    const log: string[] = [];
    let open!: () => void;
    const waiting = new Promise<void>((resolve) => (open = resolve));
    const lifecycle = createLifecycle([part('folders', log), part('broker', log, waiting), part('gateway', log)], logger);
    const started = lifecycle.start();
    await new Promise((resolve) => setImmediate(resolve));
    await lifecycle.stop();
    expect(log).toEqual(['start folders', 'started folders', 'start broker', 'stop broker', 'stop folders']);
    open();
    await expect(started).rejects.toMatchObject({ code: 'Cancelled' });
    // What the broker's start set up after the first stop is taken down; the gateway never started.
    expect(log.slice(5)).toEqual(['started broker', 'stop broker']);
  });

  it('stops once however often asked, and a failing stop does not keep the others from stopping', async () => {
    const log: string[] = [];
    const broken: Component = { name: 'broken', stop: () => Promise.reject(new Error('disk gone')) };
    const lifecycle = createLifecycle([part('first', log), broken, part('last', log)], logger);
    await lifecycle.start();
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    expect(log.filter((l) => l.startsWith('stop'))).toEqual(['stop last', 'stop first']);
  });

  it('a start that fails rejects with its error and starts nothing after it', async () => {
    const log: string[] = [];
    const refusing: Component = { name: 'connection', start: () => Promise.reject(Object.assign(new Error('login refused'), { code: 'AccessDenied' })) };
    const lifecycle = createLifecycle([part('first', log), refusing, part('never', log)], logger);
    await expect(lifecycle.start()).rejects.toMatchObject({ code: 'AccessDenied' });
    expect(log).toEqual(['start first', 'started first']);
  });
});
