import { describe, expect, it } from 'vitest';
import { layoutDag } from '../../web/src/components/dag-layout.js';
import { countsOf, describeCounts } from '../../web/src/components/statuses.js';

describe('layoutDag', () => {
  it('places every step once, each dependency to the left of the step that needs it, an edge per dependency', () => {
    const placed = layoutDag([
      { step_id: 'a', depends_on: [] },
      { step_id: 'b', depends_on: ['a'] },
      { step_id: 'c', depends_on: ['a'] },
      { step_id: 'd', depends_on: ['b', 'c'] },
    ]);
    const at = Object.fromEntries(placed.nodes.map((n) => [n.stepId, n]));
    expect(Object.keys(at).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(at.a!.x).toBeLessThan(at.b!.x);
    expect(at.b!.x).toBeLessThan(at.d!.x);
    expect(at.b!.y).not.toBe(at.c!.y);
    expect(placed.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual(['a>b', 'a>c', 'b>d', 'c>d']);
    for (const edge of placed.edges) expect(edge.points.length).toBeGreaterThanOrEqual(2);
    for (const node of placed.nodes) {
      expect(node.x + node.width / 2).toBeLessThanOrEqual(placed.width);
      expect(node.y + node.height / 2).toBeLessThanOrEqual(placed.height);
    }
  });

  it('draws no edge to a step outside the job', () => {
    expect(layoutDag([{ step_id: 'only', depends_on: ['elsewhere'] }]).edges).toEqual([]);
  });
});

describe('describeCounts', () => {
  it('names the non-zero counts, failures first', () => {
    expect(describeCounts(countsOf(['succeeded', 'failed', 'succeeded', 'needs_attention']))).toBe('1 failed, 1 needs attention, 2 succeeded');
    expect(describeCounts(countsOf([]))).toBe('no steps');
  });
});
