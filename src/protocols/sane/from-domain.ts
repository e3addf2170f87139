/**
 * ScanSettings → the SANE option writes that realise them (pure), in the order
 * devices need: source, mode, depth, resolution, geometry, then adjustments.
 * Source and mode changes often reload options, so each write names its option and
 * is resolved against the descriptors current when it is applied.
 */
import { MM_PER_INCH } from '../../core/capabilities.js';
import { invalidRequest } from '../../core/errors.js';
import type { ScanSettings } from '../../core/settings.js';
import { SaneUnit, SaneValueType } from './constants.js';
import type { SaneOptionDescriptor } from './descriptors.js';
import type { SaneOptionValue } from './messages.js';
import { lineArtByDepth, optionRange, saneModes, saneSources } from './to-domain.js';
import { toSaneFixed } from './wire-writer.js';

/** One value to write: text, a plain number, or a length in mm (converted per the option's unit). */
export type OptionWrite =
  | { name: string; kind: 'text'; text: string }
  | { name: string; kind: 'number'; value: number }
  | { name: string; kind: 'mm'; mm: number; dpi: number };

/** Sample depths a caller may prefer. */
export type PreferredDepth = 8 | 16;

/** The writes for a scan, in device order; the applier skips options the backend lacks. */
export function settingsToWrites(options: readonly SaneOptionDescriptor[], settings: ScanSettings, preferDepth?: PreferredDepth): OptionWrite[] {
  const writes: OptionWrite[] = [];
  const sources = saneSources(options);
  const source = sources.get(settings.source);
  if (source !== undefined) writes.push({ name: 'source', kind: 'text', text: source });
  else if (sources.size > 0 || settings.source !== 'platen') throw invalidRequest(`source ${settings.source} is not offered by this device`);
  writes.push(...modeWrites(options, settings, preferDepth));
  writes.push({ name: 'resolution', kind: 'number', value: settings.resolution });
  const { x, y, width, height } = settings.region;
  const dpi = settings.resolution;
  writes.push({ name: 'tl-x', kind: 'mm', mm: x, dpi }, { name: 'tl-y', kind: 'mm', mm: y, dpi });
  writes.push({ name: 'br-x', kind: 'mm', mm: x + width, dpi }, { name: 'br-y', kind: 'mm', mm: y + height, dpi });
  if (settings.brightness !== undefined) writes.push({ name: 'brightness', kind: 'number', value: settings.brightness });
  if (settings.contrast !== undefined) writes.push({ name: 'contrast', kind: 'number', value: settings.contrast });
  return writes;
}

function modeWrites(options: readonly SaneOptionDescriptor[], settings: ScanSettings, preferDepth?: PreferredDepth): OptionWrite[] {
  const modes = saneModes(options);
  const out: OptionWrite[] = [];
  if (settings.color_mode === 'bw' && lineArtByDepth(options)) {
    out.push({ name: 'mode', kind: 'text', text: modes.get('gray') ?? 'Gray' }, { name: 'depth', kind: 'number', value: 1 });
    return out;
  }
  const mode = modes.get(settings.color_mode);
  if (mode !== undefined) out.push({ name: 'mode', kind: 'text', text: mode });
  else if (modes.size > 0) throw invalidRequest(`colour mode ${settings.color_mode} is not offered by this device`);
  // Depth stays at the device default, except that 16-bit is asked for, or that an
  // earlier line-art scan on this open handle left it at 1.
  const depth = preferDepth ?? (lineArtByDepth(options) ? 8 : undefined);
  if (depth !== undefined && settings.color_mode !== 'bw') out.push({ name: 'depth', kind: 'number', value: depth });
  return out;
}

/** Snaps a number into an option's range and quantisation. */
function fitRange(option: SaneOptionDescriptor, value: number): number {
  const range = optionRange(option);
  if (!range) return value;
  const stepped = range.min + Math.round((value - range.min) / range.step) * range.step;
  return Math.min(range.max, Math.max(range.min, stepped));
}

/** Picks the closest entry of a word list. */
function fitWordList(option: SaneOptionDescriptor, value: number): number {
  if (option.constraint.kind !== 'word_list') return value;
  const toNumber = (w: number) => (option.type === SaneValueType.Fixed ? w / 65536 : w);
  let best = value;
  let bestDistance = Infinity;
  for (const w of option.constraint.words) {
    const d = Math.abs(toNumber(w) - value);
    if (d < bestDistance) [best, bestDistance] = [toNumber(w), d];
  }
  return best;
}

/** The wire value of a write for this option (units converted, constraints honoured). */
export function optionValueFor(option: SaneOptionDescriptor, write: OptionWrite): SaneOptionValue {
  if (option.type === SaneValueType.String) {
    if (write.kind !== 'text') throw invalidRequest(`option ${option.name} takes text`);
    return write.text;
  }
  let value = write.kind === 'text' ? Number.NaN : write.kind === 'number' ? write.value : write.mm;
  if (write.kind === 'mm' && option.unit === SaneUnit.Pixel) value = (write.mm / MM_PER_INCH) * write.dpi;
  if (!Number.isFinite(value)) throw invalidRequest(`option ${option.name} takes a number`);
  value = option.constraint.kind === 'word_list' ? fitWordList(option, value) : fitRange(option, value);
  if (option.type === SaneValueType.Bool) return [value ? 1 : 0];
  const word = option.type === SaneValueType.Fixed ? toSaneFixed(value) : Math.round(value);
  return Array.from({ length: Math.max(1, Math.floor(option.size / 4)) }, () => word);
}
