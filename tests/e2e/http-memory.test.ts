import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { oneJob, tempDir } from './servers/harness-server.js';
import { startHttpHarness } from './servers/http-server.js';

// 256 MiB in CI; PAGED_MIB=2048 for the full-size run by hand.
const PAGED_MIB = Number(process.env.PAGED_MIB ?? 256);
const PAGE_BYTES = 1024 * 1024;

/** Resident and peak resident memory of a process, in MiB, from /proc. */
async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

describe('MCP over HTTP, memory', () => {
  it(`keeps the server's memory flat while a client pages ${PAGED_MIB} MiB of a log with fetch_artifact`, async () => {
    const dir = await tempDir();
    const http = await startHttpHarness();
    const client = await http.connect();
    const submitted = await client.callTool({
      name: 'submit_batch',
      arguments: oneJob(dir, [{ step_id: 'log', command: ['sh', '-c', `head -c ${PAGED_MIB * PAGE_BYTES} /dev/zero | tr '\\0' a`] }]),
    });
    const batchId = (submitted.structuredContent as any).batch_id;
    // Writing the log takes longer than the SDK client's default 60 s request timeout at 2 GiB.
    const waited = await client.callTool({ name: 'wait_for_batch', arguments: { batch_id: batchId, timeout_seconds: 500 } }, { timeout: 550_000 });
    expect(waited.structuredContent).toMatchObject({ settled: true, counts: { succeeded: 1 } });
    const address = { batch_id: batchId, job_id: 'j', step_id: 'log', name: 'stdout', max_bytes: PAGE_BYTES };

    // Warm: the first pages load code and grow the heap to its working size.
    let offset = 0;
    const page = async () => {
      const result = await client.callTool({ name: 'fetch_artifact', arguments: { ...address, offset } });
      const content = result.structuredContent as { next_offset: number; eof: boolean; content: string };
      expect(content.content.length).toBe(Math.min(PAGE_BYTES, PAGED_MIB * PAGE_BYTES - offset));
      offset = content.next_offset;
      return content.eof;
    };
    for (let i = 0; i < 8; i++) await page();
    const before = await memoryMiB(http.child.pid!);
    let pages = 8;
    while (!(await page())) pages++;
    const after = await memoryMiB(http.child.pid!);
    expect(offset).toBe(PAGED_MIB * PAGE_BYTES);
    const growth = after.rss - before.rss;
    console.log(
      `http paging: ${pages + 1} pages of 1 MiB (${PAGED_MIB} MiB) through fetch_artifact over HTTP, server RSS ${before.rss.toFixed(0)} MiB before, ` +
        `${after.rss.toFixed(0)} MiB after (growth ${growth.toFixed(0)} MiB), peak ${after.peak.toFixed(0)} MiB`,
    );
    expect(growth).toBeLessThan(100);
  }, 600_000);
});
