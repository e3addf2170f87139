/**
 * The virtual button `adf_loaded`: fed by scanner state changes, pressed once per load after the
 * debounce, again only after the feeder was empty; a feeder loaded at start is no load; only bound
 * scanners are watched (their status polled faster), and other trigger sources never see the binding.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScannerStatePayload, ScannerView } from '../../src/core/gateway-api.js';
import type { AdfState } from '../../src/core/status.js';
import { ADF_LOADED_BUTTON, createAdfLoadedSource, type ScannerStateHub } from '../../src/triggers/adf-loaded-source.js';
import type { ButtonBinding } from '../../src/triggers/button-config.js';
import { ButtonTriggers } from '../../src/triggers/button-triggers.js';
import { createDeviceEventSource, type DeviceEventHub } from '../../src/triggers/device-event-source.js';
import type { TriggerReport } from '../../src/triggers/trigger-source.js';

const DEBOUNCE_MS = 2_000;
const logger = pino({ level: 'silent' });
const sources = { platen: { resolutions: [300], color_modes: ['color' as const], formats: ['pdf' as const], max_width_mm: 216, max_height_mm: 297 } };
const view = (id: string, feeder: boolean): ScannerView => ({
  id, name: id, protocol: 'escl', url: 'http://192.0.2.1/eSCL', online: true,
  capabilities: { protocol: 'escl', sources: feeder ? { ...sources, adf: sources.platen } : sources },
});

/** A gateway whose scanners' feeder states the test sets; it records status watches and device-event watches. */
class Hub implements ScannerStateHub, DeviceEventHub {
  private readonly emitter = new EventEmitter();
  readonly states = new Map<string, ScannerStatePayload>();
  readonly statusWatches: string[] = [];
  readonly deviceWatches: string[] = [];
  constructor(readonly views: ScannerView[]) {}
  setAdf(id: string, adf: AdfState | null): void {
    const state: ScannerStatePayload = { status: 'idle', adf, job: null };
    this.states.set(id, state);
    this.emitter.emit('stateChanged', id, state);
  }
  getState = (id: string) => this.states.get(id);
  listScanners = () => this.views;
  watchStatus(id: string): () => void {
    this.statusWatches.push(id);
    return () => void this.statusWatches.splice(this.statusWatches.indexOf(id), 1);
  }
  watchDeviceEvents(id: string): () => void {
    this.deviceWatches.push(id);
    return () => undefined;
  }
  on(event: string, listener: (scannerId: string, payload: never) => void): void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }
  off(event: string, listener: (scannerId: string, payload: never) => void): void {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
  }
}

function triggers(hub: Hub, bindings: ButtonBinding[]) {
  const presses: TriggerReport[] = [];
  const routed = new ButtonTriggers({
    bindings,
    sources: [createDeviceEventSource(hub), createAdfLoadedSource(hub, { debounceMs: DEBOUNCE_MS })],
    logger,
    onPress: (binding, press) => void (binding && presses.push(press)),
  });
  return { routed, presses };
}

const adfBinding = (scanner = 'office'): ButtonBinding => ({ scanner, button: ADF_LOADED_BUTTON, profile: 'document', action: 'scan' });

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('adf_loaded', () => {
  it('presses once when the feeder turns from empty to loaded and stays loaded for the debounce', () => {
    const hub = new Hub([view('office', true)]);
    const { routed, presses } = triggers(hub, [adfBinding()]);
    routed.start();
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS - 1);
    expect(presses).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(presses).toEqual([{ scanner: 'office', button: 'adf_loaded', action: 'loaded' }]);
    routed.stop();
  });

  it('does not press again for the same load (repeated states, a scan’s own states) until the feeder was empty', () => {
    const hub = new Hub([view('office', true)]);
    const { routed, presses } = triggers(hub, [adfBinding()]);
    routed.start();
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS);
    for (const adf of ['loaded', 'jam', 'loaded', null, 'loaded'] as const) hub.setAdf('office', adf);
    vi.advanceTimersByTime(DEBOUNCE_MS * 5);
    expect(presses).toHaveLength(1);
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(presses).toHaveLength(2);
    routed.stop();
  });

  it('takes paper already in the feeder at start for no load', () => {
    const hub = new Hub([view('office', true)]);
    hub.setAdf('office', 'loaded');
    const { routed, presses } = triggers(hub, [adfBinding()]);
    routed.start();
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS * 3);
    expect(presses).toEqual([]);
    routed.stop();
  });

  it('a load taken out again within the debounce (or the scanner gone offline) presses nothing', () => {
    const hub = new Hub([view('office', true)]);
    const { routed, presses } = triggers(hub, [adfBinding()]);
    routed.start();
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS / 2);
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS / 2);
    hub.setAdf('office', null);
    vi.advanceTimersByTime(DEBOUNCE_MS * 3);
    expect(presses).toEqual([]);
    routed.stop();
  });

  it('stop forgets a load still settling', () => {
    const hub = new Hub([view('office', true)]);
    const { routed, presses } = triggers(hub, [adfBinding()]);
    routed.start();
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    routed.stop();
    vi.advanceTimersByTime(DEBOUNCE_MS * 3);
    expect(presses).toEqual([]);
    expect(hub.statusWatches).toEqual([]);
  });

  it('watches only bound scanners: their status is polled faster, others’ feeders press nothing', () => {
    const hub = new Hub([view('office', true), view('lobby', true)]);
    const { routed, presses } = triggers(hub, [adfBinding('office')]);
    routed.start();
    expect(hub.statusWatches).toEqual(['office']);
    hub.setAdf('lobby', 'empty');
    hub.setAdf('lobby', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(presses).toEqual([]);
    routed.stop();
  });

  it('is off unless bound: nothing watched, and the device-event source never sees an adf_loaded binding', () => {
    const hub = new Hub([view('office', true)]);
    const none = triggers(hub, [{ scanner: 'office', button: 'scan', action: 'scan' }]);
    none.routed.start();
    expect(hub.statusWatches).toEqual([]);
    expect(hub.deviceWatches).toEqual(['office']);
    none.routed.stop();
    const hub2 = new Hub([view('office', true)]);
    const only = triggers(hub2, [adfBinding()]);
    only.routed.start();
    // No SANE sensor reads, no WSD panel entry named "adf_loaded".
    expect(hub2.deviceWatches).toEqual([]);
    expect(hub2.statusWatches).toEqual(['office']);
    only.routed.stop();
  });

  it('a `*` binding watches every scanner, and gives the Home Assistant event button only to scanners with a feeder', () => {
    const hub = new Hub([view('office', true), view('flat', false)]);
    const { routed, presses } = triggers(hub, [adfBinding('*')]);
    routed.start();
    expect(hub.statusWatches).toEqual(['*']);
    hub.setAdf('office', 'empty');
    hub.setAdf('office', 'loaded');
    vi.advanceTimersByTime(DEBOUNCE_MS);
    expect(presses.map((p) => p.scanner)).toEqual(['office']);
    expect(routed.virtualButtonsOf(view('office', true))).toEqual(['adf_loaded']);
    expect(routed.virtualButtonsOf(view('flat', false))).toEqual([]);
    routed.stop();
  });
});
