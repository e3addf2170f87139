/**
 * Sample scanners as the gateway would present them. Capability values are modelled on
 * /work/shared/fixtures (Canon TS5300 and Brother MFC-L8690CDW eSCL capabilities); the SANE
 * scanner with front-panel buttons is a LiDE-style flatbed whose backend reports sensors.
 */
import type { ScannerView } from '../../src/core/gateway-api.js';

/** A platen-only eSCL inkjet (Canon TS5300 series). */
export const platenOnly: ScannerView = {
  id: '00000000_0000_1000_8000_00188b045a87',
  name: 'Canon TS5300 series',
  manufacturer: 'Canon',
  model: 'TS5300 series',
  serial: '00188b045a87',
  firmware: '2.63',
  protocol: 'escl',
  url: 'http://192.0.2.30/eSCL',
  admin_url: 'http://8B138A000000.local./index.html?page=PAGE_AAP',
  online: true,
  capabilities: {
    protocol: 'escl',
    manufacturer: 'Canon',
    model: 'TS5300 series',
    sources: {
      platen: {
        resolutions: [75, 100, 150, 200, 600, 1200],
        color_modes: ['color', 'gray'],
        formats: ['pdf', 'jpeg', 'png'],
        max_width_mm: 215.9,
        max_height_mm: 297,
      },
    },
  },
};

const brotherSource = {
  resolutions: [100, 200, 300, 600],
  color_modes: ['color', 'gray', 'bw'] as const,
  formats: ['pdf', 'jpeg'] as const,
  max_width_mm: 215.9,
};

/** An ADF duplex laser MFP (Brother MFC-L8690CDW). */
export const adfDuplex: ScannerView = {
  id: '00000000_0000_1000_8000_0018d7024a10',
  name: 'Brother MFC-L8690CDW',
  manufacturer: 'Brother',
  model: 'MFC-L8690CDW series',
  protocol: 'escl',
  url: 'http://192.0.2.122/eSCL',
  admin_url: 'http://192.168.200.122/net/net/airprint.html',
  online: true,
  capabilities: {
    protocol: 'escl',
    sources: {
      platen: { ...brotherSource, color_modes: [...brotherSource.color_modes], formats: [...brotherSource.formats], max_height_mm: 296.9 },
      adf: { ...brotherSource, color_modes: [...brotherSource.color_modes], formats: [...brotherSource.formats], max_height_mm: 355.6 },
      adf_duplex: { ...brotherSource, color_modes: [...brotherSource.color_modes], formats: ['pdf'], max_height_mm: 355.6 },
    },
  },
};

/** A SANE flatbed behind saned whose backend reports front-panel buttons. */
export const saneWithButtons: ScannerView = {
  id: 'sane_192_0_2_9_6566_genesys_libusb_001_004',
  name: 'Lide (genesys)',
  manufacturer: 'Canon',
  model: 'LiDE 220',
  protocol: 'sane',
  url: 'sane://192.0.2.9:6566/genesys:libusb:001:004',
  // saned has no web console; a non-http URL must not become configuration_url.
  admin_url: 'sane://192.0.2.9:6566',
  online: true,
  capabilities: {
    protocol: 'sane',
    sources: {
      platen: {
        resolutions: [75, 100, 150, 200, 300, 400, 600, 1200, 2400],
        color_modes: ['color', 'gray', 'bw'],
        formats: ['pdf', 'jpeg', 'png', 'tiff'],
        max_width_mm: 216,
        max_height_mm: 297,
      },
    },
    resolution_range: { min: 75, max: 4800, step: 1 },
    buttons: ['scan', 'copy', 'email', 'file'],
    events: ['button'],
  },
};

/** A scanner known before its capabilities were read. */
export const noCapabilities: ScannerView = {
  id: 'office',
  name: 'Office',
  protocol: 'wsd',
  url: 'http://192.0.2.8:5358/wsd/scan',
  online: false,
};
