/** The namespace URIs of WSD (PROTOCOLS.md B.1). Real devices use `http://`, and the 2006/08 scan namespace. */

/** SOAP 1.2 envelope. */
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** SOAP 1.1 envelope, tolerated when reading. */
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** WS-Addressing 2004/08 (the one DPWS uses). */
export const WSA_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
/** WS-Discovery 2005/04. */
export const WSD_NS = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
/** DPWS device profile 2006/02. */
export const DEVPROF_NS = 'http://schemas.xmlsoap.org/ws/2006/02/devprof';
/** WS-MetadataExchange 2004/09. */
export const MEX_NS = 'http://schemas.xmlsoap.org/ws/2004/09/mex';
/** WS-Transfer 2004/09. */
export const TRANSFER_NS = 'http://schemas.xmlsoap.org/ws/2004/09/transfer';
/** WS-Eventing 2004/08. */
export const WSE_NS = 'http://schemas.xmlsoap.org/ws/2004/08/eventing';
/** WS-Scan: 2006/08; the 2006/01 URI of Microsoft's examples is rejected by devices. */
export const SCAN_NS = 'http://schemas.microsoft.com/windows/2006/08/wdp/scan';
/** PnP-X. */
export const PNPX_NS = 'http://schemas.microsoft.com/windows/pnpx/2005/10';
/** XOP include (MTOM). */
export const XOP_NS = 'http://www.w3.org/2004/08/xop/include';

/** The anonymous reply address of WS-Addressing 2004/08. */
export const WSA_ANONYMOUS = `${WSA_NS}/role/anonymous`;
/** The action of an addressing fault (some devices send faults this way, with HTTP 200). */
export const WSA_FAULT_ACTION = `${WSA_NS}/fault`;
/** WS-Transfer Get and its response. */
export const TRANSFER_GET_ACTION = `${TRANSFER_NS}/Get`;
/** The WS-Transfer Get response action. */
export const TRANSFER_GET_RESPONSE_ACTION = `${TRANSFER_NS}/GetResponse`;

/** The action URI of a WS-Scan operation, e.g. `scanAction('CreateScanJob')`. */
export function scanAction(op: string): string {
  return `${SCAN_NS}/${op}`;
}
