/** Runs optional command-line tools (OCRmyPDF, tiffcp) without a shell, with a time limit and bounded output. */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { ScanError } from '../../core/errors.js';

/** Most stderr kept for the error message. */
const MAX_TOOL_OUTPUT = 64 * 1024;

/** The absolute path of `command` on PATH, or undefined when it is not installed. */
export async function findOnPath(command: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, command);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** Runs `file args`; rejects with ScanError('StorageFailed') carrying the tool's last stderr lines. */
export function runTool(file: string, args: readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: MAX_TOOL_OUTPUT, killSignal: 'SIGKILL', ...(env ? { env } : {}) }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const tail = String(stderr).trim().split('\n').slice(-3).join(' | ');
      const why = error.killed ? `timed out after ${timeoutMs} ms` : `exit ${String(error.code)}`;
      reject(new ScanError('StorageFailed', `${file.split('/').pop() ?? file} failed (${why})${tail ? `: ${tail}` : ''}`, { cause: error }));
    });
  });
}
