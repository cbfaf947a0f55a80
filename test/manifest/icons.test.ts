import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawColorIcon, drawOutlineIcon } from '../../src/app-package/icons';
import { encodePng, readPngHeader, type Bitmap } from '../../src/app-package/png';
import { decodePng } from './png-decode';

const MANIFEST_DIR = join(__dirname, '..', '..', 'manifest');
const icon = (name: string) => decodePng(readFileSync(join(MANIFEST_DIR, name)));
const pixelsOf = (png: ReturnType<typeof decodePng>) =>
  Array.from({ length: png.width * png.height }, (_, i) => [...png.rgba.subarray(i * 4, i * 4 + 4)]);

/** The bitmap as RGBA, to compare with a decoded file. */
const rgbaOf = ({ width, height, channels, pixels }: Bitmap): Uint8Array => {
  if (channels === 4) return pixels;
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) out.set([...pixels.subarray(i * 3, i * 3 + 3), 255], i * 4);
  return out;
};

describe('the app icons', () => {
  it('color.png is 192×192, full colour, opaque, in the manifest accent colour', () => {
    const png = icon('color.png');
    expect([png.width, png.height, png.bitDepth]).toEqual([192, 192, 8]);
    expect([2, 6]).toContain(png.colorType); // RGB or RGBA: full colour
    const pixels = pixelsOf(png);
    expect(pixels.every(([, , , a]) => a === 255)).toBe(true);
    const colours = new Set(pixels.map(([r, g, b]) => `${r},${g},${b}`));
    expect(colours.size).toBeGreaterThan(2); // a picture, not a flat square
    const manifest = JSON.parse(readFileSync(join(MANIFEST_DIR, 'manifest.json'), 'utf8')) as {
      accentColor: string;
    };
    const [r = 0, g = 0, b = 0] = pixels[0] ?? [];
    expect(`#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`.toUpperCase()).toBe(
      manifest.accentColor.toUpperCase(),
    );
  });

  it('outline.png is 32×32 RGBA, every pixel white or fully transparent, with both present', () => {
    const png = icon('outline.png');
    expect([png.width, png.height, png.bitDepth, png.colorType]).toEqual([32, 32, 8, 6]);
    const pixels = pixelsOf(png);
    const offending = pixels.filter(([r, g, b, a]) => a !== 0 && !(r === 255 && g === 255 && b === 255));
    expect(offending).toEqual([]);
    expect(pixels.filter(([, , , a]) => a === 0).length).toBeGreaterThan(pixels.length / 4);
    expect(pixels.filter(([, , , a]) => a === 255).length).toBeGreaterThan(0);
  });

  it('the committed icons are what `npm run icons` draws (regenerate after changing icons.ts)', () => {
    expect(Buffer.from(icon('color.png').rgba).equals(Buffer.from(rgbaOf(drawColorIcon())))).toBe(true);
    expect(Buffer.from(icon('outline.png').rgba).equals(Buffer.from(rgbaOf(drawOutlineIcon())))).toBe(true);
  });

  it('the PNG writer round-trips through an independent decoder, and the header reader reads it', () => {
    const bitmap: Bitmap = {
      width: 3,
      height: 2,
      channels: 4,
      pixels: new Uint8Array(24).map((_, i) => i * 10),
    };
    const png = encodePng(bitmap);
    expect(readPngHeader(png)).toEqual({ width: 3, height: 2, bitDepth: 8, colorType: 6 });
    expect([...decodePng(png).rgba]).toEqual([...bitmap.pixels]);
    expect(() => readPngHeader(Buffer.from('GIF89a not a png at all, but long enough'))).toThrow(/not a PNG/);
  });

  it('the test decoder refuses a damaged file (the check can fail)', () => {
    const png = readFileSync(join(MANIFEST_DIR, 'outline.png'));
    const damaged = Buffer.from(png);
    damaged[40] = (damaged[40] ?? 0) ^ 0xff;
    expect(() => decodePng(damaged)).toThrow();
  });
});
