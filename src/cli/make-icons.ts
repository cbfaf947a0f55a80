import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { drawColorIcon, drawOutlineIcon } from '../app-package/icons';
import { encodePng } from '../app-package/png';

/** `npm run icons`: redraws `manifest/color.png` and `manifest/outline.png` (commit the result). */
const manifestDir = resolve(__dirname, '..', '..', '..', 'manifest');
for (const [name, bitmap] of [
  ['color.png', drawColorIcon()],
  ['outline.png', drawOutlineIcon()],
] as const) {
  const file = join(manifestDir, name);
  writeFileSync(file, encodePng(bitmap));
  process.stdout.write(`icons: wrote ${file} (${bitmap.width}×${bitmap.height})\n`);
}
