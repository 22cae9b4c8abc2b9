// The gallery's virtualised grid: only the cells in view (plus a margin) exist in the DOM,
// positioned absolutely inside a sizer as tall as the whole list (see ../virtualGrid.ts).
import type { GalleryItem } from '../../src/shared/galleryModel';
import type { ImageLoader } from './images';
import { renderCell, setCellImage } from '../render';
import { cellPosition, visibleRange, type GridGeometry } from '../virtualGrid';

const GEO: GridGeometry = { cellWidth: 184, cellHeight: 248 };

export class GalleryGrid {
  /** The items shown, in order (filtered and sorted). */
  items: GalleryItem[] = [];
  /** A scroll position to restore once the grid has its height (else the browser clamps it to 0). */
  pendingScroll: number | null = null;
  private selectedId: string | null = null;
  private readonly cells = new Map<number, HTMLElement>();
  private frame = 0;

  constructor(private readonly scroller: HTMLElement, private readonly images: ImageLoader) {}

  /** Removes every cell (the items or their order changed); the next render makes them again. */
  clear(): void {
    for (const c of this.cells.values()) c.remove();
    this.cells.clear();
  }

  /** Renders at the next animation frame (once, however often it is asked). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  /** Marks the cell of `id` as selected, and no other. */
  select(id: string | null): void {
    this.selectedId = id;
    for (const c of this.cells.values()) c.classList.toggle('selected', c.dataset.id === id);
  }

  isVisible(id: string): boolean {
    for (const c of this.cells.values()) if (c.dataset.id === id) return true;
    return false;
  }

  /** Shows the images of `ids` that arrived, in the cells still on screen that have none yet. */
  showImages(ids: string[]): void {
    for (const c of this.cells.values()) {
      const id = c.dataset.id as string;
      if (ids.includes(id) && !c.querySelector('img, .img-error')) {
        const entry = this.images.get(id);
        if (entry) setCellImage(document, c, entry);
      }
    }
  }

  private render(): void {
    const scroller = this.scroller;
    const sizer = scroller.querySelector('.sizer') as HTMLElement;
    let range = visibleRange(this.items.length, scroller.scrollTop, scroller.clientHeight, scroller.clientWidth, GEO, 2);
    sizer.style.height = `${range.totalHeight}px`;
    if (this.pendingScroll !== null) {
      scroller.scrollTop = this.pendingScroll;
      this.pendingScroll = null;
      range = visibleRange(this.items.length, scroller.scrollTop, scroller.clientHeight, scroller.clientWidth, GEO, 2);
    }
    const columnsChanged = sizer.dataset.columns !== String(range.columns);
    sizer.dataset.columns = String(range.columns);
    if (columnsChanged) this.clear();
    for (const [i, c] of this.cells) {
      if (i < range.start || i >= range.end) { c.remove(); this.cells.delete(i); }
    }
    const wanted: string[] = [];
    for (let i = range.start; i < range.end; i++) {
      if (this.cells.has(i)) continue;
      const item = this.items[i];
      const c = renderCell(document, item, i);
      c.tabIndex = 0;
      if (item.id === this.selectedId) c.classList.add('selected');
      const pos = cellPosition(i, range.columns, GEO);
      c.style.transform = `translate(${pos.left}px, ${pos.top}px)`;
      this.cells.set(i, c);
      sizer.append(c);
      const cached = this.images.get(item.id);
      if (cached) setCellImage(document, c, cached);
      else wanted.push(item.id);
    }
    this.images.want(wanted);
  }
}
