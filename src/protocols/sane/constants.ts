/**
 * Numbers of the SANE network protocol (PROTOCOLS.md C) and the limits this client
 * puts on everything a server sends: no length read from the wire is trusted.
 */

/** Version the client announces: 1.0 with build 3, the network protocol version. */
export const SANE_CLIENT_VERSION = (1 << 24) | (0 << 16) | 3;

/** RPC codes, the first word of every request on the control connection. */
export enum SaneRpc {
  Init = 0,
  GetDevices = 1,
  Open = 2,
  Close = 3,
  GetOptionDescriptors = 4,
  ControlOption = 5,
  GetParameters = 6,
  Start = 7,
  Cancel = 8,
  Authorize = 9,
  Exit = 10,
}

/** SANE_Status values. */
export enum SaneStatus {
  Good = 0,
  Unsupported = 1,
  Cancelled = 2,
  DeviceBusy = 3,
  Inval = 4,
  Eof = 5,
  Jammed = 6,
  NoDocs = 7,
  CoverOpen = 8,
  IoError = 9,
  NoMem = 10,
  AccessDenied = 11,
}

/** SANE_Value_Type of an option. */
export enum SaneValueType {
  Bool = 0,
  Int = 1,
  Fixed = 2,
  String = 3,
  Button = 4,
  Group = 5,
}

/** SANE_Unit of an option. */
export enum SaneUnit {
  None = 0,
  Pixel = 1,
  Bit = 2,
  Mm = 3,
  Dpi = 4,
  Percent = 5,
  Microsecond = 6,
}

/** SANE_Constraint_Type of an option. */
export enum SaneConstraintType {
  None = 0,
  Range = 1,
  WordList = 2,
  StringList = 3,
}

/** Option capability bits. */
export const SaneCap = {
  SoftSelect: 1,
  HardSelect: 2,
  SoftDetect: 4,
  Emulated: 8,
  Automatic: 16,
  Inactive: 32,
  Advanced: 64,
} as const;

/** Bits of the `info` word in a CONTROL_OPTION reply. */
export const SaneInfo = {
  Inexact: 1,
  ReloadOptions: 2,
  ReloadParams: 4,
} as const;

/** CONTROL_OPTION actions. */
export enum SaneAction {
  Get = 0,
  Set = 1,
  SetAuto = 2,
}

/** SANE_Frame formats reported by GET_PARAMETERS. */
export enum SaneFrame {
  Gray = 0,
  Rgb = 1,
  Red = 2,
  Green = 3,
  Blue = 4,
}

/** Byte order word of a START reply: little-endian samples. */
export const SANE_BYTE_ORDER_LITTLE = 0x1234;
/** Byte order word of a START reply: big-endian samples. */
export const SANE_BYTE_ORDER_BIG = 0x4321;

/** Data record length that ends the image stream; one status byte follows. */
export const SANE_DATA_END_MARKER = 0xffffffff;

/** SANE_Fixed is 16.16 fixed point. */
export const SANE_FIXED_SCALE = 65536;

/** Bounds on what the client accepts from the wire. */
export const SANE_LIMITS = {
  /** Longest string (bytes including NUL); option titles and descriptions are far shorter. */
  maxStringBytes: 64 * 1024,
  /** Longest array (devices, word lists, string lists, option values in words). */
  maxArrayLength: 10_000,
  /** Most option descriptors one device may declare. */
  maxDescriptors: 4096,
  /** Largest image data record; saned sends a few KiB per record. */
  maxRecordBytes: 16 * 1024 * 1024,
  /** Largest option value (bytes); gamma tables of 16-bit scanners are 256 KiB. */
  maxOptionBytes: 1024 * 1024,
  /** Largest image dimension (pixels) a page may declare. */
  maxImagePixels: 200_000,
} as const;

/** Default TCP port of saned (IANA `sane-port`). */
export const SANE_DEFAULT_PORT = 6566;
