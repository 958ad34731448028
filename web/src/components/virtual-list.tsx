import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface VirtualListProps {
  count: number;
  /** Every row is this tall, in CSS pixels: what lets a row's place be computed, not measured. */
  rowHeight: number;
  /** The list's own height, in CSS pixels; it scrolls inside it. */
  height: number;
  renderRow: (index: number) => ComponentChildren;
  /** Rows drawn beyond each edge so a quick scroll does not show blank space. */
  overscan?: number;
  label?: string;
}

/**
 * A list of `count` fixed-height rows of which only the visible ones (and `overscan` more) are in
 * the DOM, so 10,000 rows cost what 30 do.
 */
export function VirtualList({ count, rowHeight, height, renderRow, overscan = 10, label }: VirtualListProps) {
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows: ComponentChildren[] = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div key={index} class="virtual-row" role="listitem" style={{ top: `${index * rowHeight}px`, height: `${rowHeight}px` }}>
        {renderRow(index)}
      </div>,
    );
  }
  return (
    <div class="virtual-list" role="list" aria-label={label} style={{ height: `${Math.min(height, count * rowHeight + 2)}px` }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div class="virtual-space" style={{ height: `${count * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}
