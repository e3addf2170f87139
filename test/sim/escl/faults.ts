/** Faults a test can inject into the simulator, modelled on devices' documented misbehaviour. */

/** One injectable fault; `times` counts triggers (default 1; slow-body, endless-adf and offline persist until cleared). */
export type SimFault =
  /** 503 on the next ScanJobs/NextDocument requests (warming up, "device busy"). */
  | { kind: 'busy'; times?: number }
  /** 409 on the next ScanJobs, whatever the settings. */
  | { kind: 'conflict'; times?: number }
  /** The feeder jams after `afterPages` pages of the next ADF job: 503 once, then `then` (default 404). */
  | { kind: 'jam'; afterPages: number; then?: 404 | 500 }
  /** Page bodies trickle at this rate. */
  | { kind: 'slow-body'; bytesPerSecond: number; times?: number }
  /** The socket is destroyed after this many body bytes of a page; with `afterPages`, of the first page after that many of a job. */
  | { kind: 'cut-body'; afterBytes: number; afterPages?: number; times?: number }
  /** The next capabilities/status answers come `delayMs` late (a device waking from sleep answers its first requests slowly). */
  | { kind: 'slow-answer'; delayMs: number; times?: number }
  /** The feeder never runs out and always reports paper loaded (a faulty or hostile ADF). */
  | { kind: 'endless-adf' }
  /** Once `afterPages` pages of a job were sent whole, the device drops off the network (then acts as `offline`). */
  | { kind: 'unplug'; afterPages: number }
  /** The next capabilities/status document is truncated mid-element. */
  | { kind: 'malformed-xml'; target: 'capabilities' | 'status'; times?: number }
  /** Brother MFC-L2710DW: 404 on a NextDocument that follows a page "too quickly" although pages remain. */
  | { kind: 'false-404'; times?: number }
  /** Xerox B205/B215: 410 meaning "not ready yet, retry". */
  | { kind: 'xerox-410'; times?: number }
  /** NextDocument never answers (until the client gives up or the simulator stops). */
  | { kind: 'hang'; times?: number }
  /** Every connection is closed at once, as if the device were unplugged. */
  | { kind: 'offline' };

/** The fault kinds. */
export type SimFaultKind = SimFault['kind'];

interface ArmedFault {
  readonly fault: SimFault;
  remaining: number;
}

/** Faults that stay until cleared unless the test gives `times`. */
const PERSISTENT_KINDS: ReadonlySet<SimFaultKind> = new Set(['slow-body', 'endless-adf', 'offline']);

/** The set of armed faults, consumed as they trigger. */
export class FaultBook {
  private armed: ArmedFault[] = [];

  /** Arms a fault. */
  add(fault: SimFault): void {
    const times = 'times' in fault && fault.times !== undefined ? fault.times : PERSISTENT_KINDS.has(fault.kind) ? Infinity : 1;
    if (times > 0) this.armed.push({ fault, remaining: times });
  }

  /** Disarms everything. */
  clear(): void {
    this.armed = [];
  }

  /** The first armed fault of this kind, without consuming it. */
  peek<K extends SimFaultKind>(kind: K): Extract<SimFault, { kind: K }> | undefined {
    return this.armed.find((entry) => entry.fault.kind === kind)?.fault as Extract<SimFault, { kind: K }> | undefined;
  }

  /** Consumes one trigger of the first armed fault of this kind and returns it. */
  take<K extends SimFaultKind>(kind: K): Extract<SimFault, { kind: K }> | undefined {
    const entry = this.armed.find((candidate) => candidate.fault.kind === kind);
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.armed = this.armed.filter((candidate) => candidate !== entry);
    return entry.fault as Extract<SimFault, { kind: K }>;
  }
}

/** Cuts an XML document in the middle of an element, the way a dropped connection or buggy firmware does. */
export function truncateXml(xml: string): string {
  const cut = Math.max(1, Math.floor(xml.length * 0.6));
  return `${xml.slice(0, cut)}<scan:`;
}
