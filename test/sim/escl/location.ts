/**
 * Job identifiers and the `Location` header of POST ScanJobs, in the styles
 * real devices use (PROTOCOLS.md A.3 and the traces in fixtures/escl/traces).
 */
import { randomUUID } from 'node:crypto';

/** How the device spells the Location of a new job. */
export type LocationStyle = 'relative' | 'relative-lowercase-header' | 'absolute-bogus-host' | 'kyocera-urn';

/** The host the HP DeskJet 2540 put in Location over USB; it resolves nowhere. */
export const BOGUS_LOCATION_HOST = 'BR54BFB02C05XK.03f011c2.hpLedmUSB';

/** Identity of a new job. */
export interface JobIdentity {
  readonly id: string;
  readonly uuid: string;
  /** Path of the job resource, as listed in pwg:JobUri. */
  readonly uri: string;
}

/** Chooses the job id the way the modelled device does: uuid (AirSane, Canon), integer (HP) or urn:uuid (Kyocera). */
export function newJobIdentity(style: LocationStyle, basePath: string, sequence: number): JobIdentity {
  const uuid = randomUUID();
  const id = style === 'absolute-bogus-host' ? String(sequence) : style === 'kyocera-urn' ? `urn:uuid:${uuid}` : uuid;
  return { id, uuid, uri: `${trimSlashes(basePath)}/ScanJobs/${id}` };
}

/** Header name and value for the 201 answer. `requestHost` is the Host the client sent. */
export function locationHeader(style: LocationStyle, job: JobIdentity, scheme: 'http' | 'https', requestHost: string): [string, string] {
  switch (style) {
    case 'relative':
      return ['Location', job.uri];
    case 'relative-lowercase-header':
      return ['location', job.uri];
    case 'absolute-bogus-host':
      return ['Location', `http://${BOGUS_LOCATION_HOST}${job.uri}`];
    case 'kyocera-urn':
      return ['Location', `${scheme}://${requestHost}${job.uri}`];
  }
}

/** `/eSCL/` → `/eSCL`, `/` → `` (so paths join with a single slash). */
export function trimSlashes(basePath: string): string {
  const inner = basePath.replace(/^\/+|\/+$/g, '');
  return inner.length === 0 ? '' : `/${inner}`;
}
