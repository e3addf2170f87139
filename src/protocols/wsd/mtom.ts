/**
 * Streaming reader of MTOM/XOP `multipart/related` responses (RetrieveImage, PROTOCOLS.md B.5):
 * the root SOAP part is buffered (bounded), the image part is handed on as a Readable while it
 * arrives, so a page is never held whole. Tolerates what devices do: parameters quoted or not
 * and in any order, header names in any case, no space after the colon, a missing Content-ID,
 * no CRLF after the closing delimiter. Pure apart from streams: no sockets.
 */
import { PassThrough, type Readable } from 'node:stream';
import { ScanError, protocolError } from '../../core/errors.js';
import { MAX_SOAP_XML_BYTES } from '../../xml/namespaced-xml.js';
import { ByteReader } from './byte-reader.js';
import { normaliseContentId } from './scan-ops.js';

/** Longest header block of one part; real parts carry three short headers. */
export const MAX_PART_HEADER_BYTES = 8 * 1024;
/** Most header lines in one part. */
export const MAX_PART_HEADER_LINES = 32;
/** Longest preamble before the first boundary (RFC 2046 allows one; devices send none). */
export const MAX_PREAMBLE_BYTES = 8 * 1024;
/** Most parts read in one message: a root, an image, and a little slack. */
export const MAX_PARTS = 8;
/** RFC 2046: a boundary is 1 to 70 characters. */
export const MAX_BOUNDARY_CHARS = 70;

/** The parameters of a `multipart/related` Content-Type. */
export interface MultipartType {
  boundary: string;
  start?: string;
  type?: string;
}

/** Headers of one part, names lower-cased. */
export type PartHeaders = Map<string, string>;

/** One read MTOM message: the SOAP root and the streaming image part. */
export interface MtomMessage {
  soapXml: string;
  /** The image bytes, streamed; errors in the transfer destroy it with a ScanError. */
  image: Readable;
  /** The image part's declared Content-Type, lower-cased, without parameters. */
  imageType?: string;
  /** Settles when the whole message has been read (or failed); image byte count. */
  done: Promise<number>;
}

/** Parses a Content-Type header; anything but multipart/related with a sane boundary is a ProtocolError. */
export function parseMultipartType(contentType: string | undefined): MultipartType {
  if (contentType === undefined || contentType.length > 4096) throw protocolError('RetrieveImage: missing or oversized Content-Type');
  const [media, ...params] = splitParams(contentType);
  if (media?.toLowerCase() !== 'multipart/related') throw protocolError(`RetrieveImage: expected multipart/related, got ${JSON.stringify(media ?? '')}`);
  const values = new Map<string, string>();
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (!values.has(name)) values.set(name, value);
  }
  const boundary = values.get('boundary');
  if (boundary === undefined || boundary.length === 0) throw protocolError('RetrieveImage: multipart/related without a boundary');
  // eslint-disable-next-line no-control-regex
  if (boundary.length > MAX_BOUNDARY_CHARS || /[\u0000-\u001f\u007f]/.test(boundary)) throw protocolError('RetrieveImage: invalid multipart boundary');
  const out: MultipartType = { boundary };
  const start = values.get('start');
  if (start !== undefined) out.start = normaliseContentId(start);
  const type = values.get('type');
  if (type !== undefined) out.type = type;
  return out;
}

/** Splits `a; b="x;y"; c` at semicolons outside quotes. */
function splitParams(header: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i += 1) {
    const ch = header[i] as string;
    if (ch === '"' && header[i - 1] !== '\\') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current.trim());
  return out;
}

/** Parses a part's header block (`Name:value` lines, folded lines joined). */
export function parsePartHeaders(block: string): PartHeaders {
  const headers: PartHeaders = new Map();
  const lines = block.split(/\r?\n/);
  if (lines.length > MAX_PART_HEADER_LINES) throw protocolError(`RetrieveImage: more than ${MAX_PART_HEADER_LINES} header lines in a part`);
  let last: string | undefined;
  for (const line of lines) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw protocolError(`RetrieveImage: malformed part header ${JSON.stringify(line.slice(0, 80))}`);
    last = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return headers;
}

/**
 * Reads an MTOM message from `body`. Resolves once the root part has been read and the image
 * part has begun; `imageIdOf` reads the root's SOAP text and returns the `cid` its xop:Include
 * names (it may throw the device's fault). The rest streams on into `image`.
 */
export async function readMtomMessage(body: Readable, contentType: string | undefined, imageIdOf: (soapXml: string) => string | undefined): Promise<MtomMessage> {
  const { boundary } = parseMultipartType(contentType);
  const delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
  // A virtual CRLF lets the first delimiter match at the very start of the body.
  const reader = new ByteReader(body, Buffer.from('\r\n'));
  const fail = (error: unknown): never => {
    body.destroy();
    throw error instanceof ScanError ? error : protocolError(`RetrieveImage: ${error instanceof Error ? error.message : String(error)}`, error);
  };
  try {
    await reader.readUntil(delimiter, MAX_PREAMBLE_BYTES, 'RetrieveImage: preamble before the first boundary');
    let parts = 0;
    let soapXml: string | undefined;
    let imageId: string | undefined;
    for (;;) {
      const headers = await nextPartHeaders(reader);
      if (!headers) throw protocolError(soapXml === undefined ? 'RetrieveImage: multipart without a SOAP part' : 'RetrieveImage: multipart without an image part');
      parts += 1;
      if (parts > MAX_PARTS) throw protocolError(`RetrieveImage: more than ${MAX_PARTS} parts`);
      const id = headers.get('content-id');
      const cid = id === undefined ? undefined : normaliseContentId(id);
      // The root comes first in every device's answer (and in XOP's own examples); `start` only names it.
      if (soapXml === undefined) {
        soapXml = (await reader.readUntil(delimiter, MAX_SOAP_XML_BYTES, 'RetrieveImage: SOAP part')).toString('utf8');
        imageId = imageIdOf(soapXml);
        continue;
      }
      if (soapXml !== undefined && (imageId === undefined || cid === undefined || cid === imageId)) {
        return startImage(reader, body, delimiter, soapXml, headers);
      }
      // A part that is neither the root nor the referenced image is skipped without being kept.
      await reader.streamUntil(delimiter, () => {}, 'RetrieveImage: skipped part');
    }
  } catch (error) {
    await reader.close().catch(() => {});
    return fail(error);
  }
}

/** After a delimiter: the next part's headers, or undefined at the closing delimiter (or the end). */
async function nextPartHeaders(reader: ByteReader): Promise<PartHeaders | undefined> {
  const after = await reader.peek(2);
  if (after.length === 0 || after.toString('latin1') === '--') return undefined;
  // Transport padding (spaces) may follow the boundary before its CRLF.
  for (;;) {
    const b = await reader.peek(1);
    if (b.length === 0) return undefined;
    if (b[0] !== 0x20 && b[0] !== 0x09) break;
    reader.skip(1);
  }
  const eol = await reader.peek(2);
  if (eol.toString('latin1') === '\r\n') reader.skip(2);
  else if (eol[0] === 0x0a) reader.skip(1);
  else throw protocolError('RetrieveImage: broken multipart boundary (no line end after it)');
  const empty = await reader.peek(2);
  if (empty.toString('latin1') === '\r\n') {
    reader.skip(2);
    return new Map();
  }
  const block = await reader.readUntil(Buffer.from('\r\n\r\n'), MAX_PART_HEADER_BYTES, 'RetrieveImage: part headers');
  return parsePartHeaders(block.toString('latin1'));
}

function startImage(reader: ByteReader, body: Readable, delimiter: Buffer, soapXml: string, headers: PartHeaders): MtomMessage {
  const image = new PassThrough();
  let bytes = 0;
  const write = async (chunk: Buffer): Promise<void> => {
    bytes += chunk.length;
    if (image.destroyed) throw new ScanError('Cancelled', 'the page stream was closed by its reader');
    if (!image.write(chunk)) await drainOrClose(image);
  };
  const done = (async () => {
    try {
      await reader.streamUntil(delimiter, write, 'RetrieveImage: image part');
      image.end();
      await drainRest(reader, delimiter);
      return bytes;
    } catch (error) {
      const failure = error instanceof ScanError ? error : protocolError(`RetrieveImage: image transfer failed after ${bytes} bytes: ${error instanceof Error ? error.message : String(error)}`, error);
      if (!image.writableEnded) image.destroy(failure);
      body.destroy();
      throw failure;
    } finally {
      await reader.close().catch(() => {});
    }
  })();
  done.catch(() => {});
  const declared = headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  return { soapXml, image, done, ...(declared ? { imageType: declared } : {}) };
}

/** Reads (and drops) whatever parts follow the image, up to the closing delimiter; a missing one is tolerated. */
async function drainRest(reader: ByteReader, delimiter: Buffer): Promise<void> {
  for (let part = 0; part < MAX_PARTS; part += 1) {
    const headers = await nextPartHeaders(reader).catch(() => undefined);
    if (!headers) return;
    await reader.streamUntil(delimiter, () => {}, 'RetrieveImage: trailing part');
  }
}

function drainOrClose(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
