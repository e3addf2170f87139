/** Makes a PDF searchable with OCRmyPDF (Tesseract), when installed. */
import { ScanError } from '../../core/errors.js';
import { findOnPath, runTool } from './external-tool.js';

/** OCR of a long batch takes minutes; a stuck run must not hold the job forever. */
export const OCR_TIMEOUT_MS = 30 * 60_000;
/** Tesseract language codes: `eng`, `deu+eng`, `chi_sim`. */
const LANGUAGE = /^[a-z_]{3,12}(\+[a-z_]{3,12}){0,7}$/i;

/** Options of one OCR run. */
export interface OcrOptions {
  language: string;
  /** PATH to search for ocrmypdf (the process PATH by default). */
  path?: string;
  timeoutMs?: number;
}

/**
 * Writes a searchable copy of `input` to `output`. Pages keep their images (no re-encoding:
 * --output-type pdf, --optimize 0); pages that already have text are left alone (--skip-text).
 */
export async function ocrPdf(input: string, output: string, options: OcrOptions): Promise<void> {
  if (!LANGUAGE.test(options.language)) throw new ScanError('InvalidRequest', `OCR language "${options.language}" is not a Tesseract language code such as eng or deu+eng`);
  const ocrmypdf = await findOnPath('ocrmypdf', options.path);
  if (ocrmypdf === undefined) {
    throw new ScanError('Unsupported', 'searchable PDF asked for, but OCRmyPDF is not installed (Debian/Ubuntu: apt install ocrmypdf tesseract-ocr-<language>)');
  }
  const env = options.path === undefined ? undefined : { ...process.env, PATH: options.path };
  await runTool(ocrmypdf, ['--quiet', '--output-type', 'pdf', '--optimize', '0', '--skip-text', '-l', options.language, input, output], options.timeoutMs ?? OCR_TIMEOUT_MS, env);
}
