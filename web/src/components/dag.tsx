import { useMemo, useState } from 'preact/hooks';
import type { StepEntry } from '../../../src/core/scoreboard.js';
import { hrefOf } from '../routes.js';
import { layoutDag, LABEL_MAX_CHARS, type DagStep, type PlacedEdge } from './dag-layout.js';
import { statusLabel } from './statuses.js';

export interface JobDagProps {
  batchId: string;
  jobId: string;
  /** The job's planned steps (batch meta): its structure, laid out once. */
  steps: readonly DagStep[];
  /** The scoreboard's entry of each step by step id; a step not in it yet is drawn blocked. */
  entries: ReadonlyMap<string, StepEntry>;
}

function pathOf(edge: PlacedEdge): string {
  return edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function labelOf(stepId: string): string {
  return stepId.length > LABEL_MAX_CHARS ? `${stepId.slice(0, LABEL_MAX_CHARS - 1)}…` : stepId;
}

/** What a step's tooltip says: its id, status, and why it is blocked when it is. */
export function describeStep(stepId: string, entry: StepEntry | undefined): string {
  const status = entry?.status ?? 'blocked';
  const lines = [`${stepId}: ${statusLabel(status)}`];
  if (entry && entry.attempts > 1) lines.push(`${entry.attempts} attempts`);
  for (const reason of entry?.blocked_reasons ?? []) lines.push(reason);
  if (entry?.retry_at) lines.push(`retry at ${entry.retry_at}`);
  return lines.join('\n');
}

/**
 * One job's step DAG: a node per step, filled with its status's colour, an edge per dependency.
 * Each node is a link to the step's page (a keyboard stop); its tooltip, on hover and on focus,
 * says why it is blocked.
 */
export function JobDag({ batchId, jobId, steps, entries }: JobDagProps) {
  const placed = useMemo(() => layoutDag(steps), [steps]);
  const [pointed, setPointed] = useState<string | undefined>();
  // The tooltip sits outside the scrolling box (which would clip it), so it follows the scroll.
  const [scrollLeft, setScrollLeft] = useState(0);
  const tip = pointed === undefined ? undefined : placed.nodes.find((n) => n.stepId === pointed);
  return (
    <div class="dag" onMouseLeave={() => setPointed(undefined)}>
      <div class="dag-scroll" onScroll={(e) => setScrollLeft(e.currentTarget.scrollLeft)}>
        <svg width={placed.width} height={placed.height} viewBox={`0 0 ${placed.width} ${placed.height}`} role="group" aria-label={`Steps of job ${jobId}`}>
          <defs>
            <marker id={`arrow-${jobId}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="dag-arrow" />
            </marker>
          </defs>
          {placed.edges.map((edge) => (
            <path key={`${edge.from}>${edge.to}`} class="dag-edge" d={pathOf(edge)} marker-end={`url(#arrow-${jobId})`} />
          ))}
          {placed.nodes.map((node) => {
            const entry = entries.get(node.stepId);
            const status = entry?.status ?? 'blocked';
            const description = describeStep(node.stepId, entry);
            return (
              <a
                key={node.stepId}
                href={hrefOf({ view: 'step', batchId, jobId, stepId: node.stepId })}
                class={`dag-node dag-node-${status}`}
                data-step={`${jobId}/${node.stepId}`}
                data-status={status}
                aria-label={description.replace(/\n/g, '; ')}
                onMouseEnter={() => setPointed(node.stepId)}
                onFocus={() => setPointed(node.stepId)}
                onBlur={() => setPointed(undefined)}
              >
                <title>{description}</title>
                <rect x={node.x - node.width / 2} y={node.y - node.height / 2} width={node.width} height={node.height} rx="6" />
                <text x={node.x} y={node.y} dominant-baseline="central" text-anchor="middle">
                  {labelOf(node.stepId)}
                </text>
              </a>
            );
          })}
        </svg>
      </div>
      {tip && (
        <div class="dag-tip" role="tooltip" style={{ left: `${Math.max(0, tip.x - tip.width / 2 - scrollLeft)}px`, top: `calc(0.4rem + ${tip.y + tip.height / 2 + 6}px)` }}>
          {describeStep(tip.stepId, entries.get(tip.stepId))}
        </div>
      )}
    </div>
  );
}
