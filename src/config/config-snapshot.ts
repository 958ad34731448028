import { mkdir } from 'node:fs/promises';
import { HarnessConfigFileSchema, nowIso, WriteOnceError, type HarnessConfigFile } from '../core/index.js';
import { writeJsonAtomic, writeJsonOnce, type RunsPaths } from '../store/index.js';
import type { LoadedConfig } from './load-config.js';

/** The content of harness_config.json for a loaded config. */
export function configFileOf(loaded: LoadedConfig): HarnessConfigFile {
  return HarnessConfigFileSchema.parse({ ...loaded.config, harness_config_version: loaded.version, written_at: nowIso() });
}

/**
 * Writes harness_config.json (replaced atomically whenever a server takes the runs root) and
 * the write-once snapshot of its version under harness_config_versions/.
 */
export async function writeConfigSnapshot(paths: RunsPaths, file: HarnessConfigFile): Promise<void> {
  await mkdir(paths.configVersionsDir, { recursive: true });
  await writeJsonAtomic(paths.configFile, file);
  try {
    await writeJsonOnce(paths.configVersionFile(file.harness_config_version), file);
  } catch (error) {
    // The same version was snapshotted by an earlier start: same content, nothing to do.
    if (!(error instanceof WriteOnceError)) throw error;
  }
}
