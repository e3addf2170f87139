/**
 * Display names for the devices one saned host exports, from each device's vendor and model
 * (`Canon LiDE 220`) rather than its backend string (`genesys:libusb:001:004`). Pure; vendor
 * and model come from the network and are cleaned and bounded here.
 */

/** Longest vendor-and-model (and longest device string) put into a name; longer text is clipped. */
export const MAX_NAME_PART_CHARS = 48;

/** What a saned GET_DEVICES listing says about one device. */
export interface SanedDeviceIdentity {
  /** The backend's device string, unique on its host. */
  name: string;
  vendor?: string;
  model?: string;
}

/**
 * Device string → display name. A device whose vendor and model no other device of the host
 * shares is named by them alone; devices that look alike (two identical scanners, or the
 * `test` backend's two devices) get the host entry's name as a prefix and their device string,
 * so each name still says which one it is. Without a vendor or model: entry name and device string.
 */
export function sanedDeviceNames(entryName: string, devices: readonly SanedDeviceIdentity[]): Map<string, string> {
  const makeModels = new Map(devices.map((d) => [d.name, makeAndModel(d.vendor, d.model)]));
  const count = new Map<string, number>();
  for (const name of makeModels.values()) if (name) count.set(name.toLowerCase(), (count.get(name.toLowerCase()) ?? 0) + 1);
  const names = new Map<string, string>();
  for (const device of devices) {
    const makeModel = makeModels.get(device.name);
    const deviceText = clip(clean(device.name)) || 'device';
    if (!makeModel) names.set(device.name, `${entryName} ${deviceText}`);
    else if ((count.get(makeModel.toLowerCase()) ?? 0) > 1) names.set(device.name, `${entryName} ${makeModel} (${deviceText})`);
    else names.set(device.name, makeModel);
  }
  return names;
}

/** `Vendor Model`, without the vendor twice when the model already starts with it; undefined when both are empty. */
export function makeAndModel(vendor: string | undefined, model: string | undefined): string | undefined {
  const v = clean(vendor ?? '');
  const m = clean(model ?? '');
  const joined = !m ? v : !v || m.toLowerCase().startsWith(v.toLowerCase()) ? m : `${v} ${m}`;
  return clip(joined) || undefined;
}

/**
 * Control and format characters become spaces (they would end up in HA's device name);
 * hpaio reports models with `_` for spaces (`Officejet_Pro_8600`).
 */
function clean(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}_]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function clip(text: string): string {
  return text.length > MAX_NAME_PART_CHARS ? `${text.slice(0, MAX_NAME_PART_CHARS - 1).trimEnd()}…` : text;
}
