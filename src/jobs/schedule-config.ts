/**
 * The `schedules` config section: cron-timed scans. Pure validation; node-cron checks the
 * expression (and the time zone) so a typo stops the start naming `schedules[i].cron`.
 */
import cron from 'node-cron';

/** One scheduled scan. */
export interface ScheduleConfig {
  /** Shown in logs and job history; unique. */
  name: string;
  /** Five fields (minute hour day-of-month month day-of-week); seconds are not supported. */
  cron: string;
  /** Scanner id as on `bridge/devices`. */
  scanner: string;
  profile?: string;
  /** Skip the run unless the feeder reports paper. */
  only_if_adf_loaded: boolean;
  /** IANA time zone, e.g. Europe/Berlin; unset = the gateway's local time. */
  timezone?: string;
}

/** More schedules than anyone needs; bounds a hostile env value. */
export const MAX_SCHEDULES = 64;
const FIELDS = new Set(['name', 'cron', 'scanner', 'profile', 'only_if_adf_loaded', 'timezone']);
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 256;

/** Validates the `schedules` list; throws an Error naming `schedules[i].<field>`. */
export function parseSchedulesConfig(value: unknown): ScheduleConfig[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error('schedules: must be a list');
  if (value.length > MAX_SCHEDULES) throw new Error(`schedules: at most ${MAX_SCHEDULES} entries`);
  const names = new Set<string>();
  return value.map((raw: unknown, index) => {
    const schedule = parseSchedule(raw, `schedules[${index}]`);
    if (names.has(schedule.name)) throw new Error(`schedules[${index}].name: "${schedule.name}" is used twice`);
    names.add(schedule.name);
    return schedule;
  });
}

function parseSchedule(raw: unknown, prefix: string): ScheduleConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${prefix}: must be a mapping with name, cron and scanner`);
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!FIELDS.has(key)) throw new Error(`${prefix}.${key}: is not a known schedule field`);
  const text = (field: string, required: boolean): string | undefined => {
    const v = input[field];
    if (v === undefined || v === null || v === '') {
      if (required) throw new Error(`${prefix}.${field}: is required`);
      return undefined;
    }
    // eslint-disable-next-line no-control-regex
    if (typeof v !== 'string' || v.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(v)) throw new Error(`${prefix}.${field}: must be text of at most ${MAX_TEXT} characters`);
    return v;
  };
  const name = text('name', true) as string;
  if (!NAME.test(name)) throw new Error(`${prefix}.name: may hold letters, digits, _ and - (at most 64)`);
  const expression = (text('cron', true) as string).trim();
  checkCron(expression, `${prefix}.cron`);
  const onlyIfLoaded = input['only_if_adf_loaded'] ?? false;
  if (typeof onlyIfLoaded !== 'boolean') throw new Error(`${prefix}.only_if_adf_loaded: must be true or false`);
  const timezone = text('timezone', false);
  if (timezone !== undefined) checkTimezone(timezone, `${prefix}.timezone`);
  const profile = text('profile', false);
  return {
    name,
    cron: expression,
    scanner: text('scanner', true) as string,
    only_if_adf_loaded: onlyIfLoaded,
    ...(profile !== undefined ? { profile } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
  };
}

/** Five-field cron only: a six-field (seconds) schedule would start a scan every second by mistake. */
function checkCron(expression: string, key: string): void {
  const fields = expression.split(/\s+/);
  if (fields.length !== 5) throw new Error(`${key}: must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  const result = cron.validateDetailed(expression);
  if (!result.valid) throw new Error(`${key}: ${result.errors.map((e) => e.message).join('; ') || 'is not a valid cron expression'}`);
}

function checkTimezone(timezone: string, key: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new Error(`${key}: unknown time zone "${timezone}"`);
  }
}
