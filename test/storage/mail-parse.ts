/** Just enough MIME parsing for the tests: headers (RFC 2047 B-words), one base64 attachment. */

/** A parsed test mail. */
export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  attachment: { fileName: string; bytes: Buffer };
}

const decodeWords = (value: string) => value.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));

/** Parses a mail with a multipart/mixed body. */
export function simpleParser(raw: Buffer): ParsedMail {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  const [head = '', body = ''] = text.split(/\r\n\r\n([\s\S]*)/);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type') ?? '')?.[1];
  if (boundary === undefined) throw new Error('no boundary');
  const parts = body.split(`--${boundary}`).slice(1, -1);
  const attachmentPart = parts.find((p) => /Content-Disposition: attachment/i.test(p));
  if (attachmentPart === undefined) throw new Error('no attachment');
  const [partHead = '', partBody = ''] = attachmentPart.replace(/^\r\n/, '').split(/\r\n\r\n([\s\S]*)/);
  const fileName = /filename="([^"]+)"/.exec(partHead)?.[1] ?? '';
  return { headers, subject: decodeWords(headers.get('subject') ?? ''), attachment: { fileName, bytes: Buffer.from(partBody.replace(/\s+/g, ''), 'base64') } };
}
