/**
 * The normalised ScannerCapabilities → an eSCL ScannerCapabilities document (from-domain), for
 * the gateway's own eSCL server. Pure. Element order follows the XSD (PROTOCOLS.md A.5), which the
 * strict clients (SANE's escl backend, Windows) read in order.
 */
import { resolutionsInRange, type ColorMode, type ScanSource, type ScannerCapabilities, type SourceCapabilities } from '../../core/capabilities.js';
import { mmToEsclUnits } from './scan-settings.js';
import { ESCL_NS, PWG_NS, escapeXmlText } from './xml.js';

/** The eSCL version the server declares (what current Mopria-certified devices report). */
export const SERVER_ESCL_VERSION = '2.63';

/** The MIME types the server delivers for every source: it converts whatever the device sends. */
export const SERVED_MIME_TYPES: readonly string[] = ['application/pdf', 'image/jpeg', 'image/png'];

/** The eSCL colour-mode name the server offers for each user colour mode (8-bit; 1-bit for line art). */
export const SERVED_COLOR_MODES: Readonly<Record<ColorMode, string>> = { color: 'RGB24', gray: 'Grayscale8', bw: 'BlackAndWhite1' };

/** What identifies the shared scanner in its capabilities. */
export interface ServedIdentity {
  /** Stable UUID of the shared scanner, without `urn:uuid:`. */
  uuid: string;
  makeAndModel: string;
  manufacturer?: string;
  serial?: string;
  /** Absolute URLs of the admin page and of the icon. */
  adminUri: string;
  iconUri: string;
}

/** Builds the capabilities document of one shared scanner from its normalised capabilities. */
export function encodeScannerCapabilities(caps: ScannerCapabilities, identity: ServedIdentity): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scan:ScannerCapabilities xmlns:scan="${ESCL_NS}" xmlns:pwg="${PWG_NS}">`,
    `  <pwg:Version>${SERVER_ESCL_VERSION}</pwg:Version>`,
    `  <pwg:MakeAndModel>${escapeXmlText(identity.makeAndModel)}</pwg:MakeAndModel>`,
  ];
  if (identity.serial) lines.push(`  <pwg:SerialNumber>${escapeXmlText(identity.serial)}</pwg:SerialNumber>`);
  if (identity.manufacturer) lines.push(`  <scan:Manufacturer>${escapeXmlText(identity.manufacturer)}</scan:Manufacturer>`);
  lines.push(
    `  <scan:UUID>${escapeXmlText(identity.uuid)}</scan:UUID>`,
    `  <scan:AdminURI>${escapeXmlText(identity.adminUri)}</scan:AdminURI>`,
    `  <scan:IconURI>${escapeXmlText(identity.iconUri)}</scan:IconURI>`,
  );
  const platen = caps.sources.platen;
  if (platen) lines.push('  <scan:Platen>', ...inputCaps('PlatenInputCaps', platen, caps, '    '), '  </scan:Platen>');
  const adf = caps.sources.adf ?? caps.sources.adf_duplex;
  if (adf) {
    lines.push('  <scan:Adf>', ...inputCaps('AdfSimplexInputCaps', adf, caps, '    '));
    const duplex = caps.sources.adf_duplex;
    if (duplex) lines.push(...inputCaps('AdfDuplexInputCaps', duplex, caps, '    '));
    lines.push('    <scan:AdfOptions>', '      <scan:AdfOption>DetectPaperLoaded</scan:AdfOption>');
    if (duplex) lines.push('      <scan:AdfOption>Duplex</scan:AdfOption>');
    lines.push('    </scan:AdfOptions>', '  </scan:Adf>');
  }
  lines.push('</scan:ScannerCapabilities>', '');
  return lines.join('\n');
}

/** The discrete dpi values offered: the device's list, or the usual steps inside its range (Mopria assumes discrete values). */
export function servedResolutions(src: SourceCapabilities, caps: ScannerCapabilities): number[] {
  if (src.resolutions.length > 0) return src.resolutions;
  return caps.resolution_range ? resolutionsInRange(caps.resolution_range) : [];
}

/** The sources a shared scanner offers, in canonical order, as the eSCL `is` names them. */
export function servedInputSources(caps: ScannerCapabilities): string[] {
  const out: string[] = [];
  if (caps.sources.platen) out.push('platen');
  if (caps.sources.adf || caps.sources.adf_duplex) out.push('adf');
  return out;
}

/** The DNS-SD `cs` colour spaces of a shared scanner. */
export function servedColorSpaces(caps: ScannerCapabilities): string[] {
  const modes = new Set(Object.values(caps.sources).flatMap((s) => s?.color_modes ?? []));
  const names: [ColorMode, string][] = [['color', 'color'], ['gray', 'grayscale'], ['bw', 'binary']];
  return names.filter(([mode]) => modes.has(mode)).map(([, name]) => name);
}

function inputCaps(element: string, src: SourceCapabilities, caps: ScannerCapabilities, pad: string): string[] {
  const maxWidth = mmToEsclUnits(src.max_width_mm);
  const maxHeight = mmToEsclUnits(src.max_height_mm);
  const i = pad + '  ';
  const lines = [
    `${pad}<scan:${element}>`,
    `${i}<scan:MinWidth>${mmToEsclUnits(src.min_width_mm ?? 0)}</scan:MinWidth>`,
    `${i}<scan:MaxWidth>${maxWidth}</scan:MaxWidth>`,
    `${i}<scan:MinHeight>${mmToEsclUnits(src.min_height_mm ?? 0)}</scan:MinHeight>`,
    `${i}<scan:MaxHeight>${maxHeight}</scan:MaxHeight>`,
    `${i}<scan:MaxScanRegions>1</scan:MaxScanRegions>`,
    `${i}<scan:SettingProfiles>`,
    `${i}  <scan:SettingProfile>`,
    `${i}    <scan:ColorModes>`,
    ...src.color_modes.map((m) => `${i}      <scan:ColorMode>${SERVED_COLOR_MODES[m]}</scan:ColorMode>`),
    `${i}    </scan:ColorModes>`,
    `${i}    <scan:DocumentFormats>`,
    ...SERVED_MIME_TYPES.map((m) => `${i}      <pwg:DocumentFormat>${m}</pwg:DocumentFormat>`),
    ...SERVED_MIME_TYPES.map((m) => `${i}      <scan:DocumentFormatExt>${m}</scan:DocumentFormatExt>`),
    `${i}    </scan:DocumentFormats>`,
    `${i}    <scan:SupportedResolutions>`,
    `${i}      <scan:DiscreteResolutions>`,
    ...servedResolutions(src, caps).flatMap((dpi) => [
      `${i}        <scan:DiscreteResolution>`,
      `${i}          <scan:XResolution>${dpi}</scan:XResolution>`,
      `${i}          <scan:YResolution>${dpi}</scan:YResolution>`,
      `${i}        </scan:DiscreteResolution>`,
    ]),
    `${i}      </scan:DiscreteResolutions>`,
    `${i}    </scan:SupportedResolutions>`,
    `${i}  </scan:SettingProfile>`,
    `${i}</scan:SettingProfiles>`,
    `${i}<scan:SupportedIntents>`,
    ...['Document', 'TextAndGraphic', 'Photo', 'Preview'].map((intent) => `${i}  <scan:Intent>${intent}</scan:Intent>`),
    `${i}</scan:SupportedIntents>`,
  ];
  const maxDpi = Math.max(0, ...servedResolutions(src, caps));
  if (maxDpi > 0) lines.push(`${i}<scan:MaxOpticalXResolution>${maxDpi}</scan:MaxOpticalXResolution>`, `${i}<scan:MaxOpticalYResolution>${maxDpi}</scan:MaxOpticalYResolution>`);
  lines.push(`${pad}</scan:${element}>`);
  return lines;
}

/** The eSCL InputSource (and Duplex flag) of a domain source. */
export function esclInputSource(source: ScanSource): { inputSource: 'Platen' | 'Feeder'; duplex: boolean } {
  return source === 'platen' ? { inputSource: 'Platen', duplex: false } : { inputSource: 'Feeder', duplex: source === 'adf_duplex' };
}
