import { STATUSES, statusLabel } from './statuses.js';

/** Names every colour a status is drawn in. */
export function Legend() {
  return (
    <ul class="legend" aria-label="Status colours">
      {STATUSES.map((s) => (
        <li key={s} data-legend={s}>
          <span class={`legend-swatch status-${s}`} aria-hidden="true" />
          {statusLabel(s)}
        </li>
      ))}
    </ul>
  );
}
