import { Graph, layout, type Edge } from '@dagrejs/dagre';

export interface DagStep {
  step_id: string;
  depends_on: string[];
}

export interface PlacedNode {
  stepId: string;
  /** Centre, in SVG user units. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const NODE_HEIGHT = 30;
const CHAR_WIDTH = 7.2;
/** Longer step ids are cut in the node (the full id is in its tooltip). */
export const LABEL_MAX_CHARS = 24;

function nodeWidth(stepId: string): number {
  return Math.round(Math.min(stepId.length, LABEL_MAX_CHARS) * CHAR_WIDTH + 28);
}

/**
 * Where dagre places a job's steps, dependencies left to right. Only a job's structure goes in,
 * never its statuses, so a caller lays a job out once and repaints it on every change.
 */
export function layoutDag(steps: readonly DagStep[]): DagLayout {
  const graph = new Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 36, marginx: 4, marginy: 4 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(steps.map((s) => s.step_id));
  for (const step of steps) graph.setNode(step.step_id, { width: nodeWidth(step.step_id), height: NODE_HEIGHT });
  for (const step of steps) for (const dep of step.depends_on) if (ids.has(dep)) graph.setEdge(dep, step.step_id);
  layout(graph);
  const nodes = steps.map((step) => {
    const n = graph.node(step.step_id) as { x: number; y: number; width: number; height: number };
    return { stepId: step.step_id, x: n.x, y: n.y, width: n.width, height: n.height };
  });
  const edges = graph.edges().map((e: Edge) => ({ from: e.v, to: e.w, points: (graph.edge(e) as { points: { x: number; y: number }[] }).points }));
  const size = graph.graph() as { width?: number; height?: number };
  return { nodes, edges, width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0) };
}
