/**
 * A small SMTP submission client (RFC 5321) over node:net/tls: implicit TLS or STARTTLS
 * (RFC 3207), AUTH PLAIN or LOGIN (RFC 4954), SIZE (RFC 1870). Just enough to hand one mail to
 * the user's mail server; replies 4xx are transient (retry later), 5xx permanent.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { DeliveryError } from '../delivery/delivery-error.js';
import { dotStuff } from './mime-message.js';

/** Where and how to connect. */
export interface SmtpOptions {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  username?: string;
  password?: string;
  rejectUnauthorized?: boolean;
  /** Name sent in EHLO. */
  clientName?: string;
}

/** One mail to send: envelope plus the message text chunks. */
export interface SmtpMail {
  from: string;
  to: readonly string[];
  /** Approximate size for the SIZE extension. */
  size: number;
  message: AsyncIterable<string>;
}

/** Time allowed for any one server reply. */
export const SMTP_REPLY_TIMEOUT_MS = 60_000;
/** Longest reply line accepted (RFC 5321 §4.5.3.1.5 says 512). */
const MAX_REPLY_LINE = 4096;
/** Most lines of one multi-line reply (EHLO lists a dozen). */
const MAX_REPLY_LINES = 100;

/** A server reply. */
interface Reply {
  code: number;
  lines: string[];
}

/** Reads SMTP replies from a socket. */
class ReplyReader {
  private buffer = '';
  private readonly replies: Reply[] = [];
  private current: string[] = [];
  private waiter: ((r: Reply | Error) => void) | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** Moves reading to a new socket (after STARTTLS). */
  attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => this.push(data));
    socket.on('error', (e: Error) => this.fail(e));
    socket.on('close', () => this.fail(Object.assign(new Error('connection closed by the mail server'), { code: 'ECONNRESET' })));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.waiter?.(error);
    this.waiter = undefined;
  }

  private push(data: string): void {
    this.buffer += data;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      const m = /^(\d{3})([ -])(.*)$/.exec(line);
      if (m === null || this.current.length >= MAX_REPLY_LINES) return this.fail(new DeliveryError(`mail server sent a malformed reply: ${line.slice(0, 80)}`, true));
      this.current.push(m[3] ?? '');
      if (m[2] === ' ') {
        this.replies.push({ code: Number(m[1]), lines: this.current });
        this.current = [];
      }
    }
    if (this.buffer.length > MAX_REPLY_LINE) this.fail(new DeliveryError('mail server reply line too long', true));
    this.deliver();
  }

  private deliver(): void {
    const reply = this.replies[0];
    if (this.waiter !== undefined && reply !== undefined) {
      this.replies.shift();
      const w = this.waiter;
      this.waiter = undefined;
      w(reply);
    }
  }

  /** The next reply. */
  next(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(Object.assign(new Error('mail server did not answer'), { code: 'ETIMEDOUT' })), SMTP_REPLY_TIMEOUT_MS);
      this.waiter = (r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      if (this.replies.length > 0) this.deliver();
      else if (this.failure !== undefined) this.fail(this.failure);
    });
  }
}

/** Throws a DeliveryError unless the reply has one of `expected`; 4xx is transient, 5xx permanent. */
function expect(reply: Reply, expected: number[], step: string): Reply {
  if (expected.includes(reply.code)) return reply;
  const text = reply.lines.join(' ').slice(0, 200);
  throw new DeliveryError(`mail server refused ${step}: ${reply.code} ${text}`, reply.code >= 400 && reply.code < 500);
}

/** Writes text and waits for the kernel to take it when the buffer is full. */
async function write(socket: Socket, text: string): Promise<void> {
  if (!socket.write(text, 'latin1')) await once(socket, 'drain');
}

/** Sends one mail; rejects with DeliveryError (retryable for network trouble and 4xx). */
export async function sendMail(options: SmtpOptions, mail: SmtpMail): Promise<void> {
  // SNI carries host names only (RFC 6066 §3).
  const servername = isIP(options.host) === 0 ? options.host : undefined;
  let socket: Socket = options.security === 'tls'
    ? tlsConnect({ host: options.host, port: options.port, servername, rejectUnauthorized: options.rejectUnauthorized ?? true })
    : netConnect({ host: options.host, port: options.port });
  const reader = new ReplyReader(socket);
  const command = async (line: string, expected: number[], step: string) => {
    await write(socket, `${line}\r\n`);
    return expect(await reader.next(), expected, step);
  };
  try {
    expect(await reader.next(), [220], 'the connection');
    const name = options.clientName ?? 'scan2mqtt';
    let ehlo = await command(`EHLO ${name}`, [250], 'EHLO');
    if (options.security === 'starttls') {
      if (!ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) throw new DeliveryError('mail server does not offer STARTTLS', false);
      await command('STARTTLS', [220], 'STARTTLS');
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      const secure = tlsConnect({ socket, servername, rejectUnauthorized: options.rejectUnauthorized ?? true });
      reader.attach(secure);
      await once(secure, 'secureConnect');
      socket = secure;
      ehlo = await command(`EHLO ${name}`, [250], 'EHLO');
    }
    await authenticate(ehlo, options, command);
    const sizeLine = ehlo.lines.find((l) => /^SIZE\s+\d+/i.test(l));
    const limit = sizeLine === undefined ? 0 : Number(sizeLine.split(/\s+/)[1]);
    if (limit > 0 && mail.size > limit) throw new DeliveryError(`mail of ${mail.size} bytes exceeds the server's ${limit}-byte limit`, false);
    await command(`MAIL FROM:<${mail.from}>${limit > 0 ? ` SIZE=${mail.size}` : ''}`, [250], 'the sender');
    for (const rcpt of mail.to) await command(`RCPT TO:<${rcpt}>`, [250, 251], `recipient ${rcpt}`);
    await command('DATA', [354], 'DATA');
    let atLineStart = true;
    for await (const chunk of mail.message) {
      await write(socket, dotStuff(chunk, atLineStart));
      atLineStart = chunk.endsWith('\r\n');
    }
    await command(`${atLineStart ? '' : '\r\n'}.`, [250], 'the message');
    await write(socket, 'QUIT\r\n').catch(() => undefined);
  } finally {
    socket.destroy();
  }
}

/** AUTH PLAIN when offered, else LOGIN; no credentials → no AUTH. */
async function authenticate(ehlo: Reply, options: SmtpOptions, command: (line: string, expected: number[], step: string) => Promise<Reply>): Promise<void> {
  if (options.username === undefined) return;
  const authLine = ehlo.lines.find((l) => /^AUTH[ =]/i.test(l)) ?? '';
  const mechanisms = authLine.toUpperCase().split(/[ =]/).slice(1);
  const user = options.username;
  const pass = options.password ?? '';
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  try {
    if (mechanisms.includes('PLAIN')) {
      await command(`AUTH PLAIN ${b64(`\0${user}\0${pass}`)}`, [235], 'authentication');
    } else if (mechanisms.includes('LOGIN')) {
      await command('AUTH LOGIN', [334], 'authentication');
      await command(b64(user), [334], 'authentication');
      await command(b64(pass), [235], 'authentication');
    } else {
      throw new DeliveryError('mail server offers neither AUTH PLAIN nor LOGIN (STARTTLS may be needed first)', false);
    }
  } catch (error) {
    // 535 bad credentials must not be retried forever; say what to check.
    if (error instanceof DeliveryError && !error.retryable) throw new DeliveryError(`${error.message} (check username and password)`, false);
    throw error;
  }
}
