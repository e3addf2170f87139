import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { MAX_PART_HEADER_BYTES, MAX_PARTS, MAX_PREAMBLE_BYTES, parseMultipartType, readMtomMessage } from '../../../src/protocols/wsd/mtom.js';
import { imageContentId } from '../../../src/protocols/wsd/scan-ops.js';
import { parseSoapEnvelope } from '../../../src/protocols/wsd/soap.js';
import { MAX_SOAP_XML_BYTES } from '../../../src/xml/namespaced-xml.js';

const SOAP = (href = 'cid:img%40dev') =>
  `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.microsoft.com/windows/2006/08/wdp/scan" xmlns:x="http://www.w3.org/2004/08/xop/include">` +
  `<s:Body><w:RetrieveImageResponse><w:ScanData><x:Include href="${href}"/></w:ScanData></w:RetrieveImageResponse></s:Body></s:Envelope>`;
const IMAGE = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300_000, 7), Buffer.from('\r\n-- not a boundary\r\n'), Buffer.alloc(1000, 9)]);
const TYPE = 'multipart/related; type="application/xop+xml"; boundary="b0undary"; start="<root@dev>"';
const idOf = (xml: string) => imageContentId(parseSoapEnvelope(xml, 'RetrieveImageResponse'));

function message(parts: { headers: string; body: Buffer | string }[], boundary = 'b0undary', close = '--'): Buffer {
  const out: Buffer[] = [];
  for (const part of parts) out.push(Buffer.from(`--${boundary}\r\n${part.headers}\r\n\r\n`), Buffer.from(part.body), Buffer.from('\r\n'));
  out.push(Buffer.from(`--${boundary}${close}`));
  return Buffer.concat(out);
}

/** Splits bytes into chunks of the given sizes (cycled), as TCP may deliver them. */
function chunked(bytes: Buffer, sizes: readonly number[] = [7]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i += 1) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks);
}

const standard = () =>
  message([
    { headers: 'Content-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@dev>', body: SOAP() },
    { headers: 'Content-Type: image/jpeg\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <img@dev>', body: IMAGE },
  ]);

async function errorOf(work: Promise<unknown>): Promise<ScanError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    return error as ScanError;
  }
  throw new Error('expected a ScanError');
}

async function readAll(body: Buffer | Readable, type = TYPE): Promise<Buffer> {
  const msg = await readMtomMessage(Buffer.isBuffer(body) ? chunked(body, [4096]) : body, type, idOf);
  const bytes = await buffer(msg.image);
  await msg.done;
  return bytes;
}

describe('MTOM reader', () => {
  it('reads the SOAP root and streams the image exactly, whatever the chunking', async () => {
    for (const sizes of [[1, 2, 3], [7], [64 * 1024], [13, 4096, 1]]) {
      const msg = await readMtomMessage(chunked(standard(), sizes), TYPE, idOf);
      expect(msg.soapXml).toContain('RetrieveImageResponse');
      expect(msg.imageType).toBe('image/jpeg');
      expect((await buffer(msg.image)).equals(IMAGE)).toBe(true);
      expect(await msg.done).toBe(IMAGE.length);
    }
  });

  it('does not hold the page whole: the image starts before the body has arrived', async () => {
    const whole = standard();
    const head = whole.subarray(0, whole.indexOf(IMAGE.subarray(0, 4)) + 50_000);
    const source = new Readable({ read() {} });
    source.push(head);
    const msg = await readMtomMessage(source, TYPE, idOf);
    const first = await new Promise<Buffer>((resolve) => msg.image.once('data', resolve));
    // Image bytes flow while the source is still open, half the image not yet sent.
    expect(first.length).toBeGreaterThan(0);
    expect(source.readableEnded).toBe(false);
    source.push(whole.subarray(head.length));
    source.push(null);
    await msg.done;
  });

  it('tolerates unquoted parameters in any order, header case, no space after colons, no Content-ID, no closing CRLF', async () => {
    const body = message([
      { headers: 'content-type:application/xop+xml', body: SOAP() },
      { headers: 'CONTENT-TYPE:image/jpeg\r\ncontent-id:<img@dev>', body: IMAGE },
    ]);
    expect((await readAll(body, 'Multipart/Related;start=<root@dev>;boundary=b0undary;type=application/xop+xml')).equals(IMAGE)).toBe(true);
    const noIds = message([
      { headers: 'Content-Type: application/xop+xml', body: SOAP() },
      { headers: 'Content-Type: application/octet-stream', body: IMAGE },
    ]);
    expect((await readAll(noIds)).equals(IMAGE)).toBe(true);
  });

  it('skips a part that is not the referenced image', async () => {
    const body = message([
      { headers: 'Content-Type: application/xop+xml', body: SOAP() },
      { headers: 'Content-Type: text/plain\r\nContent-ID: <other@dev>', body: 'thumbnail' },
      { headers: 'Content-Type: image/jpeg\r\nContent-ID: <img@dev>', body: IMAGE },
    ]);
    expect((await readAll(body)).equals(IMAGE)).toBe(true);
  });

  it('a fault in the root part is thrown, not an image', async () => {
    const fault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:w="http://schemas.microsoft.com/windows/2006/08/wdp/scan">w:ClientErrorNoImagesAvailable</s:Value></s:Subcode></s:Code></s:Fault></s:Body></s:Envelope>`;
    const body = message([{ headers: 'Content-Type: application/xop+xml', body: fault }]);
    expect((await errorOf(readAll(body))).code).toBe('AdfEmpty');
  });

  it('wrong content types and broken boundaries are clear ProtocolErrors', async () => {
    expect((await errorOf(readAll(standard(), 'image/jpeg'))).message).toMatch(/expected multipart\/related/);
    expect((await errorOf(readAll(standard(), 'multipart/related; type="application/xop+xml"'))).message).toMatch(/without a boundary/);
    expect((await errorOf(readAll(standard(), `multipart/related; boundary="${'x'.repeat(71)}"`))).message).toMatch(/invalid multipart boundary/);
    expect((await errorOf(readAll(standard(), 'multipart/related; boundary="other"'))).message).toMatch(/preamble/);
    // The closing boundary never comes: the image stream fails instead of ending cleanly.
    const cut = standard().subarray(0, standard().length - 40);
    const msg = await readMtomMessage(chunked(cut, [4096]), TYPE, idOf);
    expect((await errorOf(buffer(msg.image))).message).toMatch(/no closing boundary/);
    await expect(msg.done).rejects.toBeInstanceOf(ScanError);
    const noImage = message([{ headers: 'Content-Type: application/xop+xml', body: SOAP() }]);
    expect((await errorOf(readAll(noImage))).message).toMatch(/without an image part/);
    const garbage = Buffer.from('--b0undary\r\nno colon here\r\n\r\nx\r\n--b0undary--');
    expect((await errorOf(readAll(garbage))).message).toMatch(/malformed part header/);
    const noEol = Buffer.from('--b0undaryXYZ');
    expect((await errorOf(readAll(noEol))).message).toMatch(/broken multipart boundary/);
  });

  it('every bound holds: preamble, header block, header lines, SOAP part size, part count', async () => {
    const preamble = Buffer.concat([Buffer.alloc(MAX_PREAMBLE_BYTES + 10, 0x41), standard()]);
    expect((await errorOf(readAll(preamble))).message).toMatch(/preamble.*longer than/);
    const bigHeader = message([{ headers: `X-Pad: ${'a'.repeat(MAX_PART_HEADER_BYTES)}`, body: SOAP() }]);
    expect((await errorOf(readAll(bigHeader))).message).toMatch(/part headers longer than/);
    const manyLines = message([{ headers: Array.from({ length: 40 }, (_, i) => `X-${i}: y`).join('\r\n'), body: SOAP() }]);
    expect((await errorOf(readAll(manyLines))).message).toMatch(/header lines/);
    const bigSoap = message([{ headers: 'Content-Type: application/xop+xml', body: Buffer.alloc(MAX_SOAP_XML_BYTES + 10, 0x20) }]);
    expect((await errorOf(readAll(bigSoap))).message).toMatch(/SOAP part longer than/);
    const others = Array.from({ length: MAX_PARTS + 1 }, (_, i) => ({ headers: `Content-ID: <other${i}@dev>`, body: 'x' }));
    const manyParts = message([{ headers: 'Content-Type: application/xop+xml', body: SOAP() }, ...others]);
    expect((await errorOf(readAll(manyParts))).message).toMatch(/more than 8 parts/);
  });

  it('a reader that stops reading the image releases the body', async () => {
    const source = chunked(standard(), [1024]);
    const msg = await readMtomMessage(source, TYPE, idOf);
    msg.image.destroy();
    await expect(msg.done).rejects.toBeInstanceOf(ScanError);
  });

  it('content types parse with quoted boundaries containing semicolons', () => {
    expect(parseMultipartType('multipart/related; boundary="a;b=c"; start="<x@y>"')).toEqual({ boundary: 'a;b=c', start: 'x@y' });
  });

  it('fuzz: random bytes and mutated messages never throw anything but a ScanError', async () => {
    const base = standard();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
          fc.tuple(fc.nat(base.length - 1), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([at, junk]) => Buffer.concat([base.subarray(0, at), Buffer.from(junk), base.subarray(at)])),
          fc.nat(base.length).map((at) => base.subarray(0, at)),
        ),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 5 }),
        async (bytes, sizes) => {
          try {
            const msg = await readMtomMessage(chunked(bytes, sizes), TYPE, idOf);
            await buffer(msg.image).catch((error: unknown) => {
              if (!(error instanceof ScanError)) throw error;
            });
            await msg.done.catch((error: unknown) => {
              if (!(error instanceof ScanError)) throw error;
            });
          } catch (error) {
            if (!(error instanceof ScanError)) throw error;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
