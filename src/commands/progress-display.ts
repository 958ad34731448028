import type { BatchScoreboard } from '../core/index.js';
import { CLI_LOGS, describeCounts } from '../scoreboard/index.js';

const SHOWN = 5;
// A terminal is redrawn at most this often; a busy batch changes far faster.
const REDRAW_MS = 250;

/**
 * Shows a batch's progress while a command follows it. On a terminal a small block (counts,
 * running steps with what they are doing, the attention list) is redrawn in place; otherwise
 * a plain line is printed whenever the counts change.
 */
export function createProgressDisplay(out: NodeJS.WriteStream = process.stderr) {
  let lastLine = '';
  let drawnLines = 0;
  let lastDraw = 0;
  return {
    update(board: BatchScoreboard): void {
      // A pause (drain, low disk, no server) is part of the line: ready steps sit still and the line says why.
      const held = board.dispatch_paused && !board.settled ? `; new attempts are held back: ${board.dispatch_paused}` : '';
      const line = `${board.batch_id}: ${describeCounts(board.counts)}${held}`;
      if (!out.isTTY) {
        if (line !== lastLine) out.write(`${line}\n`);
        lastLine = line;
        return;
      }
      if (Date.now() - lastDraw < REDRAW_MS && !board.settled) return;
      lastDraw = Date.now();
      const lines = [line];
      for (const r of board.running.items.slice(0, SHOWN)) lines.push(`  running  ${r.job_id}/${r.step_id}${r.current_item ? `: ${r.current_item}` : ''}`);
      if (board.running.total > SHOWN) lines.push(`  … ${board.running.total - SHOWN} more running`);
      for (const a of board.attention.items.slice(0, SHOWN)) {
        lines.push(`  ${a.kind.padEnd(8)} ${a.job_id}/${a.step_id}${a.message ? `: ${a.message.split('\n')[0]!.slice(0, 100)}` : ''} (${CLI_LOGS(a.run_id)})`);
      }
      if (board.attention.total > SHOWN) lines.push(`  … ${board.attention.total - SHOWN} more needing attention`);
      // Move up over the last block, clear to the end of the screen, draw the new one.
      out.write(`${drawnLines ? `\x1b[${drawnLines}F` : ''}\x1b[J${lines.join('\n')}\n`);
      drawnLines = lines.length;
    },
  };
}
