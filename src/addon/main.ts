#!/usr/bin/env node
/**
 * The Home Assistant add-on's entry point (no bashio): reads the options the Supervisor wrote,
 * asks the Supervisor for its MQTT broker when the options name none, and runs the gateway
 * (`main.js` beside this folder) with those settings as its environment, passing SIGTERM on
 * and exiting with the gateway's code. Its arguments go to the gateway: `scan2mqtt-addon doctor`
 * checks the add-on's own setup.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_CONFIG_FILE, ADDON_OPTIONS_FILE, addonEnvironment, type AddonOptions } from './options.js';
import { knownSettings } from './known-settings.js';
import { fetchMqttService, SUPERVISOR_API, type MqttService } from './supervisor.js';

/** Longest options file read. */
const MAX_OPTIONS_BYTES = 1024 * 1024;

const log = (message: string) => process.stderr.write(`scan2mqtt add-on: ${message}\n`);

async function readOptions(path: string): Promise<AddonOptions> {
  const text = await readFile(path, 'utf8');
  if (text.length > MAX_OPTIONS_BYTES) throw new Error(`${path} is larger than ${MAX_OPTIONS_BYTES} bytes`);
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path} is not a JSON object`);
  return parsed as AddonOptions;
}

async function supervisorBroker(options: AddonOptions): Promise<MqttService | undefined> {
  if (options.mqtt_url?.trim()) return undefined;
  const token = process.env.SUPERVISOR_TOKEN;
  if (!token) {
    log('no SUPERVISOR_TOKEN and no mqtt_url option: the gateway uses its default broker');
    return undefined;
  }
  try {
    const service = await fetchMqttService({ token, api: process.env.SUPERVISOR_API ?? SUPERVISOR_API });
    if (service) log(`using the Supervisor's MQTT broker at ${service.host}:${service.port}${service.ssl ? ' (TLS)' : ''}`);
    else log('the Supervisor offers no MQTT broker: install the Mosquitto broker add-on, or set mqtt_url');
    return service;
  } catch (error) {
    log(`${(error as Error).message}; set mqtt_url to name the broker`);
    return undefined;
  }
}

/** The gateway entry beside this folder: built (`main.js`) or, under tsx in tests, the source. */
function gatewayEntry(): string {
  const built = fileURLToPath(new URL('../main.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('../main.ts', import.meta.url));
}

async function main(): Promise<number> {
  const root = process.env.ADDON_ROOT ?? '/';
  let options: AddonOptions;
  try {
    options = await readOptions(join(root, ADDON_OPTIONS_FILE));
  } catch (error) {
    log(`cannot read the add-on options: ${(error as Error).message}`);
    return 2;
  }
  const mapped = addonEnvironment(options, await supervisorBroker(options), { root, configFileExists: existsSync(join(root, ADDON_CONFIG_FILE)) });
  const { known, unknown } = knownSettings(mapped);
  if (unknown.length > 0) log(`this gateway version has no setting for ${unknown.join(', ')}; left out`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SCAN2MQTT_')));
  // execArgv carries a loader (tsx) to the gateway when this runs from source.
  const child = spawn(process.execPath, [...process.execArgv, gatewayEntry(), ...process.argv.slice(2)], { env: { ...inherited, ...known }, stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
