/** Sends a scan command over MQTT and waits for the job's final event, as a user's automation would. */
import type { JobEvent } from '../../src/core/job.js';
import type { MqttProbe } from '../helpers/mqtt-probe.js';

/** How long one test scan may take before the wait gives up (a limit, not an assertion). */
export const JOB_WAIT_MS = 60_000;
const FINAL_STATES = ['done', 'failed', 'cancelled'];

/** Publishes `command` (an object, or raw text) on `<base>/<scanner>/scan`; resolves with the final event and every event seen. */
export async function runScan(probe: MqttProbe, scanner: string, command: object | string, base = 'scan2mqtt'): Promise<{ final: JobEvent; all: JobEvent[] }> {
  const jobs = await probe.collect(`${base}/${scanner}/job`);
  try {
    await probe.publish(`${base}/${scanner}/scan`, typeof command === 'string' ? command : JSON.stringify(command));
    const final = await jobs.next((m) => FINAL_STATES.includes(m.json<JobEvent>().state), JOB_WAIT_MS);
    return { final: final.json<JobEvent>(), all: jobs.messages.map((m) => m.json<JobEvent>()) };
  } finally {
    await jobs.stop();
  }
}
