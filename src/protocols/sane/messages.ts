/**
 * Requests and replies of the SANE network RPCs (PROTOCOLS.md C.2), as pure
 * builders and decoders over WireWriter/WireReader. No I/O happens here.
 */
import { protocolError } from '../../core/errors.js';
import { SANE_CLIENT_VERSION, SANE_LIMITS, SaneAction, SaneRpc, SaneValueType } from './constants.js';
import { readOptionDescriptors, type SaneOptionDescriptor } from './descriptors.js';
import { WireWriter } from './wire-writer.js';
import type { WireReader } from './wire-reader.js';

/** One device a saned host exports. */
export interface SaneDevice {
  name: string;
  vendor: string;
  model: string;
  type: string;
}

/** An option value as carried by CONTROL_OPTION: words for BOOL/INT/FIXED, text for STRING. */
export type SaneOptionValue = number[] | string | null;

/** Reply of CONTROL_OPTION. */
export interface ControlOptionReply {
  status: number;
  info: number;
  valueType: number;
  value: SaneOptionValue;
  resource: string | null;
}

/** Reply of GET_PARAMETERS: the frame that START will deliver. */
export interface SaneParameters {
  status: number;
  format: number;
  lastFrame: boolean;
  bytesPerLine: number;
  pixelsPerLine: number;
  /** -1 when the height is unknown (hand or sheet-fed scanners). */
  lines: number;
  depth: number;
}

/** Reply of START: where to fetch the image data. */
export interface StartReply {
  status: number;
  port: number;
  byteOrder: number;
  resource: string | null;
}

/** Reply of OPEN. */
export interface OpenReply {
  status: number;
  handle: number;
  resource: string | null;
}

/** INIT request: version 1.0.3 and the user name saned logs. */
export function buildInit(username: string | null): Buffer {
  return new WireWriter().word(SaneRpc.Init).word(SANE_CLIENT_VERSION).string(username).toBuffer();
}

/** A request made of the RPC code and, optionally, a handle. */
export function buildSimple(rpc: SaneRpc, handle?: number): Buffer {
  const w = new WireWriter().word(rpc);
  if (handle !== undefined) w.word(handle);
  return w.toBuffer();
}

/** OPEN request for a device name as GET_DEVICES lists it. */
export function buildOpen(device: string): Buffer {
  return new WireWriter().word(SaneRpc.Open).string(device).toBuffer();
}

/** AUTHORIZE request answering a resource the server asked for. */
export function buildAuthorize(resource: string, username: string, password: string): Buffer {
  return new WireWriter().word(SaneRpc.Authorize).string(resource).string(username).string(password).toBuffer();
}

/**
 * CONTROL_OPTION request. The value buffer is always the option's full size, even for
 * GET, because saned writes the reply into a buffer of the size the client sent.
 */
export function buildControlOption(handle: number, option: SaneOptionDescriptor, action: SaneAction, value?: SaneOptionValue): Buffer {
  const w = new WireWriter().word(SaneRpc.ControlOption).word(handle).word(option.index).word(action);
  if (action === SaneAction.SetAuto) return w.toBuffer();
  w.word(option.type).word(option.size);
  if (option.type === SaneValueType.String) {
    const buf = Buffer.alloc(option.size);
    if (typeof value === 'string') Buffer.from(value, 'utf8').copy(buf, 0, 0, Math.max(0, option.size - 1));
    return w.bytes(buf).toBuffer();
  }
  if (option.type === SaneValueType.Button || option.type === SaneValueType.Group) return w.word(0).toBuffer();
  const count = Math.floor(option.size / 4);
  const words = Array.isArray(value) ? value : [];
  return w.words(Array.from({ length: count }, (_, i) => words[i] ?? 0)).toBuffer();
}

/** INIT reply: status and the server's version code. */
export async function readInitReply(r: WireReader): Promise<{ status: number; version: number }> {
  return { status: await r.word(), version: await r.uword() };
}

/** GET_DEVICES reply: status, then pointers to devices, the NULL terminator counted in the length. */
export async function readDevicesReply(r: WireReader): Promise<{ status: number; devices: SaneDevice[] }> {
  const status = await r.word();
  const n = await r.length('device list', SANE_LIMITS.maxArrayLength);
  const devices: SaneDevice[] = [];
  for (let i = 0; i < n; i++) {
    if (!(await r.pointer())) continue;
    const name = await r.string();
    const vendor = await r.string();
    const model = await r.string();
    const type = await r.string();
    if (name === null) throw protocolError('device without a name in GET_DEVICES reply');
    devices.push({ name, vendor: vendor ?? '', model: model ?? '', type: type ?? '' });
  }
  return { status, devices };
}

/** OPEN reply. */
export async function readOpenReply(r: WireReader): Promise<OpenReply> {
  return { status: await r.word(), handle: await r.word(), resource: await r.string() };
}

/** GET_OPTION_DESCRIPTORS reply (it has no status word). */
export async function readDescriptorsReply(r: WireReader): Promise<SaneOptionDescriptor[]> {
  return readOptionDescriptors(r);
}

/** The value part of a CONTROL_OPTION reply, shaped by its type word. */
async function readOptionValue(r: WireReader, valueType: number): Promise<SaneOptionValue> {
  if (valueType === SaneValueType.String) {
    const bytes = await r.bytes(SANE_LIMITS.maxOptionBytes);
    const nul = bytes.indexOf(0);
    return bytes.toString('utf8', 0, nul === -1 ? bytes.length : nul);
  }
  if (valueType === SaneValueType.Button || valueType === SaneValueType.Group) {
    await r.bytes(0);
    return null;
  }
  if (valueType > SaneValueType.Group || valueType < 0) throw protocolError(`unknown option value type ${valueType}`);
  return r.words(SANE_LIMITS.maxOptionBytes / 4);
}

/** CONTROL_OPTION reply. */
export async function readControlOptionReply(r: WireReader): Promise<ControlOptionReply> {
  const status = await r.word();
  const info = await r.word();
  const valueType = await r.word();
  await r.length('option value size', SANE_LIMITS.maxOptionBytes);
  const value = await readOptionValue(r, valueType);
  return { status, info, valueType, value, resource: await r.string() };
}

/** GET_PARAMETERS reply. */
export async function readParametersReply(r: WireReader): Promise<SaneParameters> {
  const status = await r.word();
  const format = await r.word();
  const lastFrame = (await r.word()) !== 0;
  const bytesPerLine = await r.word();
  const pixelsPerLine = await r.word();
  const lines = await r.word();
  const depth = await r.word();
  return { status, format, lastFrame, bytesPerLine, pixelsPerLine, lines, depth };
}

/** START reply. */
export async function readStartReply(r: WireReader): Promise<StartReply> {
  return { status: await r.word(), port: await r.word(), byteOrder: await r.word(), resource: await r.string() };
}

/** The single dummy word CLOSE, CANCEL and AUTHORIZE answer with. */
export async function readDummyReply(r: WireReader): Promise<void> {
  await r.word();
}
