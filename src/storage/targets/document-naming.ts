/** Names and titles of documents sent to remote targets. Pure. */
import { formatDate, formatPage, formatTime } from '../folder/filename-template.js';
import type { DeliveryContext, OutputDocument } from '../target.js';

/** A plain file name for uploads and attachments: scanner, date, time, job, first page. */
export function fileNameFor(doc: OutputDocument, ctx: DeliveryContext): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || '_';
  return `${safe(ctx.scannerId)}_${formatDate(ctx.createdAt)}_${formatTime(ctx.createdAt)}_${safe(ctx.jobId)}_${formatPage(doc.firstPage)}.${safe(doc.extension)}`;
}

/** A human title: "Scan Office 2024-01-02 03:04". */
export function documentTitle(ctx: DeliveryContext, doc: OutputDocument): string {
  const time = formatTime(ctx.createdAt);
  const page = doc.pages === 1 && doc.format !== 'pdf' ? ` p${doc.firstPage}` : '';
  return `Scan ${ctx.scannerName} ${formatDate(ctx.createdAt)} ${time.slice(0, 2)}:${time.slice(2, 4)}${page}`;
}
