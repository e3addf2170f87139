/** A schedule's run ends when the job it submitted has ended, so the scheduler can refuse overlapping runs. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ScanCommand } from '../../src/core/commands.js';
import { ScanError } from '../../src/core/errors.js';
import type { GatewayEvents, ScanTrigger, SubmitOptions } from '../../src/core/gateway-api.js';
import type { JobEvent } from '../../src/core/job.js';
import type { ScheduleConfig } from '../../src/jobs/schedule-config.js';
import { runScheduledScan } from '../../src/jobs/scheduled-scan.js';

const event = (id: string, state: JobEvent['state'], scanner = 'office'): JobEvent => ({ id, scanner, state, pages: 0, files: [], created_at: '2026-01-01T00:00:00Z' });

/** Job events and a submitScan whose answer the test releases. */
class GatewayPort {
  readonly events = new EventEmitter();
  readonly submitted: { scannerId: string; command: ScanCommand; trigger: ScanTrigger; options?: SubmitOptions }[] = [];
  answer: (() => Promise<JobEvent>) | undefined;
  on<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]) {
    this.events.on(event, listener as never);
  }
  off<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]) {
    this.events.off(event, listener as never);
  }
  submitScan(scannerId: string, command: ScanCommand, trigger: ScanTrigger, options?: SubmitOptions): Promise<JobEvent> {
    this.submitted.push({ scannerId, command, trigger, ...(options ? { options } : {}) });
    return this.answer?.() ?? Promise.resolve(event('job-1', 'queued'));
  }
}

const schedule: ScheduleConfig = { name: 'morning mail', cron: '0 7 * * *', scanner: 'office', profile: 'mail', only_if_adf_loaded: false };
const settled = (p: Promise<unknown>) => Promise.race([p.then(() => 'settled', () => 'settled'), new Promise((r) => setImmediate(() => r('pending')))]);

describe('scheduled scan', () => {
  it('submits the schedule profile as a schedule trigger and ends only when its own job has ended', async () => {
    const gateway = new GatewayPort();
    const run = runScheduledScan(gateway, schedule);
    expect(gateway.submitted).toEqual([{ scannerId: 'office', command: { profile: 'mail' }, trigger: 'schedule', options: { schedule: 'morning mail' } }]);
    await Promise.resolve();
    gateway.events.emit('job', 'office', event('job-1', 'scanning'));
    gateway.events.emit('job', 'office', event('other', 'done'));
    gateway.events.emit('job', 'attic', event('job-1', 'done', 'attic'));
    expect(await settled(run)).toBe('pending');
    gateway.events.emit('job', 'office', event('job-1', 'failed'));
    await expect(run).resolves.toBeUndefined();
    expect(gateway.events.listenerCount('job')).toBe(0);
  });

  it('a job that ends before submitScan answers still ends the run', async () => {
    const gateway = new GatewayPort();
    gateway.answer = async () => {
      gateway.events.emit('job', 'office', event('job-1', 'queued'));
      gateway.events.emit('job', 'office', event('job-1', 'cancelled'));
      return event('job-1', 'queued');
    };
    await expect(runScheduledScan(gateway, schedule)).resolves.toBeUndefined();
  });

  it('a refused scan fails the run with the refusal and stops listening', async () => {
    const gateway = new GatewayPort();
    gateway.answer = () => Promise.reject(new ScanError('DeviceOffline', 'scanner office is offline'));
    await expect(runScheduledScan(gateway, { ...schedule, profile: undefined } as ScheduleConfig)).rejects.toMatchObject({ code: 'DeviceOffline' });
    expect(gateway.submitted[0]?.command).toEqual({});
    expect(gateway.events.listenerCount('job')).toBe(0);
  });
});
