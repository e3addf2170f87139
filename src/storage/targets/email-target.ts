/** Delivers documents as mail attachments through the user's SMTP server. */
import type { StoredFile } from '../../core/job.js';
import type { Logger } from '../../core/logger.js';
import { DeliveryError, networkDeliveryError } from '../delivery/delivery-error.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../target.js';
import { documentTitle, fileNameFor } from './document-naming.js';
import { mimeMessage, type MailContent } from './mime-message.js';
import { sendMail, type SmtpMail, type SmtpOptions } from './smtp-client.js';
import type { EmailTargetConfig } from './target-config.js';
import { renderTitle } from '../title-template.js';

/** Default attachment limit: most providers refuse mails over 25 MB, and base64 adds a third. */
export const DEFAULT_MAIL_MAX_BYTES = 18 * 1024 * 1024;
/** Size of a base64 body relative to the bytes it encodes, CRLF every 76 characters included. */
const BASE64_GROWTH = (4 / 3) * (78 / 76);
/** Room for headers and the text part in the SIZE estimate. */
const MAIL_OVERHEAD_BYTES = 4096;

/** Sends one mail; the default is the built-in SMTP client (a nodemailer adapter can replace it). */
export type MailSender = (options: SmtpOptions, mail: SmtpMail) => Promise<void>;

/** Options of the email target. */
export interface EmailTargetOptions {
  logger: Logger;
  sender?: MailSender;
}

/** Creates an email target. */
export function createEmailTarget(config: EmailTargetConfig, options: EmailTargetOptions): StorageTarget {
  const send = options.sender ?? sendMail;
  const maxBytes = config.max_bytes ?? DEFAULT_MAIL_MAX_BYTES;
  const logger = options.logger.child({ component: 'email', target: config.name });
  const smtp: SmtpOptions = {
    host: config.host,
    port: config.port,
    security: config.security,
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(config.password !== undefined ? { password: config.password } : {}),
    ...(config.reject_unauthorized !== undefined ? { rejectUnauthorized: config.reject_unauthorized } : {}),
  };
  return {
    name: config.name,
    async deliver(doc: OutputDocument, ctx: DeliveryContext): Promise<StoredFile[]> {
      if (doc.bytes > maxBytes) throw new DeliveryError(`document of ${doc.bytes} bytes exceeds the mail limit of ${maxBytes} bytes (targets.${config.name}.max_bytes)`, false);
      const title = documentTitle(ctx, doc);
      const content: MailContent = {
        from: config.from,
        to: config.to,
        subject: config.subject !== undefined ? renderTitle(config.subject, { scanner: ctx.scannerName, job: ctx.jobId, createdAt: ctx.createdAt }) : title,
        text: `${title}\r\n${doc.pages} page(s), scanned on ${ctx.scannerName}.\r\n`,
        date: new Date(),
        attachment: { path: doc.path, fileName: fileNameFor(doc, ctx), mimeType: doc.mimeType },
      };
      try {
        await send(smtp, { from: config.from, to: config.to, size: Math.ceil(doc.bytes * BASE64_GROWTH) + MAIL_OVERHEAD_BYTES, message: mimeMessage(content) });
      } catch (error) {
        throw networkDeliveryError(`mail via ${config.host}:${config.port}`, error);
      }
      logger.info({ to: config.to, pages: doc.pages, bytes: doc.bytes }, 'document mailed');
      return [{ path: `mailto:${config.to.join(',')}`, format: doc.format, bytes: doc.bytes, pages: doc.pages }];
    },
  };
}
