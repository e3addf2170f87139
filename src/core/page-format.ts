/**
 * Identifies page bytes by their magic numbers. Devices mislabel their output
 * (Pantum M7100DN sends JPEG as image/png, sane-airscan #281), so the bytes win.
 */

/** Image and document types the gateway can recognise. */
export type SniffedType = 'jpeg' | 'png' | 'pdf' | 'tiff' | 'bmp' | 'pnm';

/** Bytes needed to tell every supported type apart. */
export const SNIFF_BYTES = 8;

/** Identifies a file type from its first bytes, or undefined when unknown. */
export function sniffPageType(head: Uint8Array): SniffedType | undefined {
  const b = (i: number) => head[i];
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return 'png';
  if (b(0) === 0x25 && b(1) === 0x50 && b(2) === 0x44 && b(3) === 0x46) return 'pdf';
  if ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 0x2a && b(3) === 0x00) || (b(0) === 0x4d && b(1) === 0x4d && b(2) === 0x00 && b(3) === 0x2a)) return 'tiff';
  if (b(0) === 0x42 && b(1) === 0x4d) return 'bmp';
  const second = b(1);
  if (b(0) === 0x50 && second !== undefined && second >= 0x31 && second <= 0x36) return 'pnm';
  return undefined;
}

/** File extension for a sniffed type. */
export function extensionFor(type: SniffedType): string {
  return type === 'jpeg' ? 'jpg' : type === 'tiff' ? 'tif' : type;
}

/** MIME type for a sniffed type. */
export function mimeTypeFor(type: SniffedType): string {
  switch (type) {
    case 'jpeg':
      return 'image/jpeg';
    case 'png':
      return 'image/png';
    case 'pdf':
      return 'application/pdf';
    case 'tiff':
      return 'image/tiff';
    case 'bmp':
      return 'image/bmp';
    case 'pnm':
      return 'image/x-portable-anymap';
  }
}
