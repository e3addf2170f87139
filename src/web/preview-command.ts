/** The quick low-resolution scan the Scan page shows before the real one (issue 15 item 2). */
import { SCAN_SOURCES, type ScanSource } from '../core/capabilities.js';
import type { ScanCommand } from '../core/commands.js';
import { invalidRequest, ScanError } from '../core/errors.js';
import type { ScannerView } from '../core/gateway-api.js';

/** A preview is offered only where the device scans this coarsely or coarser: that is what makes it fast. */
export const MAX_PREVIEW_DPI = 150;
/** Preferred preview resolution when the device offers several low ones. */
const PREFERRED_PREVIEW_DPI = 75;

/** The resolution a preview of `source` would use, or undefined when the device cannot preview fast. */
export function previewResolution(view: ScannerView, source: ScanSource): number | undefined {
  const resolutions = view.capabilities?.sources[source]?.resolutions ?? [];
  const low = resolutions.filter((dpi) => dpi <= MAX_PREVIEW_DPI).sort((a, b) => Math.abs(a - PREFERRED_PREVIEW_DPI) - Math.abs(b - PREFERRED_PREVIEW_DPI));
  return low[0];
}

/** The scan command of a preview: the platen (or the source asked for) at a low resolution, in colour, as JPEG. */
export function previewCommand(view: ScannerView, body: Record<string, unknown>): ScanCommand {
  const sources = Object.keys(view.capabilities?.sources ?? {}) as ScanSource[];
  const asked = body.source;
  if (asked !== undefined && (typeof asked !== 'string' || !SCAN_SOURCES.includes(asked as ScanSource))) throw invalidRequest(`source must be one of ${SCAN_SOURCES.join(', ')}`);
  const source = (asked as ScanSource | undefined) ?? (sources.includes('platen') ? 'platen' : sources[0]);
  if (!source || !sources.includes(source)) throw new ScanError('Unsupported', 'the scanner reports no such source');
  const resolution = previewResolution(view, source);
  if (resolution === undefined) throw new ScanError('Unsupported', `the scanner cannot preview fast (no resolution of ${MAX_PREVIEW_DPI} dpi or less)`);
  const colorModes = view.capabilities?.sources[source]?.color_modes ?? [];
  return { source, resolution, color_mode: colorModes.includes('color') ? 'color' : colorModes[0] ?? 'gray', format: 'jpeg' };
}
