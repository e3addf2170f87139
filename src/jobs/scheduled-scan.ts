/** A schedule's run as the scheduler awaits it: the scan is submitted, and the run ends when its job has. */
import { FINAL_JOB_STATES, type JobEvent } from '../core/job.js';
import type { GatewayApi } from '../core/gateway-api.js';
import type { ScheduleConfig } from './schedule-config.js';

/** The part of the gateway a scheduled scan needs. */
export type ScheduledScanPort = Pick<GatewayApi, 'submitScan' | 'on' | 'off'>;

/** Starts a schedule's scan and resolves when that job has finished, so the scheduler can refuse overlapping runs. */
export function runScheduledScan(gateway: ScheduledScanPort, schedule: ScheduleConfig): Promise<void> {
  return new Promise((resolveRun, rejectRun) => {
    let jobId: string | undefined;
    // Job events may arrive before submitScan resolves with the job's id: kept and replayed then.
    const early: JobEvent[] = [];
    const onJob = (scannerId: string, event: JobEvent) => {
      if (scannerId !== schedule.scanner) return;
      if (jobId === undefined) return void early.push(event);
      if (event.id === jobId && FINAL_JOB_STATES.includes(event.state)) {
        gateway.off('job', onJob);
        resolveRun();
      }
    };
    gateway.on('job', onJob);
    gateway.submitScan(schedule.scanner, schedule.profile ? { profile: schedule.profile } : {}, 'schedule', { schedule: schedule.name }).then(
      (queued) => {
        jobId = queued.id;
        for (const event of early.splice(0)) onJob(schedule.scanner, event);
      },
      (error: unknown) => {
        gateway.off('job', onJob);
        rejectRun(error);
      },
    );
  });
}
