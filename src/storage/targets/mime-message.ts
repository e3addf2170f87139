/**
 * Builds a MIME mail (RFC 5322 / 2045 / 2046) with one text part and one base64 attachment,
 * streamed from the file so a large PDF never sits in memory. Pure apart from reading the file.
 */
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** What the mail says. */
export interface MailContent {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  date: Date;
  attachment: { path: string; fileName: string; mimeType: string };
}

/** base64 line length: RFC 2045 §6.8 allows at most 76 characters. */
const BASE64_LINE = 76;
/** Bytes read per base64 chunk: a multiple of 3 × 57 so lines never break across chunks. */
const READ_CHUNK = 57 * 1024;

/** A header value, RFC 2047-encoded when it holds anything but printable ASCII; CR/LF are removed (header injection). */
export function headerText(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  return `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

/** A quoted file name parameter (RFC 2231 would be nicer; plain ASCII names are all we generate). */
const fileParam = (name: string) => `"${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`;

/** The date in RFC 5322 form, e.g. `Tue, 02 Jan 2024 03:04:05 +0000`. */
export function mailDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** Splits base64 text into CRLF-terminated lines. */
function base64Lines(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += BASE64_LINE) out += `${b64.slice(i, i + BASE64_LINE)}\r\n`;
  return out;
}

/** The whole message as CRLF text chunks (DATA content before dot-stuffing). */
export async function* mimeMessage(mail: MailContent): AsyncGenerator<string> {
  const boundary = `scan2mqtt-${randomBytes(12).toString('hex')}`;
  const domain = mail.from.split('@')[1] ?? 'scan2mqtt.local';
  yield [
    `From: ${headerText(mail.from)}`,
    `To: ${mail.to.map(headerText).join(', ')}`,
    `Subject: ${headerText(mail.subject)}`,
    `Date: ${mailDate(mail.date)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${domain.replace(/[^A-Za-z0-9.-]/g, '')}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(mail.text, 'utf8')) + `--${boundary}`,
    `Content-Type: ${mail.attachment.mimeType}; name=${fileParam(mail.attachment.fileName)}`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename=${fileParam(mail.attachment.fileName)}`,
    '',
    '',
  ].join('\r\n');
  for await (const chunk of createReadStream(mail.attachment.path, { highWaterMark: READ_CHUNK })) {
    yield base64Lines(chunk as Buffer);
  }
  yield `--${boundary}--\r\n`;
}

/** RFC 5321 §4.5.2 transparency: a line starting with "." gets a second one. */
export function dotStuff(text: string, atLineStart: boolean): string {
  const stuffed = text.replace(/\r\n\./g, '\r\n..');
  return atLineStart && stuffed.startsWith('.') ? `.${stuffed}` : stuffed;
}
