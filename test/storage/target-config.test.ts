import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { stat, writeFile } from 'node:fs/promises';
import { parseTargetsConfig, TARGET_SECRET_FIELDS } from '../../src/storage/targets/target-config.js';
import { createTarget } from '../../src/storage/targets/create-target.js';
import { sendMail } from '../../src/storage/targets/smtp-client.js';
import { dotStuff, headerText } from '../../src/storage/targets/mime-message.js';
import { makeTempDir, silentLogger } from './helpers.js';

describe('targets config', () => {
  it('parses every target type with defaults and env-style values', () => {
    const targets = parseTargetsConfig({
      nas: { type: 'webdav', url: 'https://nas.local/dav', username: 'u', password: 'p', folder: 'scans' },
      paperless: { type: 'paperless', url: 'http://paperless:8000', token: 't', tags: '1, 2', correspondent: '4', wait_for_task: 'true' },
      mail: { type: 'email', host: 'smtp.example.org', from: 'scan@example.org', to: 'a@example.org,b@example.org' },
      archive: { type: 'folder', folder: '/srv/scans', file_mode: '0640', uid: 1000 },
      ha: { type: 'mqtt' },
    });
    expect(targets).toEqual([
      { name: 'nas', type: 'webdav', url: 'https://nas.local/dav', username: 'u', password: 'p', folder: 'scans' },
      { name: 'paperless', type: 'paperless', url: 'http://paperless:8000', token: 't', tags: [1, 2], correspondent: 4, wait_for_task: true },
      { name: 'mail', type: 'email', host: 'smtp.example.org', port: 587, security: 'starttls', from: 'scan@example.org', to: ['a@example.org', 'b@example.org'] },
      { name: 'archive', type: 'folder', folder: '/srv/scans', file_mode: 0o640, uid: 1000 },
      { name: 'ha', type: 'mqtt' },
    ]);
    expect(parseTargetsConfig(undefined)).toEqual([]);
    expect(TARGET_SECRET_FIELDS).toEqual(expect.arrayContaining(['token', 'password']));
  });

  it.each([
    [{ x: { type: 'ftp' } }, /^targets\.x\.type: must be one of folder, paperless, webdav, email, mqtt$/],
    [{ x: { type: 'paperless', url: 'ftp://h', token: 't' } }, /^targets\.x\.url: must be an http/],
    [{ x: { type: 'paperless', url: 'http://h' } }, /^targets\.x\.token: is required$/],
    [{ x: { type: 'paperless', url: 'http://h', token: 't', tags: ['inbox'] } }, /^targets\.x\.tags: must be a list of numeric ids$/],
    [{ x: { type: 'email', host: 'h', from: 'me', to: ['a@b.c'] } }, /^targets\.x\.from: "me" is not an email address$/],
    [{ x: { type: 'email', host: 'h', from: 'a@b.c', to: ['x@y.z>\r\nRCPT TO:<evil@z'] } }, /^targets\.x\.to: /],
    [{ x: { type: 'email', host: 'h', from: 'a@b.c', to: [] } }, /^targets\.x\.to: must be a non-empty list/],
    [{ x: { type: 'email', host: 'h', from: 'a@b.c', to: ['a@b.c'], security: 'ssl' } }, /^targets\.x\.security: /],
    [{ x: { type: 'folder', folder: '/a', file_mode: '999' } }, /^targets\.x\.file_mode: /],
    [{ x: { type: 'mqtt', max_bytes: -1 } }, /^targets\.x\.max_bytes: must be an integer/],
    [{ 'bad name': { type: 'mqtt' } }, /^targets\.bad name: names may hold/],
    [{ x: 'folder' }, /^targets\.x: must be an object with a type$/],
    [['folder'], /^targets: must be an object keyed by target name$/],
  ])('rejects %j', (value, message) => {
    expect(() => parseTargetsConfig(value)).toThrow(message);
  });

  it('creates targets named by their config key; folder targets honour mode and owner', async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const [folderConfig] = parseTargetsConfig({ archive: { type: 'folder', folder: join(dir, 'out'), file_mode: '0604', uid: 1234, gid: 4321 } });
      const target = createTarget(folderConfig!, { logger: silentLogger, dataFolder: dir });
      expect(target.name).toBe('archive');
      await writeFile(join(dir, 'doc.pdf'), '%PDF-1.4');
      const [file] = await target.deliver({ path: join(dir, 'doc.pdf'), format: 'pdf', extension: 'pdf', mimeType: 'application/pdf', firstPage: 1, pages: 1, bytes: 8 }, { jobId: 'j', scannerId: 's', scannerName: 'S', createdAt: new Date() });
      const info = await stat(file!.path);
      expect(info.mode & 0o777).toBe(0o604);
      if (process.getuid?.() === 0) expect([info.uid, info.gid]).toEqual([1234, 4321]);
      expect(() => createTarget({ name: 'ha', type: 'mqtt' }, { logger: silentLogger, dataFolder: dir })).toThrow(/targets\.ha: mqtt targets need the MQTT connection/);
    } finally {
      await cleanup();
    }
  });
});

describe('SMTP client against hostile servers', () => {
  /** A server that answers every connection with `script` lines. */
  async function fakeServer(greeting: string) {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(greeting);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { port: (server.address() as { port: number }).port, close: () => new Promise((r) => server.close(r)) };
  }
  const mail = { from: 'a@b.c', to: ['d@e.f'], size: 1, message: (async function* () { yield 'x\r\n'; })() };

  it.each([
    ['garbage', 'HTTP/1.1 400 Bad Request\r\n', /malformed reply/],
    ['a 554 refusal', '554 go away\r\n', /refused the connection: 554 go away/],
    ['an endless line', `220-${'x'.repeat(10_000)}`, /reply line too long/],
    ['a hangup', '', /closed by the mail server/],
  ])('rejects %s with a clear error', async (_, greeting, message) => {
    const server = await fakeServer(greeting);
    try {
      await expect(sendMail({ host: '127.0.0.1', port: server.port, security: 'none' }, mail)).rejects.toThrow(message);
    } finally {
      await server.close();
    }
  });

  it('escapes headers and dot-stuffs lines', () => {
    expect(headerText('a\r\nBcc: evil@x')).toBe('a Bcc: evil@x');
    expect(headerText('Grüße')).toBe('=?UTF-8?B?R3LDvMOfZQ==?=');
    expect(dotStuff('.a\r\n.b\r\nc', true)).toBe('..a\r\n..b\r\nc');
    expect(dotStuff('.a', false)).toBe('.a');
  });
});
