/** The driver helpers: a read kept only once it succeeded; event sessions ended by closeAll. */
import { describe, expect, it } from 'vitest';
import { EventSessions, keepOnSuccess } from '../../src/core/driver-sessions.js';

describe('keepOnSuccess', () => {
  it('asks again after a failure and never after a success', async () => {
    let calls = 0;
    const read = keepOnSuccess(async () => {
      calls += 1;
      if (calls === 1) throw new Error('device asleep');
      return calls;
    });
    await expect(read()).rejects.toThrow('device asleep');
    expect(await read()).toBe(2);
    expect(await read()).toBe(2);
    expect(calls).toBe(2);
  });
});

describe('EventSessions', () => {
  it('closeAll aborts every open stream and waits for its cleanup', async () => {
    const sessions = new EventSessions();
    const cleaned: string[] = [];
    const stream = sessions.run(new AbortController().signal, async function* (linked) {
      try {
        yield 'first';
        await new Promise((resolve) => linked.addEventListener('abort', resolve));
      } finally {
        cleaned.push('unsubscribed');
      }
    });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe('first');
    const rest = iterator.next();
    await sessions.closeAll(1_000);
    expect(cleaned).toEqual(['unsubscribed']);
    expect((await rest).done).toBe(true);
  });
});
