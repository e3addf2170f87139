#!/usr/bin/env node
/**
 * scan2mqtt entry point: reads the command line and configuration, runs the gateway,
 * and shuts it down cleanly on SIGTERM/SIGINT. The only module that exits the process.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { ConfigError, helpText, loadConfig, parseCliArgs } from './config/load.js';
import { createRootLogger } from './log/logger.js';
import { createLogTap } from './log/log-tap.js';
import { createGatewayApp } from './app/gateway-app.js';
import { checkHealth } from './app/health-file.js';
import { runDoctor } from './doctor/doctor.js';
import { PROTOCOL_MODULES } from './protocols/index.js';

/** A stop that takes longer than this is cut short (a device that hangs must not block shutdown). */
const SHUTDOWN_TIMEOUT_MS = 15_000;

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

async function main(): Promise<number> {
  const all = process.argv.slice(2);
  const doctor = all[0] === 'doctor';
  const argv = doctor ? all.slice(1) : all;
  let args;
  try {
    args = parseCliArgs(argv.filter((a) => a !== '--healthcheck'));
  } catch (error) {
    process.stderr.write(`scan2mqtt: ${(error as Error).message}\n`);
    return 2;
  }
  if (args.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (args.help) {
    process.stdout.write(helpText(version));
    return 0;
  }
  let config;
  try {
    config = loadConfig({ argv, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`scan2mqtt: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (doctor) {
    // Silent: the report is the output; the discovery code's own warnings would only repeat it.
    const report = await runDoctor({ config, modules: PROTOCOL_MODULES, logger: createRootLogger({ level: 'silent', pretty: 'false' }) });
    process.stdout.write(report.text);
    return report.exitCode;
  }
  if (argv.includes('--healthcheck')) {
    const problem = await checkHealth(resolve(config.data.folder));
    if (problem) process.stderr.write(`unhealthy: ${problem}\n`);
    return problem ? 1 : 0;
  }

  // The frontend's live log reads the root's lines through this tap (already redacted).
  const logs = createLogTap();
  const logger = createRootLogger({ level: config.log.level, pretty: config.log.pretty, tap: logs.stream });
  // A rejected promise nobody awaited is a bug to log, not a reason to drop every scanner.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  // After an uncaught exception the process state is unknown: log it and exit so a supervisor restarts us.
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(1);
  });
  const app = createGatewayApp({ config, logger, version, logs });
  // Listen for signals before starting: start() waits for the broker, which may be down for a
  // long while (the gateway retries it), and a stop asked for meanwhile must still be clean.
  const signalled = new Promise<NodeJS.Signals>((done) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      done(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  const started = app.start().then(() => 'started' as const);
  if ((await Promise.race([started, signalled])) === 'started') await signalled;
  else started.catch((error: unknown) => logger.debug({ err: error }, 'start cut short by the stop'));
  const forced = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  forced.unref();
  await app.stop();
  logger.info('stopped');
  logger.flush();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`scan2mqtt: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
