/**
 * What the panel chose for a walk-up press, carried as the press's deviceJob into the driver's
 * scan(), and merged there with the bound profile's settings (pure). HP panels do not name the
 * source: like HP's own software, the gateway takes the feeder when it holds paper and the
 * platen otherwise, read from ScannerStatus at the press; the destination's ScanPlexMode says
 * duplex, its shortcut document (SavePDF, SaveDocument1) or photo (SaveJPEG, SavePhoto1).
 */
import type { ScannerCapabilities, ScanSource } from '../../../core/capabilities.js';
import type { DeviceJob } from '../../../core/device-events.js';
import type { ScanSettings } from '../../../core/settings.js';
import type { AdfState } from '../../../core/status.js';
import type { WalkupDestination } from './destinations.js';

/** The `protocol` field of a walk-up deviceJob. */
export const WALKUP_DEVICE_JOB = 'hp_walkup';

/** Document or photo, as the panel's shortcut says. */
export type WalkupContent = 'document' | 'photo';

/** The panel's choices as the driver reads them back from a deviceJob. */
export interface WalkupChoices {
  source: ScanSource;
  content?: WalkupContent;
  shortcut?: string;
}

const PHOTO_SHORTCUTS = /^(SaveJPEG|SavePhoto\d*|EmailJPEG)$/;
const DOCUMENT_SHORTCUTS = /^(SavePDF|SaveDocument\d*|EmailPDF)$/;

/** Document or photo from a shortcut name; undefined for GeneralScan and unknown ones. */
export function contentOfShortcut(shortcut: string | undefined): WalkupContent | undefined {
  if (shortcut === undefined) return undefined;
  if (PHOTO_SHORTCUTS.test(shortcut)) return 'photo';
  if (DOCUMENT_SHORTCUTS.test(shortcut)) return 'document';
  return undefined;
}

/** The deviceJob of a press: the destination as read after the press, and the feeder's state then. */
export function walkupDeviceJob(destination: WalkupDestination, adf: AdfState | null): DeviceJob {
  const feeder = adf === 'loaded';
  const source: ScanSource = feeder ? (destination.plexMode === 'duplex' ? 'adf_duplex' : 'adf') : 'platen';
  const job: Record<string, string> = { protocol: WALKUP_DEVICE_JOB, source };
  const content = contentOfShortcut(destination.shortcut);
  if (content) job.content = content;
  if (destination.shortcut !== undefined) job.shortcut = destination.shortcut;
  return job;
}

/** A walk-up deviceJob back as choices; undefined for anything else (another protocol's, or none). */
export function walkupChoicesOf(deviceJob: DeviceJob | undefined): WalkupChoices | undefined {
  if (deviceJob?.protocol !== WALKUP_DEVICE_JOB) return undefined;
  const source = (['platen', 'adf', 'adf_duplex'] as const).find((s) => s === deviceJob.source);
  if (!source) return undefined;
  const choices: WalkupChoices = { source };
  if (deviceJob.content === 'document' || deviceJob.content === 'photo') choices.content = deviceJob.content;
  if (deviceJob.shortcut) choices.shortcut = deviceJob.shortcut;
  return choices;
}

/**
 * The profile's settings with the panel's choices laid over them, as far as the device can:
 * the source (duplex falls back to simplex ADF when the device has no duplex unit), and colour
 * for a photo. Everything else (resolution, region, format) stays the profile's.
 */
export function mergeWalkupChoices(settings: ScanSettings, choices: WalkupChoices, caps: ScannerCapabilities): ScanSettings {
  const merged: ScanSettings = { ...settings };
  const wanted: ScanSource[] = choices.source === 'adf_duplex' ? ['adf_duplex', 'adf'] : [choices.source];
  const source = wanted.find((s) => caps.sources[s] !== undefined);
  if (source) merged.source = source;
  const modes = caps.sources[merged.source]?.color_modes ?? [];
  if (choices.content === 'photo' && modes.includes('color')) merged.color_mode = 'color';
  const resolutions = caps.sources[merged.source]?.resolutions ?? [];
  // A profile made for the other source may ask for a resolution this one lacks: take the nearest below.
  const range = caps.resolution_range;
  const inRange = range !== undefined && merged.resolution >= range.min && merged.resolution <= range.max;
  if (resolutions.length > 0 && !resolutions.includes(merged.resolution) && !inRange) {
    const below = resolutions.filter((r) => r <= merged.resolution);
    merged.resolution = below.length > 0 ? Math.max(...below) : Math.min(...resolutions);
  }
  return merged;
}
