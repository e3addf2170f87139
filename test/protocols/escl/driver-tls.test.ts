import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanError } from '../../../src/core/errors.js';
import { createEsclDriver } from '../../../src/protocols/escl/driver.js';
import { sendStatus, startFakeDevice, type FakeDevice } from './helpers/fake-device.js';

const logger = pino({ level: 'silent' });
let dir: string;
let device: FakeDevice;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'escl-tls-'));
  // A self-signed certificate like the ones _uscans devices present.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=scanner.local'], { stdio: 'ignore' });
  const tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  device = await startFakeDevice((req, res) => {
    if (req.method === 'POST') return sendStatus(res, 201, { location: '/eSCL/ScanJobs/1' });
    if (req.path.endsWith('/NextDocument')) {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 4 });
      return void res.end(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    }
    return false;
  }, tls);
});

afterAll(async () => {
  await device?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('eSCL over HTTPS with a self-signed certificate', () => {
  it('works when the device is marked insecureTls; Host carries host:port', async () => {
    const driver = createEsclDriver({ baseUrl: device.baseUrl, insecureTls: true, logger, deviceLabel: 'tls' });
    try {
      expect((await driver.getCapabilities()).manufacturer).toBe('Brother');
      const settings = { source: 'platen', resolution: 300, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 100, height: 100 } } as const;
      const pages = [];
      for await (const page of driver.scan(settings, new AbortController().signal)) pages.push(await buffer(page.data));
      expect(pages).toHaveLength(1);
      expect(device.seen('DELETE')).toHaveLength(1);
      expect(device.requests[0]?.headers.host).toBe(`127.0.0.1:${device.port}`);
    } finally {
      await driver.close();
    }
  });

  it('an http device redirecting DELETE to https on the same host (Canon D570) is followed', async () => {
    const plain = await startFakeDevice((req, res) => {
      if (req.method === 'POST') return sendStatus(res, 201, { location: '/eSCL/ScanJobs/77' });
      if (req.path.endsWith('/NextDocument')) {
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 4 });
        return void res.end(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
      }
      if (req.method === 'DELETE') return sendStatus(res, 301, { location: `https://127.0.0.1:${device.port}${req.path}` });
      return false;
    });
    const driver = createEsclDriver({ baseUrl: plain.baseUrl, logger, deviceLabel: 'canon' });
    try {
      const settings = { source: 'platen', resolution: 300, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 100, height: 100 } } as const;
      for await (const page of driver.scan(settings, new AbortController().signal)) await buffer(page.data);
      expect(plain.seen('DELETE')).toHaveLength(1);
      expect(device.seen('DELETE', '/eSCL/ScanJobs/77')).toHaveLength(1);
    } finally {
      await driver.close();
      await plain.close();
    }
  });

  it('is refused (DeviceOffline) when the device is not marked insecure', async () => {
    const driver = createEsclDriver({ baseUrl: device.baseUrl, logger, deviceLabel: 'strict' });
    try {
      const error = (await driver.getCapabilities().catch((e: unknown) => e)) as ScanError;
      expect(error.code).toBe('DeviceOffline');
    } finally {
      await driver.close();
    }
  });
});
