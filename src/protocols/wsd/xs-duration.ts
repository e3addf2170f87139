/**
 * WS-Eventing `Expires` values: an xs:duration (`PT1H`, `P1DT2H`, `PT3600.5S`) or an absolute
 * xs:dateTime; both become milliseconds from now. Pure.
 */

/** Longest lifetime taken from a device (a year); longer values are capped, not trusted. */
export const MAX_EXPIRES_MS = 366 * 24 * 3600 * 1000;

const DURATION = /^P(?:(\d{1,4})Y)?(?:(\d{1,4})M)?(?:(\d{1,6})D)?(?:T(?:(\d{1,7})H)?(?:(\d{1,9})M)?(?:(\d{1,10}(?:\.\d{1,9})?)S)?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Milliseconds an Expires value leaves from `now` (0 when already past); undefined when unreadable. */
export function parseExpires(text: string, now: number): number | undefined {
  const value = text.trim();
  if (value.length > 64) return undefined;
  const m = DURATION.exec(value);
  if (m && value !== 'P' && !value.endsWith('T')) {
    const [years, months, days, hours, minutes, seconds] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number, number, number, number];
    // Years and months as their average lengths: devices grant hours, never months.
    const ms = ((((years * 365.25 + months * 30.44 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
    return Math.min(MAX_EXPIRES_MS, Math.round(ms));
  }
  if (DATE_TIME.test(value)) {
    // A dateTime without a zone is read as UTC: devices without a clock setting run on UTC.
    const at = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
    if (Number.isNaN(at)) return undefined;
    return Math.min(MAX_EXPIRES_MS, Math.max(0, at - now));
  }
  return undefined;
}
