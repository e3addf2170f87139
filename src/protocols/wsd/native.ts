/** What the WS-Scan request builder needs to know about a device, in the device's own terms (1/1000 inch). */
import type { ScanSource } from '../../core/capabilities.js';

/** One input source (Platen, ADFFront, ADFBack) as ScannerConfiguration describes it. */
export interface WsdSourceNative {
  /** WS-Scan input source name to put in the ticket. */
  inputSource: 'Platen' | 'ADF' | 'ADFDuplex';
  /** ColorEntry values (BlackAndWhite1, Grayscale8, RGB24, …), in device order. */
  colorEntries: string[];
  /** Resolution Widths and Heights lists as the device gives them (they may differ). */
  widths: number[];
  heights: number[];
  minWidth?: number;
  minHeight?: number;
  /** Maximum size in 1/1000 inch, already un-swapped (Kyocera). */
  maxWidth: number;
  maxHeight: number;
  opticalResolution?: number;
}

/** Device-level facts: formats and content types apply to every source. */
export interface WsdNativeCaps {
  /** FormatValue entries (jfif, pdf-a, png, tiff-single-uncompressed, …), in device order. */
  formats: string[];
  contentTypes: string[];
  sources: Partial<Record<ScanSource, WsdSourceNative>>;
}
