/**
 * A saned exporting one small Gray device (the fake's well-behaved replies) with sensor options,
 * as backends expose a scanner's own buttons (`scan`, `email`): read-only bools a frontend polls.
 * `press(name)` makes that sensor read true once, in the next round of reads (a round starts with
 * the first sensor), as a press between two polls is seen; buttons pressed together show in one round.
 */
import { WireWriter } from '../../../src/protocols/sane/wire-writer.js';
import { RPC, SENSOR_BASE_INDEX, dataStream, startFakeDataPort, startFakeSaned, wellBehaved, type FakeRequest } from './fake-saned.js';

/** Pixels per side of the device's only page. */
const PAGE_SIDE = 16;
/** SANE's CONTROL_OPTION action for reading a value. */
const ACTION_GET = 0;

/** A running saned with pressable buttons. */
export interface ButtonSaned {
  host: string;
  port: number;
  /** The device name as GET_DEVICES lists it. */
  device: string;
  /** The next read of the sensor says pressed; the read after says released. */
  press(...sensors: string[]): void;
  /** Reads of a sensor so far. */
  reads(sensor: string): number;
  /** STARTs (pages scanned) so far. */
  starts(): number;
  stop(): Promise<void>;
}

/** Starts it on free loopback ports. */
export async function startButtonSaned(sensors: readonly string[]): Promise<ButtonSaned> {
  const data = await startFakeDataPort(dataStream([Buffer.alloc(PAGE_SIDE * PAGE_SIDE, 0x80)], 5));
  const waiting = new Set<string>();
  const pressed = new Set<string>();
  const readCounts = new Map<string, number>();
  const sensorAt = (req: FakeRequest) => sensors[(req.words[1] ?? -1) - SENSOR_BASE_INDEX];
  const fake = await startFakeSaned((req) => {
    switch (req.rpc) {
      case RPC.INIT: return wellBehaved.init();
      case RPC.GET_DEVICES: return wellBehaved.devices();
      case RPC.OPEN: return wellBehaved.open();
      case RPC.GET_OPTION_DESCRIPTORS: return wellBehaved.descriptors([], [...sensors]);
      case RPC.CONTROL_OPTION: {
        const sensor = sensorAt(req);
        if (sensor === undefined || req.words[2] !== ACTION_GET) return wellBehaved.controlOption(req);
        readCounts.set(sensor, (readCounts.get(sensor) ?? 0) + 1);
        if (sensor === sensors[0]) {
          for (const name of waiting) pressed.add(name);
          waiting.clear();
        }
        const down = pressed.delete(sensor);
        return new WireWriter().word(0).word(0).word(0).word(4).word(1).word(down ? 1 : 0).string(null).toBuffer();
      }
      case RPC.GET_PARAMETERS: return wellBehaved.parameters(PAGE_SIDE, PAGE_SIDE);
      case RPC.START: return wellBehaved.start(data.port);
      default: return wellBehaved.dummy();
    }
  });
  return {
    host: fake.host,
    port: fake.port,
    device: 'fake:0',
    press: (...names) => names.forEach((name) => waiting.add(name)),
    reads: (sensor) => readCounts.get(sensor) ?? 0,
    starts: () => fake.requests.filter((r) => r.rpc === RPC.START).length,
    async stop() {
      await fake.stop();
      await data.stop();
    },
  };
}
