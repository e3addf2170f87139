/**
 * The HP LEDM vocabulary the walk-up "Scan to Computer" flow uses: namespaces, resource paths
 * and the text values devices send. Facts from public captures (node-hp-scan-to test assets,
 * scantopc); PROTOCOLS.md lists the flow.
 */
import { protocolError } from '../../../core/errors.js';
import { pathOfLocation } from '../location.js';

/** The walk-up namespace of WalkupScanToComp* documents (conventional prefix `wus`). */
export const WALKUP_NS = 'http://www.hp.com/schemas/imaging/con/ledm/walkupscan/2010/09/28';
/** The LEDM data dictionary (prefix `dd`): Name, ResourceURI, ScanPlexMode, AgingStamp. */
export const DD_NS = 'http://www.hp.com/schemas/imaging/con/dictionaries/1.0/';
/** The later dictionary (prefix `dd3`) that holds Hostname. */
export const DD3_NS = 'http://www.hp.com/schemas/imaging/con/dictionaries/2009/04/06';
/** The event table namespace (prefix `ev`). */
export const EVENTS_NS = 'http://www.hp.com/schemas/imaging/con/ledm/events/2007/09/16';
/** The scan type namespace (prefix `scantype`) of a destination's ScanSettings. */
export const SCANTYPE_NS = 'http://www.hp.com/schemas/imaging/con/ledm/scantype/2008/03/17';

/** Where the device lists (GET) and takes (POST) Scan-to-Computer destinations. */
export const DESTINATIONS_PATH = '/WalkupScanToComp/WalkupScanToCompDestinations';
/** The device's walk-up capabilities; a 200 here means the device offers Scan to Computer. */
export const CAPS_PATH = '/WalkupScanToComp/WalkupScanToCompCaps';
/** The state of the panel's walk-up dialogue, when an event does not name it. */
export const COMP_EVENT_PATH = '/WalkupScanToComp/WalkupScanToCompEvent';
/** The device's event table, long-polled with an etag. */
export const EVENT_TABLE_PATH = '/EventMgmt/EventTable';

/** Longest resource path accepted from a device; real ones are about 90 characters. */
export const MAX_RESOURCE_PATH_CHARS = 512;

/**
 * The path of a resource URI a device sent (absolute `http://ip:80/…` or a bare path). Only
 * paths below the walk-up or event resources are accepted, so a hostile device cannot steer
 * the gateway's requests anywhere else.
 */
export function walkupResourcePath(uri: string, what: string): string {
  const path = pathOfLocation(uri).replace(/\/+$/, '');
  if (path.length === 0 || path.length > MAX_RESOURCE_PATH_CHARS) throw protocolError(`${what}: unusable resource URI`);
  if (!/^\/(WalkupScanToComp|EventMgmt)\/[A-Za-z0-9._~\-/]*$/.test(path)) throw protocolError(`${what}: resource URI outside the walk-up resources`);
  if (path.split('/').some((segment) => segment === '..' || segment === '.')) throw protocolError(`${what}: resource URI climbs out of its folder`);
  return path;
}
