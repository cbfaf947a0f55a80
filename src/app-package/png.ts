import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32';

/** An 8-bit image: RGB (3 channels, opaque) or RGBA (4), rows top to bottom, no padding. */
export interface Bitmap {
  width: number;
  height: number;
  channels: 3 | 4;
  pixels: Uint8Array;
}

/** What a PNG's header says. Colour type 2 = RGB, 6 = RGBA (the two this project writes). */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const chunk = (type: string, data: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
};

/** Encodes a bitmap as a PNG (filter 0 on every row, zlib level 9): pure JS, no native code. */
export const encodePng = ({ width, height, channels, pixels }: Bitmap): Buffer => {
  const stride = width * channels;
  if (pixels.length !== stride * height) throw new Error('pixel data does not match the image size');
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++)
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type: RGBA or RGB
  // compression, filter and interlace methods: 0
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
};

/** Reads a PNG's size and colour type from its header; throws when it is not a PNG. */
export const readPngHeader = (png: Buffer): PngHeader => {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR')
    throw new Error('not a PNG file');
  return {
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
    bitDepth: png[24] ?? 0,
    colorType: png[25] ?? 0,
  };
};
