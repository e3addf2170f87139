/**
 * A gateway process with its web frontend on a free loopback port (no token: the default a user
 * gets on one machine), the eSCL simulator as its one scanner, and headless Chromium to drive it.
 */
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/mosquitto.js';
import { launchChromium, type HeadlessChromium } from '../helpers/chromium.js';
import { EsclSimulator, type EsclSimulatorOptions } from '../sim/escl/index.js';
import { startGatewayOnBroker, type GatewayOnBroker } from './gateway-process.js';

/** The simulated scanner's id in every frontend rig. */
export const RIG_SCANNER = 'sim';

/** Everything a frontend browser test drives. */
export interface FrontendRig {
  readonly sim: EsclSimulator;
  readonly rig: GatewayOnBroker;
  readonly browser: HeadlessChromium;
  readonly page: Page;
  /** The page's address for `hash` (e.g. '#scan'). */
  url(hash?: string): string;
  stop(): Promise<void>;
}

/** Starts simulator, gateway (with `env` added) and browser; stops what started if a later step fails. */
export async function startFrontendRig(env: Record<string, string | undefined>, simOptions: EsclSimulatorOptions = {}): Promise<FrontendRig> {
  const sim = new EsclSimulator(simOptions);
  let rig: GatewayOnBroker | undefined;
  let browser: HeadlessChromium | undefined;
  const stop = async () => {
    await browser?.close();
    await rig?.stop();
    await sim.stop();
  };
  try {
    await sim.start();
    const port = await freePort();
    rig = await startGatewayOnBroker(RIG_SCANNER, {
      SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: RIG_SCANNER }]),
      SCAN2MQTT_FRONTEND_ENABLED: 'true',
      SCAN2MQTT_FRONTEND_PORT: String(port),
      ...env,
    });
    browser = await launchChromium();
    const page = await browser.context.newPage();
    return { sim, rig, browser, page, url: (hash = '') => `http://127.0.0.1:${port}/${hash}`, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
