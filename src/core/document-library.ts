/**
 * The documents the gateway stored to its folder, as the web frontend's Library shows them:
 * listed from the job history, rendered as thumbnails and pages, deleted, sent again to a target.
 */
import type { TargetDeliveryResult } from './job.js';

/** One stored document (a PDF, or one page image) in the storage folder. */
export interface LibraryDocument {
  /** Stable within a history: `<job id>~<n>`, n the file's place among the job's stored files. */
  id: string;
  job: string;
  scanner: string;
  /** Path inside the storage folder, as users see it (`office/2026-01-02_...pdf`). */
  location: string;
  format: string;
  pages: number;
  bytes: number;
  created_at: string;
}

/** A rendered picture of one page. */
export interface RenderedPage {
  jpeg: Buffer;
}

/** A file to send to a client. */
export interface DocumentFile {
  path: string;
  bytes: number;
  mimeType: string;
  /** The file's own name, for a download. */
  name: string;
}

/** Widths a page can be rendered at: a gallery thumbnail, or the page viewer. */
export type RenderSize = 'thumb' | 'page';

/** What the Library may do with stored documents. Errors are thrown as ScanError (NotFound, InvalidRequest, StorageFailed). */
export interface DocumentLibrary {
  /** The newest documents that are still on disk, newest first. */
  list(limit?: number): Promise<LibraryDocument[]>;
  /** The file of a document, for viewing or download. */
  file(id: string): Promise<DocumentFile>;
  /** A JPEG of page `page` (1-based) of a document; cached and bounded. */
  render(id: string, page: number, size: RenderSize): Promise<RenderedPage>;
  /** Deletes the document's file from the storage folder; false when it is already gone. */
  remove(id: string): Promise<boolean>;
  /** Names of the targets a document can be sent to again. */
  targets(): string[];
  /** Sends the document to a named target now (kept in the outbox when the target is away). */
  resend(id: string, target: string): Promise<TargetDeliveryResult>;
}
