// Helpers for tests that look at files: a folder's bytes (to show nothing changed) and a PNG's pixels.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';

/** Every file under `folder` with its bytes (base64), to show nothing changed. */
export function snapshot(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p); else out[path.relative(folder, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  walk(folder);
  return out;
}

/** A PNG decoded to RGBA (Skia). */
export async function pixels(png: Uint8Array): Promise<{ w: number; h: number; data: Uint8ClampedArray }> {
  const img = await loadImage(Buffer.from(png));
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return { w: img.width, h: img.height, data: ctx.getImageData(0, 0, img.width, img.height).data };
}
