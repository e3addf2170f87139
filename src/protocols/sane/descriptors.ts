/** Option descriptors of GET_OPTION_DESCRIPTORS (PROTOCOLS.md C.2), decoded with bounds. */
import { protocolError } from '../../core/errors.js';
import { SANE_LIMITS, SaneConstraintType, SaneValueType } from './constants.js';
import type { WireReader } from './wire-reader.js';

/** A RANGE constraint in raw words (SANE_Fixed for FIXED options). */
export interface SaneRange {
  min: number;
  max: number;
  quant: number;
}

/** What values an option accepts. Word lists hold raw words (without the count). */
export type SaneConstraint =
  | { kind: 'none' }
  | { kind: 'range'; range: SaneRange }
  | { kind: 'word_list'; words: number[] }
  | { kind: 'string_list'; strings: string[] };

/** One option of an open device; `index` is its number in CONTROL_OPTION. */
export interface SaneOptionDescriptor {
  index: number;
  name: string;
  title: string;
  desc: string;
  type: SaneValueType;
  unit: number;
  /** Value size in bytes (a multiple of 4 for BOOL/INT/FIXED). */
  size: number;
  cap: number;
  constraint: SaneConstraint;
}

async function readConstraint(r: WireReader, type: number): Promise<SaneConstraint> {
  switch (type) {
    case SaneConstraintType.None:
      return { kind: 'none' };
    case SaneConstraintType.Range: {
      if (!(await r.pointer())) return { kind: 'none' };
      return { kind: 'range', range: { min: await r.word(), max: await r.word(), quant: await r.word() } };
    }
    case SaneConstraintType.WordList: {
      // The array's first element is the count of the words that follow.
      const words = await r.words();
      const count = words[0] ?? 0;
      if (count !== words.length - 1) throw protocolError(`word list count ${count} does not match its ${words.length - 1} entries`);
      return { kind: 'word_list', words: words.slice(1) };
    }
    case SaneConstraintType.StringList: {
      // Terminated by a NULL string that is counted in the array length.
      const n = await r.length('string list', SANE_LIMITS.maxArrayLength);
      const strings: string[] = [];
      for (let i = 0; i < n; i++) {
        const s = await r.string();
        if (s !== null) strings.push(s);
      }
      return { kind: 'string_list', strings };
    }
    default:
      throw protocolError(`unknown constraint type ${type}`);
  }
}

async function readDescriptor(r: WireReader, index: number): Promise<SaneOptionDescriptor> {
  const name = (await r.string()) ?? '';
  const title = (await r.string()) ?? '';
  const desc = (await r.string()) ?? '';
  const type = await r.word();
  if (type < SaneValueType.Bool || type > SaneValueType.Group) throw protocolError(`option ${index} has unknown type ${type}`);
  const unit = await r.word();
  const size = await r.word();
  if (size < 0 || size > SANE_LIMITS.maxOptionBytes) throw protocolError(`option ${index} has size ${size}`);
  const cap = await r.word();
  const constraint = await readConstraint(r, await r.word());
  return { index, name, title, desc, type: type as SaneValueType, unit, size, cap, constraint };
}

/** Reads the descriptor array: a count, then a pointer and a descriptor per option. */
export async function readOptionDescriptors(r: WireReader): Promise<SaneOptionDescriptor[]> {
  const n = await r.length('option descriptor list', SANE_LIMITS.maxDescriptors);
  const out: SaneOptionDescriptor[] = [];
  for (let i = 0; i < n; i++) {
    if (!(await r.pointer())) throw protocolError(`option descriptor ${i} is NULL`);
    out.push(await readDescriptor(r, i));
  }
  return out;
}

/** Finds an active option by its well-known name (SANE standard names: `resolution`, `tl-x`, ...). */
export function findOption(options: readonly SaneOptionDescriptor[], name: string): SaneOptionDescriptor | undefined {
  return options.find((o) => o.name === name);
}
