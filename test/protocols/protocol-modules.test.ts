/**
 * The protocol table: the names users write and the gateway publishes, which protocol a
 * device speaking several is presented by, hand-listed URLs, and drivers built per module.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../src/core/device-record.js';
import { ScanError } from '../../src/core/errors.js';
import { NO_TRACE } from '../../src/core/trace.js';
import { createDriverFactory, protocolPreference } from '../../src/protocols/driver-factory.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';
import { EsclSimulator } from '../sim/escl/index.js';

const logger = pino({ level: 'silent' });
const factory = createDriverFactory({ modules: PROTOCOL_MODULES, logger, tracer: NO_TRACE });
const module = (name: string) => PROTOCOL_MODULES.find((m) => m.name === name)!;
const record = (protocol: string, url?: string): DeviceRecord => ({
  id: 'office',
  key: `url:${url}`,
  protocol,
  name: 'Office',
  endpoints: url ? [{ url }] : [],
  sources: new Set(['static']),
  present: true,
});

function thrown(work: () => unknown): ScanError {
  try {
    work();
  } catch (error) {
    if (error instanceof ScanError) return error;
    throw error;
  }
  throw new Error('expected a ScanError');
}

let sim: EsclSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

describe('protocol modules', () => {
  it('publish the protocol names of the contract, eSCL preferred over WSD over SANE', () => {
    expect(PROTOCOL_MODULES.map((m) => m.name).sort()).toEqual(['escl', 'sane', 'wsd']);
    expect(protocolPreference(PROTOCOL_MODULES)).toEqual(['escl', 'wsd', 'sane']);
  });

  it('read hand-listed URLs: a device (with its key) or a host whose devices are listed', () => {
    expect(module('escl').parseUrl('HTTP://H:80/eSCL')).toEqual({ url: 'http://h/eSCL/', key: 'url:http://h/eSCL/', host: 'h' });
    expect(module('wsd').parseUrl('http://[2001:db8::8]:5358/wsd/scan#x')).toEqual({ url: 'http://[2001:db8::8]:5358/wsd/scan', key: 'url:http://[2001:db8::8]:5358/wsd/scan', host: '2001:db8::8' });
    expect(module('sane').parseUrl('sane://Lab/test%3A0')).toEqual({ url: 'sane://lab:6566/test:0', key: 'sane:lab:6566:test:0', host: 'lab' });
    expect(module('sane').parseUrl('sane://[::1]:7')).toEqual({ url: 'sane://[::1]:7', host: '::1' });
    for (const [name, bad] of [['escl', 'sane://h'], ['escl', 'http://h/?q'], ['wsd', 'ftp://h'], ['sane', 'http://h/'], ['sane', 'sane://h:0']] as const) {
      expect(thrown(() => module(name).parseUrl(bad)).code, `${name} ${bad}`).toBe('InvalidRequest');
    }
  });

  it('build the driver of each record with its protocol module', async () => {
    sim = new EsclSimulator({});
    await sim.start();
    const driver = factory(record('escl', sim.baseUrl));
    try {
      expect(driver.protocol).toBe('escl');
      expect((await driver.getCapabilities()).protocol).toBe('escl');
    } finally {
      await driver.close();
    }
    const sane = factory(record('sane', 'sane://127.0.0.1:6566/test:0'));
    expect(sane.protocol).toBe('sane');
    await sane.close();
  });

  it('refuse what no module can drive: unknown protocols, records without endpoint or device', () => {
    expect(thrown(() => factory(record('ipp', 'http://192.0.2.8/'))).code).toBe('Unsupported');
    expect(thrown(() => factory(record('escl'))).code).toBe('InvalidRequest');
    expect(thrown(() => factory(record('sane', 'sane://192.0.2.9:6566'))).code).toBe('InvalidRequest');
  });
});
