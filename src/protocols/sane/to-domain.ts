/**
 * SANE option descriptors → the normalised capabilities (pure). Source and mode names
 * are vendor spellings matched case-insensitively; options a backend does not offer
 * leave the matching capability out rather than inventing it.
 */
import {
  DOCUMENT_FORMATS, MM_PER_INCH, resolutionsInRange, roundMm,
  type ColorMode, type NumericRange, type ScanSource, type ScannerCapabilities, type SourceCapabilities,
} from '../../core/capabilities.js';
import { SaneCap, SaneUnit, SaneValueType } from './constants.js';
import { findOption, type SaneOptionDescriptor } from './descriptors.js';
import { fromSaneFixed } from './wire-writer.js';

const SOURCE_PATTERNS: [RegExp, ScanSource][] = [
  [/duplex/i, 'adf_duplex'],
  [/\badf\b|automatic document feeder|document feeder|feeder/i, 'adf'],
  [/flatbed|platen|^fb$/i, 'platen'],
];

const MODE_PATTERNS: [RegExp, ColorMode][] = [
  [/colou?r|rgb/i, 'color'],
  [/gr[ae]y|grayscale|greyscale/i, 'gray'],
  [/lineart|binary|black\s*&\s*white|black and white|halftone|^bw$/i, 'bw'],
];

/** The normalised source a backend's source string means, if any. */
export function sourceFromSane(value: string): ScanSource | undefined {
  return SOURCE_PATTERNS.find(([re]) => re.test(value))?.[1];
}

/** The normalised colour mode a backend's mode string means, if any. */
export function modeFromSane(value: string): ColorMode | undefined {
  return MODE_PATTERNS.find(([re]) => re.test(value))?.[1];
}

/** An option's number in user units (SANE_Fixed decoded). */
export function optionNumber(option: SaneOptionDescriptor, word: number): number {
  return option.type === SaneValueType.Fixed ? fromSaneFixed(word) : word;
}

/** An option's range in user units, when it has a RANGE constraint. */
export function optionRange(option: SaneOptionDescriptor | undefined): NumericRange | undefined {
  if (!option || option.constraint.kind !== 'range') return undefined;
  const { min, max, quant } = option.constraint.range;
  const step = optionNumber(option, quant);
  return { min: optionNumber(option, min), max: optionNumber(option, max), step: step > 0 ? step : 1 };
}

/** True when the option can be read now (not INACTIVE). */
export function isActive(option: SaneOptionDescriptor): boolean {
  return (option.cap & SaneCap.Inactive) === 0;
}

/**
 * Sensors a frontend can poll: readable (SOFT_DETECT) and set by the user at the device
 * (HARD_SELECT) or read-only (no SOFT_SELECT). A HARD_SELECT option without SOFT_DETECT
 * cannot be read at all (SANE 4.2.9.7), so it is left out. Bool or int, named, active.
 */
export function buttonOptions(options: readonly SaneOptionDescriptor[]): SaneOptionDescriptor[] {
  return options.filter((o) => {
    if (o.name === '' || !isActive(o)) return false;
    if (o.type !== SaneValueType.Bool && o.type !== SaneValueType.Int) return false;
    if ((o.cap & SaneCap.SoftDetect) === 0) return false;
    return (o.cap & SaneCap.SoftSelect) === 0 || (o.cap & SaneCap.HardSelect) !== 0;
  });
}

/** The backend's source strings by normalised source (first spelling wins). */
export function saneSources(options: readonly SaneOptionDescriptor[]): Map<ScanSource, string> {
  const out = new Map<ScanSource, string>();
  const source = findOption(options, 'source');
  if (source?.constraint.kind !== 'string_list') return out;
  for (const s of source.constraint.strings) {
    const mapped = sourceFromSane(s);
    if (mapped && !out.has(mapped)) out.set(mapped, s);
  }
  return out;
}

/** The backend's mode strings by normalised mode (first spelling wins). */
export function saneModes(options: readonly SaneOptionDescriptor[]): Map<ColorMode, string> {
  const out = new Map<ColorMode, string>();
  const mode = findOption(options, 'mode');
  if (mode?.constraint.kind !== 'string_list') return out;
  for (const s of mode.constraint.strings) {
    const mapped = modeFromSane(s);
    if (mapped && !out.has(mapped)) out.set(mapped, s);
  }
  return out;
}

/** True when line art is only reachable as a grey scan at depth 1 (the `test` backend). */
export function lineArtByDepth(options: readonly SaneOptionDescriptor[]): boolean {
  const modes = saneModes(options);
  const depth = findOption(options, 'depth');
  return !modes.has('bw') && modes.has('gray') && depth?.constraint.kind === 'word_list' && depth.constraint.words.includes(1);
}

function colorModes(options: readonly SaneOptionDescriptor[]): ColorMode[] {
  const modes = saneModes(options);
  const list = (['color', 'gray', 'bw'] as ColorMode[]).filter((m) => modes.has(m) || (m === 'bw' && lineArtByDepth(options)));
  return list.length > 0 ? list : ['gray'];
}

function resolutionChoices(options: readonly SaneOptionDescriptor[]): { list: number[]; range?: NumericRange } {
  const res = findOption(options, 'resolution');
  if (!res) return { list: [] };
  if (res.constraint.kind === 'word_list') {
    const list = res.constraint.words.map((w) => optionNumber(res, w)).filter((n) => n > 0);
    return { list: [...new Set(list)].sort((a, b) => a - b) };
  }
  const range = optionRange(res);
  return range ? { list: resolutionsInRange(range), range } : { list: [] };
}

/** Largest scan area in mm from the br-x/br-y ranges; PIXEL units convert at `dpi`. */
function maxAreaMm(options: readonly SaneOptionDescriptor[], dpi: number): { width?: number; height?: number } {
  const toMm = (name: string) => {
    const opt = findOption(options, name);
    const range = optionRange(opt);
    if (!opt || !range) return undefined;
    if (opt.unit === SaneUnit.Mm) return roundMm(range.max);
    if (opt.unit === SaneUnit.Pixel && dpi > 0) return roundMm((range.max / dpi) * MM_PER_INCH);
    return undefined;
  };
  return { width: toMm('br-x'), height: toMm('br-y') };
}

/** Capabilities of one source, assuming resolution and mode options do not depend on the source. */
function sourceCapabilities(options: readonly SaneOptionDescriptor[]): SourceCapabilities | undefined {
  const { list } = resolutionChoices(options);
  const area = maxAreaMm(options, list[list.length - 1] ?? 0);
  if (area.width === undefined || area.height === undefined) return undefined;
  return { resolutions: list, color_modes: colorModes(options), formats: [...DOCUMENT_FORMATS], max_width_mm: area.width, max_height_mm: area.height };
}

/** Descriptor list → ScannerCapabilities. */
export function capabilitiesFromDescriptors(options: readonly SaneOptionDescriptor[], device: { vendor?: string; model?: string } = {}): ScannerCapabilities {
  const caps: ScannerCapabilities = { protocol: 'sane', sources: {} };
  if (device.vendor) caps.manufacturer = device.vendor;
  if (device.model) caps.model = device.model;
  const perSource = sourceCapabilities(options);
  const sources = saneSources(options);
  if (perSource) {
    if (sources.size === 0) caps.sources.platen = perSource;
    for (const s of sources.keys()) caps.sources[s] = { ...perSource, resolutions: [...perSource.resolutions], color_modes: [...perSource.color_modes] };
  }
  const { range } = resolutionChoices(options);
  if (range) caps.resolution_range = range;
  const brightness = optionRange(findOption(options, 'brightness'));
  const contrast = optionRange(findOption(options, 'contrast'));
  if (brightness || contrast) caps.adjustments = { ...(brightness && { brightness }), ...(contrast && { contrast }) };
  const buttons = buttonOptions(options).map((o) => o.name);
  if (buttons.length > 0) {
    caps.buttons = buttons;
    // Sensors are read by polling, but the driver turns their presses into events (driver.ts).
    caps.events = ['button'];
  }
  return caps;
}
