/** The one interface every storage target (folder, paperless, webdav, mqtt) implements. */
import type { StoredFile } from '../core/job.js';
import type { DocumentFormat } from '../core/capabilities.js';

/** One finished document waiting in the spool: a single page image, or a whole PDF. */
export interface OutputDocument {
  /** Absolute path of the finished file in the spool; targets copy it, never move it. */
  path: string;
  format: DocumentFormat;
  /** File extension without the dot (`jpg`, `png`, `tif`, `pdf`). */
  extension: string;
  /** MIME type of the file. */
  mimeType: string;
  /** 1-based number of the first page the document holds. */
  firstPage: number;
  /** Number of pages in the document. */
  pages: number;
  bytes: number;
}

/** What a target knows about the job a document belongs to (for names and metadata). */
export interface DeliveryContext {
  jobId: string;
  scannerId: string;
  scannerName: string;
  createdAt: Date;
}

/** A place finished documents are delivered to. */
export interface StorageTarget {
  readonly name: string;
  /** Stores one document; rejects with ScanError('StorageFailed') and leaves nothing half-written. */
  deliver(doc: OutputDocument, ctx: DeliveryContext): Promise<StoredFile[]>;
}
