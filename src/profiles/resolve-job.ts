/**
 * Decides a job's settings, targets and document options from a command, a profile, the
 * scanner's preferences and the configured defaults. Precedence, strongest first:
 *   explicit command fields > profile > per-scanner preferences (HA selects) > scan.defaults > device defaults.
 * The profile is the command's `profile`, else the scanner's preferred profile (so the HA
 * "Scan" button, a bare `{}`, uses the profile chosen in HA). Only profile values are adapted
 * to the scanner; an explicit command value the scanner cannot do is refused, as before.
 */
import type { ScannerCapabilities, ScanSource } from '../core/capabilities.js';
import { ScanError } from '../core/errors.js';
import type { ScanPreferences } from '../core/gateway-api.js';
import type { ScanRequest, ScanSettings } from '../core/settings.js';
import { resolveScanSettings } from '../core/validate.js';
import { adaptToScanner } from './adapt.js';
import { pageSizeRegion } from './page-sizes.js';
import type { ProfileDocumentOptions, ScanProfile } from './profile.js';

/** Everything a job's settings are decided from. */
export interface JobSettingsInput {
  request: ScanRequest;
  /** Looks a profile up by name. */
  profiles: ReadonlyMap<string, ScanProfile>;
  preferences: ScanPreferences;
  scanDefaults: Partial<ScanSettings>;
  caps: ScannerCapabilities;
}

/** What the output side of a job needs besides the scan settings. */
export interface JobOutput {
  /** The profile used, if any. */
  profile?: string;
  /** Target names; empty = the default (folder) target. */
  targets: string[];
  document: ProfileDocumentOptions;
}

/** The decided job. */
export interface JobPlan extends JobOutput {
  settings: ScanSettings;
  /** Changes made to fit the scanner, e.g. `resolution 1200 -> 600`. */
  adapted: string[];
}

/** Resolves a job; throws ScanError('InvalidRequest') for an unknown profile, a refused adaptation or an impossible command. */
export function resolveJobPlan(input: JobSettingsInput): JobPlan {
  const { request, caps } = input;
  const { profile: preferredProfile, ...preferenceSettings } = input.preferences;
  const profileName = request.profile ?? (preferredProfile !== undefined && input.profiles.has(preferredProfile) ? preferredProfile : undefined);
  const profile = profileName === undefined ? undefined : input.profiles.get(profileName);
  if (profileName !== undefined && !profile) throw new ScanError('InvalidRequest', `unknown profile "${profileName}"`);
  const defaults: Partial<ScanSettings> = { ...input.scanDefaults, ...definedOnly(preferenceSettings) };
  const { profile: _named, id: _id, ...fixed } = request;
  let adapted: string[] = [];
  let merged: ScanRequest = fixed;
  if (profile) {
    const adaptation = adaptToScanner(profileRequest(profile), fixed, caps, defaults.source as ScanSource | undefined);
    if (adaptation.adapted.length > 0 && profile.adapt === 'refuse') {
      throw new ScanError('InvalidRequest', `profile "${profile.name}" does not fit this scanner (adapt: refuse): ${adaptation.adapted.join('; ')} would be needed`);
    }
    adapted = adaptation.adapted;
    merged = { ...adaptation.request, ...definedOnly(fixed) };
  }
  const settings = resolveScanSettings(merged, caps, defaults);
  return {
    settings,
    adapted,
    targets: profile?.targets ?? [],
    document: profile?.document ?? {},
    ...(profile ? { profile: profile.name } : {}),
  };
}

/**
 * What a bare `{}` scan (HA's Scan button) would use now, in preference terms: the plan of an
 * empty command, so HA selects show the value a press uses rather than "unknown" while nothing
 * was chosen. Throws like resolveJobPlan when such a scan would be refused.
 */
export function effectiveChoices(input: Omit<JobSettingsInput, 'request'>): ScanPreferences {
  const plan = resolveJobPlan({ ...input, request: {} });
  const { source, resolution, color_mode, format } = plan.settings;
  return { source, resolution, color_mode, format, ...(plan.profile ? { profile: plan.profile } : {}) };
}

/** The scan fields a profile sets, with a named page size turned into a region. */
export function profileRequest(profile: ScanProfile): ScanRequest {
  const request: ScanRequest = {};
  if (profile.source !== undefined) request.source = profile.source;
  if (profile.resolution !== undefined) request.resolution = profile.resolution;
  if (profile.color_mode !== undefined) request.color_mode = profile.color_mode;
  if (profile.format !== undefined) request.format = profile.format;
  if (profile.region !== undefined) request.region = profile.region;
  else if (profile.page_size !== undefined) request.region = pageSizeRegion(profile.page_size);
  if (profile.brightness !== undefined) request.brightness = profile.brightness;
  if (profile.contrast !== undefined) request.contrast = profile.contrast;
  return request;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
