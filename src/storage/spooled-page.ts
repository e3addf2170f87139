/** A page received from a scanner and written whole to the spool, typed by its magic bytes. */
import type { SniffedType } from '../core/page-format.js';

/** One page (or device-made document) in the spool. */
export interface SpooledPage {
  /** 1-based position in the batch. */
  index: number;
  /** Absolute path of the spool file. */
  path: string;
  /** The type its bytes show, whatever the device declared. */
  type: SniffedType;
  bytes: number;
  /** Resolution the page was scanned at, when the protocol said. */
  resolution?: number;
  widthPx?: number;
  heightPx?: number;
}
