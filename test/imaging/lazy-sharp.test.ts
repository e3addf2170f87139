/**
 * sharp (libvips, ~19 MiB resident) is loaded at the first page that needs it: loading the whole
 * gateway's code (the composition root, which starts nothing on import) maps no libvips.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const CHECK = `
import { readFileSync } from 'node:fs';
await import(${JSON.stringify(resolve(REPO, 'src/app/gateway-app.ts'))});
const before = /libvips/.test(readFileSync('/proc/self/maps', 'utf8'));
const { loadSharp } = await import(${JSON.stringify(resolve(REPO, 'src/imaging/sharp-loader.ts'))});
await loadSharp();
const after = /libvips/.test(readFileSync('/proc/self/maps', 'utf8'));
console.log(JSON.stringify({ before, after }));
`;

describe('lazy sharp', () => {
  it('importing the gateway maps no libvips; loadSharp() does', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHECK], { cwd: REPO, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1) ?? '{}')).toEqual({ before: false, after: true });
  });
});
