// Virtualisation math for the gallery grid: fixed-size cells laid out in rows, only the rows
// in view (plus a buffer) are in the DOM. Pure so it can be unit tested.

export interface GridGeometry {
  /** Cell width and height in CSS pixels, including the gap. */
  cellWidth: number;
  cellHeight: number;
}

export interface VisibleRange {
  columns: number;
  rowCount: number;
  /** Total scroll height of the grid. */
  totalHeight: number;
  firstRow: number;
  /** Exclusive. */
  endRow: number;
  /** Item indices [start, end) to render. */
  start: number;
  end: number;
}

/** How many fixed-width cells fit in a container width (at least one). */
export function columnsFor(containerWidth: number, cellWidth: number): number {
  if (!(containerWidth > 0) || !(cellWidth > 0)) return 1;
  return Math.max(1, Math.floor(containerWidth / cellWidth));
}

/**
 * The rows to render for a scroll position: those intersecting [scrollTop, scrollTop+viewport)
 * plus `bufferRows` above and below, clamped to the data.
 */
export function visibleRange(
  itemCount: number, scrollTop: number, viewportHeight: number, containerWidth: number,
  geo: GridGeometry, bufferRows = 2,
): VisibleRange {
  const columns = columnsFor(containerWidth, geo.cellWidth);
  const count = Math.max(0, Math.floor(itemCount));
  const rowCount = Math.ceil(count / columns);
  const totalHeight = rowCount * geo.cellHeight;
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - Math.max(0, viewportHeight)));
  const first = Math.floor(top / geo.cellHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / geo.cellHeight);
  const firstRow = Math.max(0, first - bufferRows);
  const endRow = Math.min(rowCount, last + bufferRows);
  return {
    columns, rowCount, totalHeight, firstRow, endRow,
    start: Math.min(count, firstRow * columns),
    end: Math.min(count, endRow * columns),
  };
}

/** Pixel position of item `index` in the grid. */
export function cellPosition(index: number, columns: number, geo: GridGeometry): { top: number; left: number } {
  return { top: Math.floor(index / columns) * geo.cellHeight, left: (index % columns) * geo.cellWidth };
}
