/**
 * Scan profiles: named presets from the `profiles` config section. Pure parsing with errors
 * that name the key (`profiles.document.resolution: ...`), so a typo stops the start clearly.
 */
import { COLOR_MODES, DOCUMENT_FORMATS, SCAN_SOURCES, type ColorMode, type DocumentFormat, type ScanSource } from '../core/capabilities.js';
import type { ScanRegionMm } from '../core/settings.js';
import { DUPLEX_ORDERS, type DuplexOrder } from '../storage/document-options.js';
import { PAGE_SIZE_NAMES, type PageSizeName } from './page-sizes.js';

/** What to do when a scanner cannot do what a profile asks. */
export type AdaptMode = 'nearest' | 'refuse';
/** The adapt modes, in config order. */
export const ADAPT_MODES: readonly AdaptMode[] = ['nearest', 'refuse'];

/** Document post-processing a profile asks the storage side for. */
export interface ProfileDocumentOptions {
  /** Drop pages whose ink coverage is below this fraction (0..1); unset keeps every page. */
  blank_page_threshold?: number;
  /** Tesseract language(s), e.g. `deu+eng`; unset = no OCR. */
  ocr_language?: string;
  /** PDF title; placeholders `{scanner} {date} {time} {job} {profile}` (filled when the job starts). */
  pdf_title?: string;
  /** TIFF output: all pages in one file instead of one file per page. */
  multipage_tiff?: boolean;
  /** Page order of a duplex batch (src/storage/document-options.ts). */
  duplex_order?: DuplexOrder;
}

/** One named preset. Every scan field is optional: unset ones fall through to preferences and defaults. */
export interface ScanProfile {
  name: string;
  source?: ScanSource;
  resolution?: number;
  color_mode?: ColorMode;
  format?: DocumentFormat;
  region?: ScanRegionMm;
  page_size?: PageSizeName;
  brightness?: number;
  contrast?: number;
  document: ProfileDocumentOptions;
  /** Target names; empty = the default folder target. */
  targets: string[];
  adapt: AdaptMode;
}

/** More profiles than anyone configures; bounds what a hostile env value makes us hold. */
export const MAX_PROFILES = 64;
/** Longest list of targets per profile. */
export const MAX_PROFILE_TARGETS = 16;
/** Profile names appear in HA selects and topics: keep them plain. */
const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const PROFILE_FIELDS = new Set(['source', 'resolution', 'color_mode', 'format', 'region', 'page_size', 'brightness', 'contrast', 'document', 'targets', 'adapt']);
const DOCUMENT_FIELDS = new Set(['blank_page_threshold', 'ocr_language', 'pdf_title', 'multipage_tiff', 'duplex_order']);
const REGION_FIELDS = ['x', 'y', 'width', 'height'] as const;
const MAX_DPI = 9600;
const MAX_TEXT = 256;

/** Reads one profile's fields, naming `profiles.<name>.<field>` in every error. */
class ProfileReader {
  constructor(
    private readonly prefix: string,
    private readonly raw: Record<string, unknown>,
  ) {}

  fail(field: string, what: string): never {
    throw new Error(`${this.prefix}.${field}: ${what}`);
  }

  has(field: string): boolean {
    return this.raw[field] !== undefined && this.raw[field] !== null;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    if (!this.has(field)) return undefined;
    const v = this.raw[field];
    if (typeof v !== 'string' || !allowed.includes(v as T)) this.fail(field, `must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  number(field: string, min: number, max: number, integer = false): number | undefined {
    if (!this.has(field)) return undefined;
    const v = this.raw[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.fail(field, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return v;
  }

  text(field: string): string | undefined {
    if (!this.has(field)) return undefined;
    const v = this.raw[field];
    // eslint-disable-next-line no-control-regex
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(v)) this.fail(field, `must be text of 1 to ${MAX_TEXT} characters`);
    return v;
  }

  boolean(field: string): boolean | undefined {
    if (!this.has(field)) return undefined;
    const v = this.raw[field];
    if (typeof v !== 'boolean') this.fail(field, 'must be true or false');
    return v;
  }

  mapping(field: string, known: Set<string>): Record<string, unknown> | undefined {
    if (!this.has(field)) return undefined;
    const v = this.raw[field];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'must be a mapping');
    for (const key of Object.keys(v)) if (!known.has(key)) this.fail(`${field}.${key}`, 'is not a known field');
    return v as Record<string, unknown>;
  }

  region(): ScanRegionMm | undefined {
    const raw = this.mapping('region', new Set(REGION_FIELDS));
    if (!raw) return undefined;
    const r = new ProfileReader(`${this.prefix}.region`, raw);
    const region = { x: 0, y: 0, width: 0, height: 0 };
    for (const key of REGION_FIELDS) region[key] = r.number(key, 0, 10_000) ?? r.fail(key, 'is required (mm)');
    if (region.width === 0 || region.height === 0) this.fail('region', 'width and height must be greater than 0');
    return region;
  }

  targets(): string[] {
    if (!this.has('targets')) return [];
    const v = this.raw['targets'];
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length > MAX_PROFILE_TARGETS || list.some((t) => typeof t !== 'string' || !PROFILE_NAME.test(t))) {
      this.fail('targets', `must be a list of up to ${MAX_PROFILE_TARGETS} target names`);
    }
    return [...new Set(list as string[])];
  }
}

function parseDocument(prefix: string, raw: Record<string, unknown> | undefined): ProfileDocumentOptions {
  if (!raw) return {};
  const r = new ProfileReader(`${prefix}.document`, raw);
  const options: ProfileDocumentOptions = {
    blank_page_threshold: r.number('blank_page_threshold', 0, 1),
    ocr_language: r.text('ocr_language'),
    pdf_title: r.text('pdf_title'),
    multipage_tiff: r.boolean('multipage_tiff'),
    duplex_order: r.oneOf('duplex_order', DUPLEX_ORDERS),
  };
  if (options.ocr_language !== undefined && !/^[a-z_]{3,16}(\+[a-z_]{3,16}){0,7}$/.test(options.ocr_language)) r.fail('ocr_language', 'must be Tesseract language codes such as deu or deu+eng');
  return dropUndefined(options);
}

/** Validates one profile's raw object. */
export function parseProfile(name: string, raw: unknown): ScanProfile {
  const prefix = `profiles.${name}`;
  if (!PROFILE_NAME.test(name)) throw new Error(`${prefix}: names may hold letters, digits, _ and - (at most 64)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${prefix}: must be a mapping of scan settings`);
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) if (!PROFILE_FIELDS.has(key)) throw new Error(`${prefix}.${key}: is not a known profile field`);
  const r = new ProfileReader(prefix, input);
  const profile: ScanProfile = {
    name,
    source: r.oneOf('source', SCAN_SOURCES),
    resolution: r.number('resolution', 1, MAX_DPI, true),
    color_mode: r.oneOf('color_mode', COLOR_MODES),
    format: r.oneOf('format', DOCUMENT_FORMATS),
    region: r.region(),
    page_size: r.oneOf('page_size', PAGE_SIZE_NAMES),
    brightness: r.number('brightness', -100_000, 100_000),
    contrast: r.number('contrast', -100_000, 100_000),
    document: parseDocument(prefix, r.mapping('document', DOCUMENT_FIELDS)),
    targets: r.targets(),
    adapt: r.oneOf('adapt', ADAPT_MODES) ?? 'nearest',
  };
  if (profile.region && profile.page_size) r.fail('page_size', 'give either region or page_size, not both');
  return dropUndefined(profile);
}

/** Validates the `profiles` section (a mapping keyed by profile name); throws an Error naming the key. */
export function parseProfilesConfig(value: unknown): ScanProfile[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('profiles: must be a mapping keyed by profile name');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_PROFILES) throw new Error(`profiles: at most ${MAX_PROFILES} profiles`);
  return entries.map(([name, raw]) => parseProfile(name, raw));
}

/** Every target name the profiles refer to that is not configured; message names the profile. */
export function checkProfileTargets(profiles: readonly ScanProfile[], targetNames: readonly string[]): void {
  for (const profile of profiles) {
    for (const target of profile.targets) {
      if (!targetNames.includes(target)) throw new Error(`profiles.${profile.name}.targets: unknown target "${target}" (configured: ${targetNames.join(', ') || 'none'})`);
    }
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
