/** The logger type every component takes in its deps; one pino root, child loggers per part. */
import type { Logger as PinoLogger } from 'pino';

/** A pino logger (or child). */
export type Logger = PinoLogger;
