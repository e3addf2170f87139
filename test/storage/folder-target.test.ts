import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Readable } from 'node:stream';
import { ScanError } from '../../src/core/errors.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { DEFAULT_FILENAME_TEMPLATE, renderFilename, sanitizeValue } from '../../src/storage/folder/filename-template.js';
import { createJobStorage } from '../../src/storage/job-storage.js';
import type { DeliveryContext, OutputDocument } from '../../src/storage/target.js';
import { makeImage, makeTempDir, pageFrom, settingsFor, silentLogger } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let sourceDoc: OutputDocument;
const ctx: DeliveryContext = { jobId: 'j1', scannerId: 'office', scannerName: 'Office', createdAt: new Date(2024, 0, 2, 3, 4, 5) };
const values = { scanner: 'office', date: '2024-01-02', time: '030405', job: 'j1', page: '001', ext: 'pdf' };

/** Every file below `dir`, relative, hidden ones included. */
async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

/** Rejection of `promise` as a ScanError. */
async function scanErrorOf(promise: Promise<unknown>): Promise<ScanError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ScanError);
  return error as ScanError;
}

/** Mounts a tmpfs for a test; undefined when this environment may not mount (not root, no CAP_SYS_ADMIN). */
function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  await chmod(root, 0o755);
  const path = join(root, 'source.pdf');
  await writeFile(path, '%PDF-1.4 pretend document');
  sourceDoc = { path, format: 'pdf', extension: 'pdf', mimeType: 'application/pdf', firstPage: 1, pages: 2, bytes: 25 };
});
afterAll(() => cleanup());

describe('filename templates', () => {
  it('renders the default template', () => {
    expect(renderFilename(DEFAULT_FILENAME_TEMPLATE, values)).toBe('office/2024-01-02_030405_j1_001.pdf');
  });
  it('sanitises substituted values: separators, NUL, control characters, dot names', () => {
    expect(sanitizeValue('a/b\\c')).toBe('a_b_c');
    expect(sanitizeValue('x\0y\n\u001bz')).toBe('x_y__z');
    expect(sanitizeValue('..')).toBe('__');
    expect(sanitizeValue('.hidden')).toBe('_hidden');
    expect(sanitizeValue('')).toBe('_');
    expect(sanitizeValue('x'.repeat(500))).toHaveLength(80);
    expect(renderFilename('{scanner}/{job}.{ext}', { ...values, scanner: '..', job: '../../etc/passwd' })).toBe('__/___.._etc_passwd.pdf');
  });
  it('refuses templates that escape, are absolute, or use unknown placeholders', () => {
    for (const template of ['../{job}.{ext}', '/etc/{job}.{ext}', 'a/../../{job}', '{scanner}/{nope}.{ext}', 'a\0b', '', '{scanner}//{job}', 'a\\b']) {
      expect(() => renderFilename(template, values), template).toThrow(ScanError);
    }
  });
});

describe('folder target', () => {
  it('stores under the rendered name, atomically, leaving no temp files', async () => {
    const folder = join(root, 'plain');
    const [stored] = await createFolderTarget({ folder, logger: silentLogger, fileMode: 0o640 }).deliver(sourceDoc, ctx);
    expect(stored).toEqual({ path: join(folder, 'office', '2024-01-02_030405_j1_001.pdf'), location: 'office/2024-01-02_030405_j1_001.pdf', format: 'pdf', bytes: 25, pages: 2 });
    expect(await listAll(folder)).toEqual([`office${sep}2024-01-02_030405_j1_001.pdf`]);
    expect(execFileSync('stat', ['-c', '%a', stored?.path ?? ''], { encoding: 'utf8' }).trim()).toBe('640');
  });

  it('never overwrites: a taken name gets -1, -2 and the old file keeps its bytes', async () => {
    const folder = join(root, 'taken');
    await mkdir(join(folder, 'office'), { recursive: true });
    await writeFile(join(folder, 'office', 'j1.pdf'), 'older scan');
    const target = createFolderTarget({ folder, filenameTemplate: '{scanner}/{job}.{ext}', logger: silentLogger });
    const first = await target.deliver(sourceDoc, ctx);
    const second = await target.deliver(sourceDoc, ctx);
    expect([first[0]?.path, second[0]?.path]).toEqual([join(folder, 'office', 'j1-1.pdf'), join(folder, 'office', 'j1-2.pdf')]);
    expect(await readFile(join(folder, 'office', 'j1.pdf'), 'utf8')).toBe('older scan');
  });

  it('keeps hostile job and scanner ids inside the folder', async () => {
    const folder = join(root, 'hostile');
    const target = createFolderTarget({ folder, logger: silentLogger });
    const [stored] = await target.deliver(sourceDoc, { ...ctx, jobId: '../../../../tmp/evil', scannerId: '/etc\0' });
    expect(stored?.path.startsWith(folder + sep)).toBe(true);
    expect(await listAll(folder)).toEqual([`_etc_${sep}2024-01-02_030405____.._.._.._tmp_evil_001.pdf`]);
  });

  it('refuses a bad template when created', () => {
    expect(() => createFolderTarget({ folder: root, filenameTemplate: '../{job}.{ext}', logger: silentLogger })).toThrow(/must not contain/);
    expect(() => createFolderTarget({ folder: root, filenameTemplate: '/abs/{job}.{ext}', logger: silentLogger })).toThrow(/relative/);
  });

  it('refuses to follow a symlinked subfolder out of the folder', async () => {
    const folder = join(root, 'linked');
    const outside = join(root, 'outside');
    await mkdir(folder);
    await mkdir(outside);
    await symlink(outside, join(folder, 'office'));
    const error = await scanErrorOf(createFolderTarget({ folder, logger: silentLogger }).deliver(sourceDoc, ctx));
    expect(error.code).toBe('InvalidRequest');
    expect(await readdir(outside)).toEqual([]);
  });

  it('says "not a directory" when the folder is a file', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    const error = await scanErrorOf(createFolderTarget({ folder: file, logger: silentLogger }).deliver(sourceDoc, ctx));
    expect(error.code).toBe('StorageFailed');
    expect(error.message).toMatch(/^not a directory: /);
  });

  it('says "permission denied" when the process may not write there', async (t) => {
    if (process.geteuid?.() !== 0 || !process.seteuid) return t.skip();
    const folder = join(root, 'locked');
    await mkdir(folder, { mode: 0o555 });
    await chmod(folder, 0o555);
    const target = createFolderTarget({ folder, logger: silentLogger });
    process.seteuid(65534); // root bypasses mode bits; drop to nobody for this one call
    const result = target.deliver(sourceDoc, ctx).finally(() => process.seteuid?.(0));
    const error = await scanErrorOf(result);
    expect(error.code).toBe('StorageFailed');
    expect(error.message).toBe(`permission denied: ${join(folder, 'office')}`);
  });

  it('says "read-only file system" on a read-only mount and "disk full" when space runs out', async (t) => {
    const readOnly = join(root, 'ro');
    const tiny = join(root, 'tiny');
    await mkdir(readOnly);
    await mkdir(tiny);
    if (!tryMount(readOnly, 'ro,size=64k')) return t.skip();
    try {
      const error = await scanErrorOf(createFolderTarget({ folder: readOnly, logger: silentLogger }).deliver(sourceDoc, ctx));
      expect(error.message).toMatch(/^read-only file system: /);
    } finally {
      execFileSync('umount', [readOnly]);
    }
    if (!tryMount(tiny, 'size=64k')) return t.skip();
    try {
      const big = join(root, 'big.jpg');
      await writeFile(big, await makeImage(600, 600, 'png')); // ~1 MB, far over 64 KiB
      const error = await scanErrorOf(createFolderTarget({ folder: tiny, logger: silentLogger }).deliver({ ...sourceDoc, path: big }, ctx));
      expect(error.code).toBe('StorageFailed');
      expect(error.message).toMatch(/^disk full: .*2024-01-02_030405_j1_001\.pdf$/);
      expect(await listAll(tiny)).toEqual([]); // no temp file, no half file
    } finally {
      execFileSync('umount', [tiny]);
    }
  });
});

describe('job storage atomicity', () => {
  /** A page stream that delivers some bytes, then fails like a dropped connection. */
  function failingPage(head: Buffer, index: number) {
    let sent = false;
    const data = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(head);
        } else this.destroy(new Error('socket hang up'));
      },
    });
    return { index, data };
  }

  it('a page stream that fails mid-page leaves nothing in the folder and nothing in the spool', async () => {
    const spoolFolder = join(root, 'spool-fail');
    const folder = join(root, 'out-fail');
    const session = createJobStorage({ spoolFolder, logger: silentLogger }).begin({ ...ctx, settings: settingsFor('pdf') });
    const jpeg = await makeImage(400, 300, 'jpeg');
    await session.addPage(pageFrom(jpeg, 1));
    const progress: number[] = [];
    const error = await scanErrorOf(session.addPage(failingPage(jpeg.subarray(0, 1000), 2), (bytes) => progress.push(bytes)));
    expect(error.code).toBe('DeviceError');
    expect(error.message).toMatch(/page 2 stream failed: socket hang up/);
    expect(progress).toEqual([1000]);
    await session.abort();
    expect(await readdir(spoolFolder)).toEqual([]);
    await mkdir(folder);
    expect(await listAll(folder)).toEqual([]);
    await expect(session.finish([createFolderTarget({ folder, logger: silentLogger })])).rejects.toThrow(/already closed/);
  });

  it('refuses pages that are empty, unknown or over the size limit, without leftovers', async () => {
    const spoolFolder = join(root, 'spool-bad');
    const session = createJobStorage({ spoolFolder, logger: silentLogger, maxPageBytes: 50_000 }).begin({ ...ctx, settings: settingsFor('jpeg') });
    expect((await scanErrorOf(session.addPage(pageFrom(Buffer.alloc(0), 1)))).message).toMatch(/empty/);
    expect((await scanErrorOf(session.addPage(pageFrom(Buffer.from('<html>error</html>'), 2, { declaredType: 'image/jpeg' })))).message).toMatch(/declared image\/jpeg/);
    expect((await scanErrorOf(session.addPage(pageFrom(Buffer.alloc(60_000, 0xff), 3)))).message).toMatch(/50000-byte limit/);
    const [jobDir] = await readdir(spoolFolder);
    expect(await readdir(join(spoolFolder, jobDir ?? ''))).toEqual([]);
    await session.abort();
    expect(await readdir(spoolFolder)).toEqual([]);
  });

  it('writes each byte once: the file is hard-linked into the folder; a second target gets its own copy, mode and all', async () => {
    const path = join(root, 'linked-source.pdf');
    await writeFile(path, '%PDF-1.4 linked document');
    const doc = { ...sourceDoc, path, bytes: 24 };
    const [first] = await createFolderTarget({ folder: join(root, 'linked-a'), logger: silentLogger, fileMode: 0o640 }).deliver(doc, ctx);
    const [second] = await createFolderTarget({ folder: join(root, 'linked-b'), logger: silentLogger, fileMode: 0o600 }).deliver(doc, ctx);
    const [source, a, b] = await Promise.all([path, first?.path ?? '', second?.path ?? ''].map((p) => stat(p)));
    expect(a?.ino).toBe(source?.ino);
    expect(b?.ino).not.toBe(source?.ino);
    expect([(a?.mode ?? 0) & 0o777, (b?.mode ?? 0) & 0o777]).toEqual([0o640, 0o600]);
    expect(await readFile(second?.path ?? '', 'utf8')).toBe('%PDF-1.4 linked document');
  });

  it('stores a page that arrives in thousands of small chunks (AirSane: one per scan line) byte for byte', async () => {
    const jpeg = await makeImage(1200, 1600, 'jpeg');
    const chunks: Buffer[] = [];
    for (let at = 0; at < jpeg.length; at += 760) chunks.push(jpeg.subarray(at, at + 760));
    const session = createJobStorage({ spoolFolder: join(root, 'spool-chunks'), logger: silentLogger }).begin({ ...ctx, settings: settingsFor('jpeg') });
    const progress: number[] = [];
    await session.addPage({ index: 1, data: Readable.from(chunks) }, (bytes) => progress.push(bytes));
    const [stored] = await session.finish([createFolderTarget({ folder: join(root, 'out-chunks'), logger: silentLogger })]);
    expect(chunks.length).toBeGreaterThan(100);
    expect(progress.at(-1)).toBe(jpeg.length);
    expect((await readFile(stored?.path ?? '')).equals(jpeg)).toBe(true);
  });

  it('a failing target still lets the others store, then reports the failure', async () => {
    const good = join(root, 'good-target');
    const bad = join(root, 'bad-target-file');
    await writeFile(bad, 'not a folder');
    const session = createJobStorage({ spoolFolder: join(root, 'spool-targets'), logger: silentLogger }).begin({ ...ctx, settings: settingsFor('jpeg') });
    await session.addPage(pageFrom(await makeImage(50, 50, 'jpeg'), 1));
    const targets = [createFolderTarget({ folder: bad, logger: silentLogger }), createFolderTarget({ folder: good, logger: silentLogger })];
    const error = await scanErrorOf(session.finish(targets));
    expect(error.message).toMatch(/not a directory/);
    expect(await listAll(good)).toHaveLength(1);
  });
});
