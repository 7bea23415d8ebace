/** A minimal PNG encoder (8-bit RGBA, no filtering, zlib via fflate) for image-grid exports. */
import { zlibSync } from 'fflate';
import { crc32 } from './data/idx';
import type { ImageGrid } from '../shared/protocol';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes an RGBA grid as PNG bytes, scaled up by an integer `scale` (nearest neighbour). */
export function encodePng(grid: Pick<ImageGrid, 'rgba' | 'width' | 'height'>, scale = 1): Uint8Array {
  const w = grid.width * scale;
  const h = grid.height * scale;
  const raw = new Uint8Array(h * (1 + w * 4));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * 4);
    raw[row] = 0; // filter: none
    const sy = Math.floor(y / scale);
    for (let x = 0; x < w; x++) {
      const src = (sy * grid.width + Math.floor(x / scale)) * 4;
      raw.set(grid.rgba.subarray(src, src + 4), row + 1 + x * 4);
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit, RGBA, deflate, no filter, no interlace
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
