/**
 * The `targets` config section: named delivery targets (folder, paperless-ngx, WebDAV, email, MQTT),
 * validated into typed records. Pure: no I/O, so config loading can call it anywhere.
 */

/** Target kinds the gateway can deliver to. */
export const TARGET_TYPES = ['folder', 'paperless', 'webdav', 'email', 'mqtt'] as const;
/** One of TARGET_TYPES. */
export type TargetType = (typeof TARGET_TYPES)[number];

/** Field names holding secrets, for redaction in logs and --print-config. */
export const TARGET_SECRET_FIELDS: readonly string[] = ['token', 'password'];

/** Fields every target has. */
interface TargetBase {
  /** The key in the `targets` section; profiles refer to it. */
  name: string;
  type: TargetType;
  [key: string]: unknown;
}

/** A local folder. */
export interface FolderTargetConfig extends TargetBase {
  type: 'folder';
  folder: string;
  filename_template?: string;
  /** File mode, e.g. 0o640 (config accepts "0640" or 416). */
  file_mode?: number;
  /** Owner to give stored files (needs root or CAP_CHOWN). */
  uid?: number;
  gid?: number;
}

/** A paperless-ngx instance, through its REST API. */
export interface PaperlessTargetConfig extends TargetBase {
  type: 'paperless';
  /** Base URL, e.g. `http://paperless:8000`. */
  url: string;
  token: string;
  /** Document title template: `{scanner} {date} {time} {job}`; default: the scanner's name, date and time. */
  title?: string;
  correspondent?: number;
  document_type?: number;
  tags?: number[];
  /** Wait for the consumption task to finish and fail the delivery when it fails. */
  wait_for_task?: boolean;
  /** Seconds to wait for the task. */
  task_timeout?: number;
}

/** A WebDAV share (Nextcloud, NAS...). */
export interface WebdavTargetConfig extends TargetBase {
  type: 'webdav';
  /** Collection URL documents go below. */
  url: string;
  username?: string;
  password?: string;
  /** Sub-folder below `url`; created with MKCOL as needed. */
  folder?: string;
  filename_template?: string;
}

/** Mail via SMTP. */
export interface EmailTargetConfig extends TargetBase {
  type: 'email';
  host: string;
  port: number;
  /** tls = implicit TLS (465), starttls = upgrade (587), none = plain (local relays only). */
  security: 'tls' | 'starttls' | 'none';
  username?: string;
  password?: string;
  from: string;
  to: string[];
  /** Subject template: `{scanner} {date} {time} {job}`. */
  subject?: string;
  /** Largest attachment in bytes; bigger documents fail permanently. */
  max_bytes?: number;
  /** Accept self-signed server certificates. */
  reject_unauthorized?: boolean;
}

/** The MQTT broker the gateway uses (preview image, optionally the whole file). */
export interface MqttTargetConfig extends TargetBase {
  type: 'mqtt';
  /** Topic below the base topic; defaults to `<scanner>/document`. */
  topic?: string;
  /** Longest edge of the JPEG preview in pixels. */
  preview_size?: number;
  /** Also publish the whole document when it is at most `max_bytes`. */
  full_file?: boolean;
  max_bytes?: number;
}

/** One configured target. */
export type TargetConfig = FolderTargetConfig | PaperlessTargetConfig | WebdavTargetConfig | EmailTargetConfig | MqttTargetConfig;

/** Reads typed fields of one target's raw object, naming `targets.<name>.<field>` in every error. */
class FieldReader {
  constructor(
    private readonly name: string,
    private readonly raw: Record<string, unknown>,
  ) {}

  fail(field: string, what: string): never {
    throw new Error(`targets.${this.name}.${field}: ${what}`);
  }

  optionalString(field: string): string | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') this.fail(field, 'must be a string');
    return v;
  }

  string(field: string): string {
    return this.optionalString(field) ?? this.fail(field, 'is required');
  }

  url(field: string): string {
    const v = this.string(field);
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      this.fail(field, `"${v}" is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') this.fail(field, 'must be an http:// or https:// URL');
    return v;
  }

  optionalInteger(field: string, min: number, max: number): number | undefined {
    let v = this.raw[field];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string' && /^\d+$/.test(v)) v = Number(v);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(field, `must be an integer from ${min} to ${max}`);
    return v;
  }

  /** A Unix file mode: octal text ("0640") or a number. */
  optionalMode(field: string): number | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null || v === '') return undefined;
    const mode = typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v) ? parseInt(v, 8) : v;
    if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) this.fail(field, 'must be a file mode such as "0640"');
    return mode;
  }

  optionalBoolean(field: string): boolean | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    if (typeof v !== 'boolean') this.fail(field, 'must be true or false');
    return v;
  }

  /** A list of ids; a single value or comma-separated text is accepted too (env variables). */
  optionalIds(field: string): number[] | undefined {
    const v = this.raw[field];
    if (v === undefined || v === null || v === '') return undefined;
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [v];
    return items.map((item) => {
      const n = typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : item;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) this.fail(field, 'must be a list of numeric ids');
      return n;
    });
  }

  /** A non-empty list of strings; comma-separated text is accepted too. */
  stringList(field: string): string[] {
    const v = this.raw[field];
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : undefined;
    if (items === undefined || items.length === 0 || items.some((s) => typeof s !== 'string' || s === '')) this.fail(field, 'must be a non-empty list of strings');
    return items as string[];
  }
}

/** Largest paperless task wait accepted, in seconds. */
const MAX_TASK_TIMEOUT_S = 3600;
/** Largest mail attachment / MQTT payload limit accepted (mail servers rarely take more than 50 MB). */
const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Email address as far as we check it: something@something, no spaces or angle brackets (header injection). */
const EMAIL_ADDRESS = /^[^\s<>@,]+@[^\s<>@,]+$/;

/** Validates one target's raw object. */
function parseOne(name: string, raw: Record<string, unknown>): TargetConfig {
  const r = new FieldReader(name, raw);
  const type = raw.type;
  if (typeof type !== 'string' || !(TARGET_TYPES as readonly string[]).includes(type)) r.fail('type', `must be one of ${TARGET_TYPES.join(', ')}`);
  switch (type as TargetType) {
    case 'folder':
      return {
        name,
        type: 'folder',
        folder: r.string('folder'),
        filename_template: r.optionalString('filename_template'),
        file_mode: r.optionalMode('file_mode'),
        uid: r.optionalInteger('uid', 0, 2 ** 32 - 2),
        gid: r.optionalInteger('gid', 0, 2 ** 32 - 2),
      };
    case 'paperless':
      return {
        name,
        type: 'paperless',
        url: r.url('url'),
        token: r.string('token'),
        title: r.optionalString('title'),
        correspondent: r.optionalInteger('correspondent', 0, Number.MAX_SAFE_INTEGER),
        document_type: r.optionalInteger('document_type', 0, Number.MAX_SAFE_INTEGER),
        tags: r.optionalIds('tags'),
        wait_for_task: r.optionalBoolean('wait_for_task'),
        task_timeout: r.optionalInteger('task_timeout', 1, MAX_TASK_TIMEOUT_S),
      };
    case 'webdav':
      return {
        name,
        type: 'webdav',
        url: r.url('url'),
        username: r.optionalString('username'),
        password: r.optionalString('password'),
        folder: r.optionalString('folder'),
        filename_template: r.optionalString('filename_template'),
      };
    case 'email': {
      const security = (raw.security ?? 'starttls') as EmailTargetConfig['security'];
      if (!['tls', 'starttls', 'none'].includes(security)) r.fail('security', 'must be tls, starttls or none');
      const from = r.string('from');
      if (!EMAIL_ADDRESS.test(from)) r.fail('from', `"${from}" is not an email address`);
      const to = r.stringList('to');
      for (const address of to) if (!EMAIL_ADDRESS.test(address)) r.fail('to', `"${address}" is not an email address`);
      return {
        name,
        type: 'email',
        host: r.string('host'),
        port: r.optionalInteger('port', 1, 65_535) ?? (security === 'tls' ? 465 : 587),
        security,
        username: r.optionalString('username'),
        password: r.optionalString('password'),
        from,
        to,
        subject: r.optionalString('subject'),
        max_bytes: r.optionalInteger('max_bytes', 1, MAX_PAYLOAD_BYTES),
        reject_unauthorized: r.optionalBoolean('reject_unauthorized'),
      };
    }
    case 'mqtt':
      return {
        name,
        type: 'mqtt',
        topic: r.optionalString('topic'),
        preview_size: r.optionalInteger('preview_size', 16, 4096),
        full_file: r.optionalBoolean('full_file'),
        max_bytes: r.optionalInteger('max_bytes', 1, MAX_PAYLOAD_BYTES),
      };
  }
}

/** Target names are used in topics, file names and logs: keep them plain. */
const TARGET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Validates the `targets` section (an object keyed by target name, or undefined/null for none).
 * Throws a plain Error naming `targets.<name>.<field>` on bad input.
 */
export function parseTargetsConfig(value: unknown): TargetConfig[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('targets: must be an object keyed by target name');
  const targets: TargetConfig[] = [];
  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!TARGET_NAME.test(name)) throw new Error(`targets.${name}: names may hold letters, digits, _ and - (at most 64)`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`targets.${name}: must be an object with a type`);
    const parsed = parseOne(name, raw as Record<string, unknown>);
    // Drop unset optional fields so the record prints cleanly.
    targets.push(Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as TargetConfig);
  }
  return targets;
}
