/** The pure wire codec against the real saned capture and against hostile bytes. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { SANE_LIMITS, SaneAction, SaneValueType } from '../../../src/protocols/sane/constants.js';
import { authorizePassword } from '../../../src/protocols/sane/control-connection.js';
import { findOption } from '../../../src/protocols/sane/descriptors.js';
import * as msg from '../../../src/protocols/sane/messages.js';
import { BufferSource, WireReader } from '../../../src/protocols/sane/wire-reader.js';
import { WireWriter, fromSaneFixed, toSaneFixed } from '../../../src/protocols/sane/wire-writer.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';

const FIXTURES = `${SHARED_FIXTURES}/sane`;
interface Message { dir: string; label: string; hex: string }
const session = JSON.parse(readFileSync(`${FIXTURES}/saned-test-backend-session.json`, 'utf8')) as { messages: Message[] };
const optionsFixture = JSON.parse(readFileSync(`${FIXTURES}/saned-test-backend-options.json`, 'utf8')) as { options: { name: string; type: number; unit: number; size: number; cap: number; ctype: number; strings?: (string | null)[]; words?: number[]; range?: number[] }[] };
const grant = JSON.parse(readFileSync(`${FIXTURES}/saned-auth-md5-salt-then-pw.json`, 'utf8')) as { messages: Message[] };
const deny = JSON.parse(readFileSync(`${FIXTURES}/saned-auth-md5-pw-then-salt.json`, 'utf8')) as { messages: Message[] };

const hex = (label: string, dir: string) => {
  const m = session.messages.find((x) => x.label === label && x.dir === dir);
  if (!m) throw new Error(`no ${dir} ${label}`);
  return Buffer.from(m.hex, 'hex');
};
const reader = (bytes: Uint8Array) => new WireReader(new BufferSource(bytes));

async function decodeFully<T>(bytes: Buffer, read: (r: WireReader) => Promise<T>): Promise<T> {
  const source = new BufferSource(bytes);
  const value = await read(new WireReader(source));
  expect(source.remaining).toBe(0);
  return value;
}

describe('SANE codec on the real saned capture', () => {
  it('builds the client requests byte for byte', () => {
    expect(msg.buildInit('tester')).toEqual(hex('SANE_NET_INIT', 'C->S'));
    expect(msg.buildSimple(1)).toEqual(hex('SANE_NET_GET_DEVICES', 'C->S'));
    expect(msg.buildOpen('test:0')).toEqual(hex('SANE_NET_OPEN', 'C->S'));
    expect(msg.buildSimple(4, 0)).toEqual(hex('SANE_NET_GET_OPTION_DESCRIPTORS', 'C->S'));
    expect(msg.buildSimple(6, 0)).toEqual(hex('SANE_NET_GET_PARAMETERS', 'C->S'));
    expect(msg.buildSimple(7, 0)).toEqual(hex('SANE_NET_START', 'C->S'));
  });

  it('decodes INIT, GET_DEVICES, OPEN, PARAMETERS and START replies', async () => {
    expect(await decodeFully(hex('SANE_NET_INIT', 'S->C'), msg.readInitReply)).toEqual({ status: 0, version: 0x01010003 });
    const devices = await decodeFully(hex('SANE_NET_GET_DEVICES', 'S->C'), msg.readDevicesReply);
    expect(devices.devices.map((d) => d.name)).toEqual(['test:0', 'test:1']);
    expect(await decodeFully(hex('SANE_NET_OPEN', 'S->C'), msg.readOpenReply)).toEqual({ status: 0, handle: 0, resource: null });
    expect(await decodeFully(hex('SANE_NET_GET_PARAMETERS', 'S->C'), msg.readParametersReply)).toEqual({ status: 0, format: 0, lastFrame: true, bytesPerLine: 19, pixelsPerLine: 19, lines: 19, depth: 8 });
    const start = await decodeFully(hex('SANE_NET_START', 'S->C'), msg.readStartReply);
    expect(start).toMatchObject({ status: 0, byteOrder: 0x1234, resource: null });
  });

  it('decodes the 57 option descriptors as the decoded fixture lists them', async () => {
    const options = await decodeFully(hex('SANE_NET_GET_OPTION_DESCRIPTORS', 'S->C'), msg.readDescriptorsReply);
    expect(options).toHaveLength(optionsFixture.options.length);
    options.forEach((o, i) => {
      const f = optionsFixture.options[i]!;
      expect({ name: o.name, type: o.type, unit: o.unit, size: o.size, cap: o.cap }).toEqual({ name: f.name, type: f.type, unit: f.unit, size: f.size, cap: f.cap });
      if (f.strings) expect(o.constraint).toEqual({ kind: 'string_list', strings: f.strings.filter((s) => s !== null) });
      if (f.words) expect(o.constraint).toEqual({ kind: 'word_list', words: f.words.slice(1) });
    });
    const resolution = findOption(options, 'resolution')!;
    expect(resolution.constraint).toEqual({ kind: 'range', range: { min: 65536, max: 1200 * 65536, quant: 65536 } });
  });

  it('encodes CONTROL_OPTION like the capture (full-size buffers, GET included)', async () => {
    const options = await decodeFully(hex('SANE_NET_GET_OPTION_DESCRIPTORS', 'S->C'), msg.readDescriptorsReply);
    const label = (l: string) => hex(l, 'C->S');
    expect(msg.buildControlOption(0, options[0]!, SaneAction.Get)).toEqual(label('SANE_NET_CONTROL_OPTION get opt0'));
    expect(msg.buildControlOption(0, findOption(options, 'mode')!, SaneAction.Set, 'Gray')).toEqual(label('SANE_NET_CONTROL_OPTION set mode=Gray'));
    expect(msg.buildControlOption(0, findOption(options, 'resolution')!, SaneAction.Set, [toSaneFixed(50)])).toEqual(label('SANE_NET_CONTROL_OPTION set resolution=50'));
    expect(msg.buildControlOption(0, findOption(options, 'br-x')!, SaneAction.Set, [toSaneFixed(10)])).toEqual(label('SANE_NET_CONTROL_OPTION set br-x=10'));
    const reply = await decodeFully(hex('SANE_NET_CONTROL_OPTION set br-x=10', 'S->C'), msg.readControlOptionReply);
    expect(reply).toEqual({ status: 0, info: 4, valueType: SaneValueType.Fixed, value: [toSaneFixed(10)], resource: null });
    const mode = await decodeFully(hex('SANE_NET_CONTROL_OPTION set mode=Gray', 'S->C'), msg.readControlOptionReply);
    expect(mode.value).toBe('Gray');
  });

  it('answers MD5 authorization with md5(salt + password), as real saned grants', () => {
    const granted = Buffer.from(grant.messages.find((m) => m.label === 'SANE_NET_AUTHORIZE')!.hex, 'hex');
    const resource = 'test$MD5$44a56b05f10b3e7c2da8';
    expect(msg.buildAuthorize(resource, 'alice', authorizePassword(resource, 'secret'))).toEqual(granted);
    const denied = Buffer.from(deny.messages.find((m) => m.label === 'SANE_NET_AUTHORIZE')!.hex, 'hex');
    expect(msg.buildAuthorize(resource, 'alice', authorizePassword(resource, 'secret'))).not.toEqual(denied);
    expect(authorizePassword('plain', 'secret')).toBe('secret');
  });
});

describe('SANE codec round trips and bounds', () => {
  it('round-trips words, strings, NULL strings and fixed-point values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.option(fc.string({ maxLength: 200 }).filter((s) => !s.includes('\0'))), async (word, text) => {
        const r = reader(new WireWriter().word(word).string(text).toBuffer());
        expect(await r.word()).toBe(word);
        expect(await r.string()).toBe(text);
      }),
    );
    fc.assert(fc.property(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: 0, max: 65535 }), (i, f) => {
      const value = i + f / 65536;
      expect(fromSaneFixed(toSaneFixed(value))).toBe(value);
    }));
  });

  it('rejects lengths beyond the limits before reading them', async () => {
    const tooLong = new WireWriter().word(SANE_LIMITS.maxStringBytes + 1).toBuffer();
    await expect(reader(tooLong).string()).rejects.toMatchObject({ code: 'ProtocolError' });
    const tooMany = new WireWriter().word(SANE_LIMITS.maxDescriptors + 1).toBuffer();
    await expect(msg.readDescriptorsReply(reader(tooMany))).rejects.toMatchObject({ code: 'ProtocolError' });
    const devices = new WireWriter().word(0).word(SANE_LIMITS.maxArrayLength + 1).toBuffer();
    await expect(msg.readDevicesReply(reader(devices))).rejects.toMatchObject({ code: 'ProtocolError' });
    await expect(reader(Buffer.from([0, 0])).word()).rejects.toMatchObject({ code: 'ProtocolError' });
  });

  it('rejects a bad pointer flag and a word list whose count lies', async () => {
    await expect(reader(new WireWriter().word(7).toBuffer()).pointer()).rejects.toMatchObject({ code: 'ProtocolError' });
    const w = new WireWriter().word(1).word(0).string('x').string('x').string('').word(1).word(0).word(4).word(5).word(2).words([9, 1, 2]);
    await expect(msg.readDescriptorsReply(reader(w.toBuffer()))).rejects.toMatchObject({ code: 'ProtocolError' });
  });

  /** A source that counts what it was asked for, to prove no read exceeds the bounds. */
  class CountingSource extends BufferSource {
    largest = 0;
    override read(n: number): Promise<Buffer> {
      this.largest = Math.max(this.largest, n);
      return super.read(n);
    }
  }

  const decoders = [msg.readInitReply, msg.readDevicesReply, msg.readOpenReply, msg.readDescriptorsReply, msg.readControlOptionReply, msg.readParametersReply, msg.readStartReply];

  it('never fails on random bytes with anything but ScanError, and never reads past the bounds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), fc.nat(decoders.length - 1), async (bytes, which) => {
        const source = new CountingSource(bytes);
        try {
          await decoders[which]!(new WireReader(source));
        } catch (err) {
          expect(err).toBeInstanceOf(ScanError);
        }
        expect(source.largest).toBeLessThanOrEqual(SANE_LIMITS.maxOptionBytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('survives random mutations of the real descriptor reply', async () => {
    const real = hex('SANE_NET_GET_OPTION_DESCRIPTORS', 'S->C');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(real.length), async (edits, cut) => {
        const bytes = Buffer.from(real.subarray(0, cut));
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        try {
          await msg.readDescriptorsReply(reader(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(ScanError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
