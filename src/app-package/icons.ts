import type { Bitmap } from './png';

/**
 * The app's icons, drawn in code so `npm run icons` can regenerate `manifest/color.png` and
 * `manifest/outline.png`: five bars rising left to right, one per phase (scope → proof of concept
 * → pilot → enterprise rollout → operations). The first three are done (solid), the last two
 * still to come (faded on the colour icon, hollow on the outline icon).
 */
export const ACCENT_COLOR = '#0F6CBD';

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

type Shape = (x: number, y: number) => boolean;

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** A rectangle from (x0, y0) to (x1, y1) with corners rounded by r. */
const roundedRect =
  (x0: number, y0: number, x1: number, y1: number, r: number): Shape =>
  (x, y) => {
    if (x < x0 || x >= x1 || y < y0 || y >= y1) return false;
    const cx = clamp(x, x0 + r, x1 - r);
    const cy = clamp(y, y0 + r, y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };

const hollow =
  (outer: Shape, inner: Shape): Shape =>
  (x, y) =>
    outer(x, y) && !inner(x, y);

/** The share of a pixel a shape covers, from a 4×4 grid of samples (anti-aliased edges). */
const coverage = (shape: Shape, px: number, py: number): number => {
  let inside = 0;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) if (shape(px + (i + 0.5) / 4, py + (j + 0.5) / 4)) inside++;
  return inside / 16;
};

const hex = (color: string): [number, number, number] => [
  parseInt(color.slice(1, 3), 16),
  parseInt(color.slice(3, 5), 16),
  parseInt(color.slice(5, 7), 16),
];

interface Bar {
  x0: number;
  x1: number;
  top: number;
  done: boolean;
}

/** Five bars in a square of `size` pixels: `left`/`bottom` place them, heights rise by `step`. */
const bars = (left: number, bottom: number, width: number, gap: number, first: number, step: number): Bar[] =>
  [0, 1, 2, 3, 4].map((i) => ({
    x0: left + i * (width + gap),
    x1: left + i * (width + gap) + width,
    top: bottom - (first + i * step),
    done: i < 3,
  }));

/** 192×192, opaque RGB: the accent colour, the symbol in the central 96×96 (Teams' guidance). */
export const drawColorIcon = (): Bitmap => {
  const size = COLOR_ICON_SIZE;
  const background = hex(ACCENT_COLOR);
  const white: [number, number, number] = [255, 255, 255];
  const layers = [
    ...bars(49, 138, 14, 6, 22, 16).map((b) => ({
      shape: roundedRect(b.x0, b.top, b.x1, 138, 3),
      opacity: b.done ? 1 : 0.45,
    })),
    { shape: roundedRect(46, 142, 146, 147, 2.5), opacity: 1 }, // the timeline they stand on
  ];
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const rgb = [...background];
      for (const { shape, opacity } of layers) {
        const a = coverage(shape, x, y) * opacity;
        if (a > 0) for (let c = 0; c < 3; c++) rgb[c] = (rgb[c] ?? 0) * (1 - a) + (white[c] ?? 0) * a;
      }
      pixels.set(
        rgb.map((v) => Math.round(v)),
        (y * size + x) * 3,
      );
    }
  return { width: size, height: size, channels: 3, pixels };
};

/** 32×32 RGBA: white on transparent, as Teams wants the outline icon. */
export const drawOutlineIcon = (): Bitmap => {
  const size = OUTLINE_ICON_SIZE;
  const shapes = bars(2, 30, 4, 2, 8, 5).map((b) => {
    const outer = roundedRect(b.x0, b.top, b.x1, 30, 0.75);
    return b.done ? outer : hollow(outer, roundedRect(b.x0 + 1, b.top + 1, b.x1 - 1, 29, 0));
  });
  const pixels = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const alpha = Math.min(
        1,
        shapes.reduce((sum, shape) => sum + coverage(shape, x, y), 0),
      );
      // Fully transparent pixels are transparent black; every visible pixel is pure white.
      if (alpha > 0) pixels.set([255, 255, 255, Math.round(alpha * 255)], (y * size + x) * 4);
    }
  return { width: size, height: size, channels: 4, pixels };
};
