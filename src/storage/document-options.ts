/** Per-job options for how the pages become a document (filled by the control side from profiles). */

/**
 * Order in which a duplex batch arrives. eSCL and SANE ADF duplex deliver sheet by sheet
 * (front, back, front, back...) = as-delivered. Simplex scanners used twice, or some ADFs,
 * deliver all fronts then all backs, possibly in reverse order (the stack turned over).
 */
export type DuplexOrder = 'as-delivered' | 'fronts-then-backs' | 'fronts-then-reversed-backs';

/** All DuplexOrder values, for config validation. */
export const DUPLEX_ORDERS: readonly DuplexOrder[] = ['as-delivered', 'fronts-then-backs', 'fronts-then-reversed-backs'];

/** Document information written into PDFs (ISO 32000-1 §14.3.3). */
export interface DocumentMetadata {
  title?: string;
  author?: string;
  subject?: string;
  keywords?: string[];
  /** Defaults to the scanner's name. */
  creator?: string;
}

/** How the pages of one job become its document(s). */
export interface DocumentOptions {
  duplexOrder?: DuplexOrder;
  /** Drop pages whose share of non-white pixels is below `threshold` (0..1, e.g. 0.002). */
  blankPages?: { threshold: number };
  metadata?: DocumentMetadata;
  /** Make PDFs searchable with OCRmyPDF; `language` is Tesseract's, e.g. `eng` or `deu+eng`. */
  ocr?: { language: string };
  /** With format tiff: one multi-page TIFF instead of one file per page. */
  multipageTiff?: boolean;
}
