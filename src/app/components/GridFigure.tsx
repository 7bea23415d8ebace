import { useLayoutEffect, useRef, type ReactNode } from 'react';
import type { ImageGrid } from '../../shared/protocol';
import { useElementWidth } from '../hooks';

/** Copy an ImageGrid into a canvas of exactly its size (the page scales it up, pixelated). */
function drawGrid(canvas: HTMLCanvasElement, grid: ImageGrid): void {
  if (grid.width <= 0 || grid.height <= 0 || grid.rgba.length !== grid.width * grid.height * 4) return;
  if (canvas.width !== grid.width) canvas.width = grid.width;
  if (canvas.height !== grid.height) canvas.height = grid.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(grid.width, grid.height);
  image.data.set(grid.rgba);
  ctx.putImageData(image, 0, 0);
}

/** Column widths in CSS pixels (the CSS uses the same gap). */
const MAX_LABEL_WIDTH = 84;
const NOTE_WIDTH = 46;
const GAP = 8;

/** Room for the longest label at 12px (roughly 6.7px a character), within bounds; ellipsis handles the rest. */
function labelColumnWidth(labels: readonly string[]): number {
  const longest = labels.reduce((n, l) => Math.max(n, l.length), 0);
  return Math.min(MAX_LABEL_WIDTH, Math.max(14, Math.ceil(longest * 6.7) + 2));
}

interface GridFigureProps {
  grid: ImageGrid;
  /** One label per row, drawn at the left (omitted when the count does not match the rows). */
  rowLabels?: readonly string[];
  /** Optional second label per row, drawn at the right (e.g. class counts). */
  rowNotes?: readonly string[];
  /** Upper bounds of the displayed size, in CSS pixels. */
  maxHeight: number;
  maxScale?: number;
  /** Never draw smaller than this; a wider grid scrolls sideways instead. */
  minScale?: number;
  caption?: ReactNode;
  ariaLabel: string;
  testId?: string;
  size?: 'large' | 'small';
}

/** A canvas showing an ImageGrid scaled to fit, with the class name of each row beside it. */
export function GridFigure({
  grid,
  rowLabels,
  rowNotes,
  maxHeight,
  maxScale = 8,
  minScale = 0,
  caption,
  ariaLabel,
  testId,
  size = 'large',
}: GridFigureProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [bodyRef, bodyWidth] = useElementWidth<HTMLDivElement>();

  useLayoutEffect(() => {
    if (canvasRef.current) drawGrid(canvasRef.current, grid);
  }, [grid]);

  const labels = rowLabels && rowLabels.length === grid.rows ? rowLabels : null;
  const notes = rowNotes && rowNotes.length === grid.rows ? rowNotes : null;
  const labelWidth = labels ? labelColumnWidth(labels) : 0;
  const available = bodyWidth - (labels ? labelWidth + GAP : 0) - (notes ? NOTE_WIDTH + GAP : 0);
  const fit = bodyWidth > 0 ? Math.min(Math.max(available, 16) / grid.width, maxHeight / grid.height, maxScale) : 1;
  // Whole-number scales keep every source pixel the same size on screen.
  const scale = Math.max(minScale, fit >= 2 ? Math.floor(fit) : fit);
  const width = Math.max(1, Math.floor(grid.width * scale));
  const height = Math.max(1, Math.floor(grid.height * scale));
  const rowHeight = height / Math.max(1, grid.rows);

  return (
    <figure className={`grid-figure grid-figure--${size}`}>
      {caption && <figcaption className="grid-figure__caption">{caption}</figcaption>}
      <div className="grid-figure__body" ref={bodyRef}>
        {labels && (
          <ol
            className="grid-figure__labels"
            style={{ height, width: labelWidth }}
            aria-hidden="true"
            data-dense={rowHeight < 14 || undefined}
          >
            {labels.map((name, i) => (
              <li key={i} title={name}>
                {name}
              </li>
            ))}
          </ol>
        )}
        <div className="grid-figure__scroll" style={bodyWidth > 0 ? { maxWidth: Math.max(16, available) } : undefined}>
          <canvas
            ref={canvasRef}
            className="grid-figure__canvas"
            width={grid.width}
            height={grid.height}
            style={{ width, height }}
            role="img"
            aria-label={ariaLabel}
            data-testid={testId}
          />
        </div>
        {notes && (
          <ol
            className="grid-figure__notes"
            style={{ height, width: NOTE_WIDTH }}
            aria-hidden="true"
            data-dense={rowHeight < 14 || undefined}
          >
            {notes.map((note, i) => (
              <li key={i}>{note}</li>
            ))}
          </ol>
        )}
      </div>
    </figure>
  );
}
