/** Runs `scan2mqtt doctor` as a user does (`tsx src/main.ts doctor`), optionally inside a network namespace. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
/** A limit for one doctor run (its own steps time out sooner), not an assertion. */
const RUN_LIMIT_MS = 60_000;

/** What one doctor run printed and returned. */
export interface DoctorRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the doctor with a clean SCAN2MQTT environment plus `env`. */
export function runDoctorCommand(env: Record<string, string>, netns?: string): Promise<DoctorRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
  const [command, args] = netns ? ['ip', ['netns', 'exec', netns, TSX, 'src/main.ts', 'doctor']] : [TSX, ['src/main.ts', 'doctor']];
  return new Promise((done) => {
    execFile(command, args, { cwd: REPO, env: { ...clean, ...env }, timeout: RUN_LIMIT_MS }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The report's lines of one area, e.g. `broker`. */
export function areaLines(stdout: string, area: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(`${area}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break;
    out.push(line.trim());
  }
  return out;
}
