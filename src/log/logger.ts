/** The one pino root logger: level, pretty or JSON output, and secrets redacted wherever they appear. */
import { createRequire } from 'node:module';
import pino from 'pino';
import type PinoPretty from 'pino-pretty';
import { redactUrlPassword } from '../core/redact.js';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** What a redacted value is printed as. */
export const LOG_REDACTED = '***';

/** Levels the root logger accepts (pino's, plus `silent`). */
export const ROOT_LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

// Secrets can sit at the top of a log object, one level down (`{device: {password}}`),
// or in HTTP headers; pino's paths match fixed depths, so each depth is listed.
const SECRET_NAMES = ['password', 'passwd', 'token', 'secret', 'apiKey', 'api_key', 'accessToken', 'access_token'];
const HEADER_NAMES = ['authorization', 'Authorization', 'proxy-authorization', 'Proxy-Authorization', 'cookie', 'Cookie', 'set-cookie', 'Set-Cookie'];

/** pino redact paths covering passwords, tokens and auth headers at the depths components log them. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`, `devices[*].${name}`, `*.devices[*].${name}`]),
  ...HEADER_NAMES.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`, `*.*.headers["${name}"]`]),
  'mqtt.password',
  'config.mqtt.password',
  // URLs keep everything but a `user:password@` password.
  ...['url', '*.url', '*.*.url', 'devices[*].url', '*.devices[*].url'],
];

/** Masks a secret; a URL keeps its host and path so the log stays useful. */
function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === 'url') return typeof value === 'string' ? redactUrlPassword(value) : value;
  return LOG_REDACTED;
}

/** Options of the root logger; `destination` defaults to stdout. */
export interface RootLoggerOptions {
  level: string;
  pretty: 'auto' | 'true' | 'false';
  destination?: NodeJS.WritableStream;
  /** A second destination that gets every JSON line too (src/log/log-tap.ts), whatever the main output's format. */
  tap?: NodeJS.WritableStream;
}

function isTty(stream: NodeJS.WritableStream): boolean {
  return (stream as NodeJS.WritableStream & { isTTY?: boolean }).isTTY === true;
}

/** Creates the root logger; components take `logger.child({component})` in their deps. */
export function createRootLogger(options: RootLoggerOptions): Logger {
  if (!ROOT_LOG_LEVELS.includes(options.level)) {
    throw new ScanError('InvalidRequest', `unknown log level "${options.level}"; use one of ${ROOT_LOG_LEVELS.join(', ')}`);
  }
  const destination = options.destination ?? process.stdout;
  const pretty = options.pretty === 'true' || (options.pretty === 'auto' && isTty(destination));
  const settings: pino.LoggerOptions = {
    level: options.level,
    redact: { paths: [...REDACT_PATHS], censor },
    serializers: { err: pino.stdSerializers.err },
  };
  if (!pretty) {
    // Stdout through sonic-boom in sync mode: lines written before a crash or exit are not lost.
    const sink = options.destination ?? pino.destination({ dest: 1, sync: true });
    return pino(settings, withTap(sink, options.tap));
  }
  // In-process and synchronous, not a worker transport: nothing to flush at exit, no extra thread.
  // Loaded only for a terminal: a service writing JSON lines never needs it.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const prettyStream = pinoPretty({
    destination,
    sync: true,
    colorize: isTty(destination),
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return pino(settings, withTap(prettyStream, options.tap));
}

/** The main output alone, or it and the tap; multistream writes each line to both synchronously. */
function withTap(main: NodeJS.WritableStream | pino.DestinationStream, tap: NodeJS.WritableStream | undefined): pino.DestinationStream {
  if (!tap) return main as pino.DestinationStream;
  // Both at the lowest level: the root logger's own level already decides what is written.
  return pino.multistream([
    { stream: main as pino.DestinationStream, level: 'trace' },
    { stream: tap as pino.DestinationStream, level: 'trace' },
  ]);
}
