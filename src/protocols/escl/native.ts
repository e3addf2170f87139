/** What the eSCL request builder needs to know about a device, in the device's own terms. */
import type { ScanSource } from '../../core/capabilities.js';

/** A `Min/Max/Normal/Step` range as eSCL writes it (resolutions, *Support adjustments). */
export interface EsclRange {
  min: number;
  max: number;
  step: number;
  normal?: number;
}

/** One DiscreteResolution pair; X and Y differ on some devices (Kyocera 200x100). */
export interface EsclResolution {
  x: number;
  y: number;
}

/** One input source (Platen, ADF simplex, ADF duplex), all setting profiles merged. */
export interface EsclSourceNative {
  /** MIME types from DocumentFormat/DocumentFormatExt, in device order. */
  formats: string[];
  /** eSCL colour-mode names (BlackAndWhite1, Grayscale8, RGB24, ...), in device order. */
  colorModes: string[];
  /** The device lists scan:DocumentFormatExt, so the request should carry it too. */
  formatExt: boolean;
  resolutions: EsclResolution[];
  resolutionRange?: { x: EsclRange; y: EsclRange };
  /** Lengths in 1/300 inch. */
  minWidth?: number;
  minHeight?: number;
  maxWidth: number;
  maxHeight: number;
}

/** Device-level facts the request builder uses. */
export interface EsclNativeCaps {
  /** pwg:Version of the capabilities document, e.g. "2.63". */
  version?: string;
  sources: Partial<Record<ScanSource, EsclSourceNative>>;
  adjustments: { brightness?: EsclRange; contrast?: EsclRange };
}
