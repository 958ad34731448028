import { describe, expect, it } from 'vitest';
import { spliceSections } from '../../tools/bench-report.js';

const HISTORY = '## Profiling and fixes';

const previous = `# Benchmarks

Machine: the last full run's.

## Throughput: 2000 no-op command steps

old throughput

## MCP round trip: \`get_scoreboard\` of a settled batch

old mcp

### A later run

old subsection

## Scale: by batch size

old scale

${HISTORY}

Kept by hand.
`;

describe('spliceSections', () => {
  it('replaces only the section that ran, subsections with it, and keeps the head, the others and the history', () => {
    const out = spliceSections(previous, ['## MCP round trip: `get_scoreboard` of a settled batch, now by revision\n\nnew mcp\n'], HISTORY);
    expect(out).toBe(`# Benchmarks

Machine: the last full run's.

## Throughput: 2000 no-op command steps

old throughput

## MCP round trip: \`get_scoreboard\` of a settled batch, now by revision

new mcp

## Scale: by batch size

old scale

${HISTORY}

Kept by hand.
`);
  });

  it('matches a section by its heading up to the colon, whatever parameters follow', () => {
    const out = spliceSections(previous, ['## Throughput: 500 no-op command steps\n\nnew throughput'], HISTORY);
    expect(out).toContain('## Throughput: 500 no-op command steps\n\nnew throughput\n\n## MCP round trip');
    expect(out).not.toContain('old throughput');
  });

  it('adds a section the file did not have after the last one, before the history', () => {
    const out = spliceSections(previous, ['## Limits: 50 steps\n\nnew limits\n'], HISTORY);
    expect(out).toContain('old scale\n\n## Limits: 50 steps\n\nnew limits\n\n## Profiling and fixes');
  });

  it('writes a whole report from a head alone, as a run of every section does', () => {
    const out = spliceSections(`# Benchmarks\n\nMachine: now.\n\n${HISTORY}\n\nKept.\n`, ['## Throughput: 1\n\nt\n', '## Scale: 2\n\ns\n'], HISTORY);
    expect(out).toBe(`# Benchmarks\n\nMachine: now.\n\n## Throughput: 1\n\nt\n\n## Scale: 2\n\ns\n\n${HISTORY}\n\nKept.\n`);
  });

  it('writes a file that had no history and no sections', () => {
    expect(spliceSections('# Benchmarks\n', ['## MCP round trip: x\n\ny\n'], HISTORY)).toBe('# Benchmarks\n\n## MCP round trip: x\n\ny\n');
  });
});
