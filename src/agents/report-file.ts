import { readPlantedFile } from '../core/index.js';

// A report is a summary and is kept whole in final.json; a mebibyte is far more than one needs.
const MAX_REPORT_BYTES = 1024 * 1024;

/**
 * The text of a report file an agent left in its attempt directory, or why it was not read;
 * undefined when there is none. The agent could put anything there (a FIFO that blocks a read
 * for good, a link to /dev/zero or to another file), so only a plain file of one link is read.
 */
export async function readReportFile(path: string): Promise<{ text: string } | { refused: string } | undefined> {
  try {
    return await readPlantedFile(path, MAX_REPORT_BYTES, `reports are read up to ${MAX_REPORT_BYTES} bytes`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
