import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium, type Browser, type Page } from 'playwright-core';
import { whenDone } from '../servers/harness-server.js';

// Debian's chromium package (installed by .ci/run); no browser is downloaded.
const CANDIDATES = [process.env.HARNESS_TEST_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));

export function chromiumPath(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) throw new Error(`no Chromium at ${CANDIDATES.join(', ')}: apt-get install -y chromium (or set HARNESS_TEST_CHROMIUM)`);
  return found;
}

/** Real headless Chromium, closed when the test ends. */
export async function launchChromium(): Promise<Browser> {
  // Chromium's sandbox refuses to run as root, which CI is.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args });
  whenDone(() => browser.close());
  return browser;
}

/** Where tests leave screenshots: $HARNESS_TEST_ARTIFACTS (.ci/run sets it), else a folder under the temp directory. */
export const ARTIFACTS_DIR = process.env.HARNESS_TEST_ARTIFACTS ?? join(tmpdir(), 'harness-mcp-test-artifacts');

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
