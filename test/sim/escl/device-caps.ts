/**
 * The limits the simulated device enforces, read from the ScannerCapabilities
 * fixture it serves (PROTOCOLS.md A.5). Lengths stay in 1/300 inch.
 */
import { ScanError } from '../../../src/core/errors.js';
import {
  NS_PWG, NS_SCAN, childNamed, childText, childrenNamed, descendantsNamed, parseIntegerText, parseXmlTree, type XmlElement,
} from './xml-tree.js';

/** The eSCL input sources a device can expose. */
export type SimSourceKind = 'platen' | 'adf-simplex' | 'adf-duplex' | 'camera';

/** An X/Y resolution range from scan:ResolutionRange. */
export interface SimResolutionRange {
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/** What one input source accepts. */
export interface SimSourceCaps {
  readonly minWidth: number;
  readonly maxWidth: number;
  readonly minHeight: number;
  readonly maxHeight: number;
  readonly colorModes: readonly string[];
  readonly formats: readonly string[];
  /** Discrete X×Y pairs, as listed (Kyocera lists asymmetric ones). */
  readonly resolutions: readonly (readonly [number, number])[];
  readonly xRange?: SimResolutionRange;
  readonly yRange?: SimResolutionRange;
}

/** The device facts the simulator needs. */
export interface SimDeviceCaps {
  readonly makeAndModel?: string;
  readonly uuid?: string;
  readonly version?: string;
  readonly sources: Partial<Record<SimSourceKind, SimSourceCaps>>;
}

/** Parses a ScannerCapabilities document into the simulator's limits. */
export function parseDeviceCaps(xml: string): SimDeviceCaps {
  const root = parseXmlTree(xml);
  if (root.ns !== NS_SCAN || root.name !== 'ScannerCapabilities') {
    throw new ScanError('ProtocolError', `expected scan:ScannerCapabilities, got {${root.ns}}${root.name}`);
  }
  const sharedProfiles = childrenNamed(childNamed(root, NS_SCAN, 'SettingProfiles'), NS_SCAN, 'SettingProfile');
  const read = (element: XmlElement | undefined) => (element ? readSource(element, sharedProfiles) : undefined);
  const adf = childNamed(root, NS_SCAN, 'Adf');
  const sources: Partial<Record<SimSourceKind, SimSourceCaps>> = {};
  const assign = (kind: SimSourceKind, caps: SimSourceCaps | undefined) => {
    if (caps) sources[kind] = caps;
  };
  assign('platen', read(childNamed(childNamed(root, NS_SCAN, 'Platen'), NS_SCAN, 'PlatenInputCaps')));
  assign('camera', read(childNamed(childNamed(root, NS_SCAN, 'Camera'), NS_SCAN, 'CameraInputCaps')));
  assign('adf-simplex', read(childNamed(adf, NS_SCAN, 'AdfSimplexInputCaps')));
  assign('adf-duplex', read(childNamed(adf, NS_SCAN, 'AdfDuplexInputCaps')));
  return {
    makeAndModel: childText(root, NS_PWG, 'MakeAndModel'),
    uuid: childText(root, NS_SCAN, 'UUID'),
    version: childText(root, NS_PWG, 'Version'),
    sources,
  };
}

function readSource(caps: XmlElement, sharedProfiles: readonly XmlElement[]): SimSourceCaps {
  const number = (name: string, fallback: number) => parseIntegerText(childText(caps, NS_SCAN, name), name) ?? fallback;
  const profiles = childrenNamed(childNamed(caps, NS_SCAN, 'SettingProfiles'), NS_SCAN, 'SettingProfile').map((profile) => {
    // A profile may only reference a shared one by name (`<scan:SettingProfile ref="…"/>`).
    const ref = profile.attrs.ref;
    return ref === undefined ? profile : sharedProfiles.find((shared) => shared.attrs.name === ref) ?? profile;
  });
  const colorModes = unique(profiles.flatMap((p) => descendantsNamed(p, NS_SCAN, 'ColorMode').map((e) => e.text)));
  const formats = unique(
    profiles.flatMap((p) => [
      ...descendantsNamed(p, NS_PWG, 'DocumentFormat').map((e) => e.text),
      ...descendantsNamed(p, NS_SCAN, 'DocumentFormatExt').map((e) => e.text),
    ]),
  );
  const resolutions = profiles.flatMap((p) =>
    descendantsNamed(p, NS_SCAN, 'DiscreteResolution').map((d): [number, number] => [
      parseIntegerText(childText(d, NS_SCAN, 'XResolution'), 'XResolution') ?? 0,
      parseIntegerText(childText(d, NS_SCAN, 'YResolution'), 'YResolution') ?? 0,
    ]),
  );
  const range = (name: string) => readRange(profiles.flatMap((p) => descendantsNamed(p, NS_SCAN, name))[0]);
  return {
    minWidth: number('MinWidth', 0),
    maxWidth: number('MaxWidth', 0),
    minHeight: number('MinHeight', 0),
    maxHeight: number('MaxHeight', 0),
    colorModes,
    formats,
    resolutions,
    xRange: range('XResolutionRange'),
    yRange: range('YResolutionRange'),
  };
}

function readRange(element: XmlElement | undefined): SimResolutionRange | undefined {
  if (!element) return undefined;
  const value = (name: string) => parseIntegerText(childText(element, NS_SCAN, name), name);
  const min = value('Min');
  const max = value('Max');
  if (min === undefined || max === undefined) return undefined;
  return { min, max, step: Math.max(1, value('Step') ?? 1) };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v.length > 0))];
}
