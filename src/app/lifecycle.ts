/**
 * Starts a list of components in order and stops them in reverse. A stop asked for while a
 * start is still pending (a SIGTERM while the broker is awaited) stops every step begun so far,
 * the pending one included so its wait ends, and no later step is started.
 */
import type { Component } from '../core/component.js';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** The running list of components. */
export interface Lifecycle {
  /** Starts every component in order; rejects with ScanError('Cancelled') when stop() came first. */
  start(): Promise<void>;
  /** Stops every begun component in reverse order, once; a failing stop is logged and the rest still run. */
  stop(): Promise<void>;
}

/** Builds the lifecycle of `components` (listed in start order). */
export function createLifecycle(components: readonly Component[], logger: Logger): Lifecycle {
  const begun: Component[] = [];
  let stopping: Promise<void> | undefined;

  const stopOne = async (component: Component) => {
    try {
      await component.stop?.();
    } catch (error) {
      logger.error({ err: error, component: component.name }, 'a part failed to stop');
    }
  };

  return {
    async start() {
      for (const component of components) {
        if (stopping) throw new ScanError('Cancelled', 'stopped while starting');
        begun.push(component);
        await component.start?.();
        // Stopped while this step was starting: what its start set up after that stop is taken down now.
        if (stopping) {
          await stopOne(component);
          throw new ScanError('Cancelled', 'stopped while starting');
        }
      }
    },
    stop() {
      stopping ??= (async () => {
        // A pending start is part of what is stopped: its stop makes the wait end (the broker connection).
        for (const component of [...begun].reverse()) await stopOne(component);
      })();
      return stopping;
    },
  };
}
