/** What one doctor check found, and how the report is printed. Pure. */

/** `ok`: fine; `problem`: the gateway will not work as configured (exit 1); `note`: worth knowing, not wrong. */
export type CheckStatus = 'ok' | 'problem' | 'note';

/** The part of the setup a check looks at, in the order the report lists them. */
export const CHECK_AREAS = ['broker', 'folders', 'multicast', 'devices'] as const;
/** One of CHECK_AREAS. */
export type CheckArea = (typeof CHECK_AREAS)[number];

/** One finding, in plain words, with the fix when something is wrong. */
export interface CheckResult {
  area: CheckArea;
  /** What was checked: `mqtt://127.0.0.1:1883`, `storage folder /data/scans`, `eth0 (IPv4)`. */
  subject: string;
  status: CheckStatus;
  /** What was found. */
  message: string;
  /** What to do about it (problems and notes). */
  fix?: string;
}

const MARK: Record<CheckStatus, string> = { ok: 'ok     ', problem: 'PROBLEM', note: 'note   ' };

/** The report as printed: one block per area, then a verdict line. */
export function renderReport(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const area of CHECK_AREAS) {
    const ofArea = results.filter((r) => r.area === area);
    if (ofArea.length === 0) continue;
    lines.push(`${area}:`);
    for (const r of ofArea) {
      lines.push(`  ${MARK[r.status]} ${r.subject}: ${r.message}`);
      if (r.fix && r.status !== 'ok') lines.push(`          fix: ${r.fix}`);
    }
  }
  const problems = results.filter((r) => r.status === 'problem').length;
  lines.push(problems === 0 ? 'All is well.' : `${problems} problem${problems === 1 ? '' : 's'} found.`);
  return lines.join('\n') + '\n';
}

/** The exit code of `scan2mqtt doctor`: 0 only when no check found a problem. */
export function doctorExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'problem') ? 1 : 0;
}
