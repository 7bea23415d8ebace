/** Turning normalised images into a displayable RGBA grid (plain data for the UI). */
import type { ImageGrid } from '../shared/protocol';

/**
 * Lays out `rows * cols` NHWC images (normalised with mean/std) as one RGBA bitmap, row-major:
 * image r*cols + k goes to row r, column k. Pixels are de-normalised (x·std + mean) and clipped to [0, 1].
 */
export function imagesToGrid(
  pixels: Float32Array | Uint8Array,
  shape: readonly [number, number, number],
  rows: number,
  cols: number,
  norm?: { mean: readonly number[]; std: readonly number[] },
  gap = 1,
): ImageGrid {
  const [h, w, c] = shape;
  const width = cols * w + (cols - 1) * gap;
  const height = rows * h + (rows - 1) * gap;
  const rgba = new Uint8ClampedArray(width * height * 4);
  // Gaps are white-ish so cells read as separate images.
  rgba.fill(255);
  const size = h * w * c;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const img = r * cols + k;
      if ((img + 1) * size > pixels.length) continue;
      const ox = k * (w + gap);
      const oy = r * (h + gap);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const src = img * size + (y * w + x) * c;
          const dst = ((oy + y) * width + ox + x) * 4;
          for (let ch = 0; ch < 3; ch++) {
            const sc = c === 1 ? 0 : ch;
            const v = pixels[src + sc]!;
            const unit = norm ? v * (norm.std[sc] ?? norm.std[0]!) + (norm.mean[sc] ?? norm.mean[0]!) : v / 255;
            rgba[dst + ch] = Math.round(Math.min(1, Math.max(0, unit)) * 255);
          }
          rgba[dst + 3] = 255;
        }
      }
    }
  }
  return { rgba, width, height, rows, cols, cellWidth: w, cellHeight: h };
}

/** Cell (row, col)'s pixel rectangle in a grid made with gap 1. */
function cellBox(grid: ImageGrid, row: number, col: number) {
  return { x0: col * (grid.cellWidth + 1), y0: row * (grid.cellHeight + 1), w: grid.cellWidth, h: grid.cellHeight };
}

/** Draws a 2-pixel accent frame inside cell (row, col): marks a chosen image. */
export function markCell(grid: ImageGrid, row: number, col: number, rgb: readonly [number, number, number] = [255, 170, 0]): void {
  const { x0, y0, w, h } = cellBox(grid, row, col);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x > 1 && x < w - 2 && y > 1 && y < h - 2) continue;
      const o = ((y0 + y) * grid.width + x0 + x) * 4;
      grid.rgba[o] = rgb[0];
      grid.rgba[o + 1] = rgb[1];
      grid.rgba[o + 2] = rgb[2];
      grid.rgba[o + 3] = 255;
    }
  }
}

/** Paints cell (row, col) the gap colour (an empty slot). */
export function blankCell(grid: ImageGrid, row: number, col: number): void {
  const { x0, y0, w, h } = cellBox(grid, row, col);
  for (let y = 0; y < h; y++) grid.rgba.fill(255, ((y0 + y) * grid.width + x0) * 4, ((y0 + y) * grid.width + x0 + w) * 4);
}
