/**
 * Names of the devices a saned host exports. Listings as saned reports them (`scanimage -L`
 * prints the same fields): the `test` backend, genesys, pixma (vendor repeated in the model)
 * and hpaio (underscores for spaces); then hostile listings.
 */
import { describe, expect, it } from 'vitest';
import { MAX_NAME_PART_CHARS, makeAndModel, sanedDeviceNames } from '../../src/protocols/sane/discovery/device-names.js';
import { findingsForSanedHost } from '../../src/protocols/sane/discovery/saned-hosts.js';
import { scannerIdFrom } from '../../src/core/device.js';

const TEST_BACKEND = [
  { name: 'test:0', vendor: 'Noname', model: 'frontend-tester' },
  { name: 'test:1', vendor: 'Noname', model: 'frontend-tester' },
];
const OFFICE = [
  { name: 'genesys:libusb:001:004', vendor: 'Canon', model: 'LiDE 220' },
  { name: 'pixma:04A9176D_3EBCC9', vendor: 'CANON', model: 'Canon PIXMA MG5200' },
  { name: 'hpaio:/net/Officejet_Pro_8600?ip=192.0.2.5', vendor: 'Hewlett-Packard', model: 'Officejet_Pro_8600' },
];

describe('saned device names', () => {
  it('names each device from its vendor and model when no other device of the host shares them', () => {
    expect([...sanedDeviceNames('Office', OFFICE).values()]).toEqual(['Canon LiDE 220', 'Canon PIXMA MG5200', 'Hewlett-Packard Officejet Pro 8600']);
    expect(sanedDeviceNames('Lab', TEST_BACKEND.slice(0, 1)).get('test:0')).toBe('Noname frontend-tester');
  });

  it('prefixes the entry name and adds the device string where devices of the host look alike', () => {
    const names = sanedDeviceNames('Lab', [...TEST_BACKEND, OFFICE[0]!]);
    expect(names.get('test:0')).toBe('Lab Noname frontend-tester (test:0)');
    expect(names.get('test:1')).toBe('Lab Noname frontend-tester (test:1)');
    expect(names.get('genesys:libusb:001:004')).toBe('Canon LiDE 220');
    // Same model spelled in another case is still the same model.
    const cased = sanedDeviceNames('Lab', [{ name: 'a', vendor: 'CANON', model: 'LIDE 220' }, { name: 'b', vendor: 'Canon', model: 'LiDE 220' }]);
    expect(new Set(cased.values()).size).toBe(2);
  });

  it('keeps the entry name and device string for a device that reports neither vendor nor model', () => {
    expect(sanedDeviceNames('Lab', [{ name: 'net:x:test:0', vendor: '', model: '' }]).get('net:x:test:0')).toBe('Lab net:x:test:0');
    expect(makeAndModel('Epson', '')).toBe('Epson');
    expect(makeAndModel(undefined, ' ')).toBeUndefined();
  });

  it('cleans hostile vendor and model strings: no control or direction characters, bounded length', () => {
    const hostile = [
      { name: 'evil:0', vendor: 'Ev\u0000il\u001b[31m', model: '\u202eReversed\u0007\nModel' },
      { name: 'long:0', vendor: 'V'.repeat(10_000), model: 'M'.repeat(10_000) },
      { name: `x\u0000${'d'.repeat(500)}`, vendor: '\u0000\u0001', model: '\t\r\n' },
    ];
    const names = sanedDeviceNames('Lab', hostile);
    for (const name of names.values()) {
      expect(name).not.toMatch(/[\p{Cc}\p{Cf}]/u);
      expect(name.length).toBeLessThanOrEqual('Lab '.length + 2 * MAX_NAME_PART_CHARS + ' ()'.length);
    }
    expect(names.get('evil:0')).toBe('Ev il [31m Reversed Model');
    expect(names.get('long:0')).toHaveLength(MAX_NAME_PART_CHARS);
  });

  it('changes names only: ids still come from the host, port and device string', () => {
    const host = { name: 'Lab', host: '192.0.2.9', port: 6566 };
    const findings = findingsForSanedHost(host, TEST_BACKEND);
    expect(findings.map((f) => scannerIdFrom(f.key))).toEqual(['sane_192_0_2_9_6566_test_0', 'sane_192_0_2_9_6566_test_1']);
    expect(findings.map((f) => f.name)).toEqual(['Lab Noname frontend-tester (test:0)', 'Lab Noname frontend-tester (test:1)']);
    const friendly = findingsForSanedHost({ ...host, friendlyName: 'lab' }, TEST_BACKEND);
    expect(friendly.map((f) => f.friendlyName)).toEqual(['lab test:0', 'lab test:1']);
  });
});
