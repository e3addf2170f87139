/** The choices each HA select offers, taken from a scanner's capabilities. Pure. */
import {
  COLOR_MODES,
  DOCUMENT_FORMATS,
  availableSources,
  type ScannerCapabilities,
  type SourceCapabilities,
} from '../core/capabilities.js';
import type { PreferenceKey } from '../core/gateway-api.js';

/**
 * A select with fewer choices than this is left out: a one-option dropdown only adds noise,
 * and the gateway uses that single value anyway when a scan omits the field.
 */
export const MIN_SELECT_OPTIONS = 2;

/** Options per preference key (as HA wants them: strings), only for keys worth a select. */
export type SelectOptions = Partial<Record<PreferenceKey, string[]>>;

/**
 * Options for every select. Resolution, colour mode and format are the union over sources:
 * the chosen source is a separate preference, and the gateway validates (and adapts) the
 * combination when a scan runs.
 */
export function selectOptionsFor(caps: ScannerCapabilities | undefined, profiles: readonly string[]): SelectOptions {
  const options: SelectOptions = {};
  const keep = (key: PreferenceKey, values: string[]) => {
    if (values.length >= MIN_SELECT_OPTIONS) options[key] = values;
  };
  if (caps) {
    const sources = availableSources(caps);
    const perSource = sources.map((s) => caps.sources[s]).filter((s): s is SourceCapabilities => s !== undefined);
    keep('source', sources);
    keep('resolution', unionOfResolutions(perSource).map(String));
    keep('color_mode', COLOR_MODES.filter((m) => perSource.some((s) => s.color_modes.includes(m))));
    keep('format', DOCUMENT_FORMATS.filter((f) => perSource.some((s) => s.formats.includes(f))));
  }
  keep('profile', [...new Set(profiles)]);
  return options;
}

function unionOfResolutions(sources: readonly SourceCapabilities[]): number[] {
  const all = new Set<number>();
  for (const source of sources) for (const dpi of source.resolutions) if (Number.isFinite(dpi) && dpi > 0) all.add(dpi);
  return [...all].sort((a, b) => a - b);
}
