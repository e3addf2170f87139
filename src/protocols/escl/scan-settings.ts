/** ScanSettings → the eSCL ScanSettings request body (from-domain), in XSD order (PROTOCOLS.md A.4). Pure. */
import { MM_PER_INCH, type ColorMode, type DocumentFormat } from '../../core/capabilities.js';
import { invalidRequest } from '../../core/errors.js';
import type { ScanSettings } from '../../core/settings.js';
import type { EsclNativeCaps, EsclSourceNative } from './native.js';
import { ESCL_NS, PWG_NS, escapeXmlText } from './xml.js';

/** The Version every device seen accepts, whatever its own capabilities say. */
export const REQUEST_VERSION = '2.0';

/** What was built: the XML body and the MIME type the device was asked for. */
export interface EsclScanRequest {
  xml: string;
  requestedMime: string;
}

const FORMAT_MIME: Readonly<Record<DocumentFormat, string>> = {
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
  png: 'image/png',
  tiff: 'image/tiff',
};

/** eSCL colour-mode names to try for each user colour mode, best first. */
const COLOR_MODE_CHOICES: Readonly<Record<ColorMode, readonly string[]>> = {
  color: ['RGB24', 'RGB48'],
  gray: ['Grayscale8', 'Grayscale16'],
  bw: ['BlackAndWhite1'],
};

/** Millimetres → eSCL 1/300 inch units. */
export function mmToEsclUnits(mm: number): number {
  return Math.round((mm / MM_PER_INCH) * 300);
}

/** Builds the POST ScanJobs body for settings already validated against the capabilities. */
export function buildScanSettingsXml(settings: ScanSettings, native: EsclNativeCaps): EsclScanRequest {
  const src = native.sources[settings.source];
  if (!src) throw invalidRequest(`source "${settings.source}" is not offered by this eSCL scanner`);
  const colorMode = COLOR_MODE_CHOICES[settings.color_mode].find((m) => src.colorModes.includes(m));
  if (colorMode === undefined) throw invalidRequest(`color_mode "${settings.color_mode}" is not offered by ${settings.source}`);
  const requestedMime = chooseWireFormat(settings.format, settings.color_mode, src);
  const feeder = settings.source !== 'platen';
  const region = regionInUnits(settings, src);

  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scan:ScanSettings xmlns:scan="${ESCL_NS}" xmlns:pwg="${PWG_NS}">`,
    `  <pwg:Version>${REQUEST_VERSION}</pwg:Version>`,
    '  <pwg:ScanRegions>',
    '    <pwg:ScanRegion>',
    '      <pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>',
    `      <pwg:XOffset>${region.x}</pwg:XOffset>`,
    `      <pwg:YOffset>${region.y}</pwg:YOffset>`,
    `      <pwg:Width>${region.width}</pwg:Width>`,
    `      <pwg:Height>${region.height}</pwg:Height>`,
    '    </pwg:ScanRegion>',
    '  </pwg:ScanRegions>',
    `  <pwg:InputSource>${feeder ? 'Feeder' : 'Platen'}</pwg:InputSource>`,
    `  <scan:ColorMode>${colorMode}</scan:ColorMode>`,
    `  <pwg:DocumentFormat>${escapeXmlText(requestedMime)}</pwg:DocumentFormat>`,
  ];
  if (src.formatExt) lines.push(`  <scan:DocumentFormatExt>${escapeXmlText(requestedMime)}</scan:DocumentFormatExt>`);
  lines.push(`  <scan:XResolution>${settings.resolution}</scan:XResolution>`, `  <scan:YResolution>${settings.resolution}</scan:YResolution>`);
  // A stray Duplex on a platen job made one device fall back to the wrong source.
  if (feeder) lines.push(`  <scan:Duplex>${settings.source === 'adf_duplex'}</scan:Duplex>`);
  if (settings.brightness !== undefined && native.adjustments.brightness) lines.push(`  <scan:Brightness>${Math.round(settings.brightness)}</scan:Brightness>`);
  if (settings.contrast !== undefined && native.adjustments.contrast) lines.push(`  <scan:Contrast>${Math.round(settings.contrast)}</scan:Contrast>`);
  lines.push('</scan:ScanSettings>', '');
  return { xml: lines.join('\n'), requestedMime };
}

/**
 * The MIME type to ask for: the requested format when native; otherwise a raster the
 * storage layer can convert (JPEG for colour/gray, PNG for line art), else anything native.
 */
export function chooseWireFormat(format: DocumentFormat, colorMode: ColorMode, src: EsclSourceNative): string {
  const offered = new Set(src.formats.map((f) => f.toLowerCase()));
  const wanted = FORMAT_MIME[format];
  if (offered.has(wanted)) return wanted;
  const rasters = colorMode === 'bw' ? ['image/png', 'image/jpeg'] : ['image/jpeg', 'image/png'];
  const fallback = [...rasters, 'application/pdf', 'image/tiff'].find((m) => offered.has(m));
  if (fallback === undefined) throw invalidRequest(`format "${format}" cannot be produced from what this scanner sends (${src.formats.join(', ') || 'nothing'})`);
  return fallback;
}

/** The region in 1/300 inch, clipped to the source's maximum (mm rounding may overshoot by a unit or two). */
function regionInUnits(settings: ScanSettings, src: EsclSourceNative): { x: number; y: number; width: number; height: number } {
  const x = Math.min(mmToEsclUnits(settings.region.x), src.maxWidth);
  const y = Math.min(mmToEsclUnits(settings.region.y), src.maxHeight);
  const width = Math.max(1, Math.min(mmToEsclUnits(settings.region.width), src.maxWidth - x));
  const height = Math.max(1, Math.min(mmToEsclUnits(settings.region.height), src.maxHeight - y));
  return { x, y, width, height };
}
