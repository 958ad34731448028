import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { canonicalJson, ConfigInvalidError, HarnessConfigSchema, type HarnessConfig } from '../core/index.js';
import { findSecrets } from './secrets.js';

export interface LoadedConfig {
  config: HarnessConfig;
  /** Stable hash of the effective config: the same content always has the same version. */
  version: string;
}

/** Reads a harness config file (or none) and returns the effective config with its version. */
export async function loadHarnessConfig(file: string | undefined): Promise<LoadedConfig> {
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigInvalidError(file, [`cannot be read: ${(error as Error).message}`]);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ConfigInvalidError(file, [`is not JSON: ${(error as Error).message}`]);
    }
  }
  return parseHarnessConfig(raw, file ?? '(built-in defaults)');
}

export function parseHarnessConfig(raw: unknown, source: string): LoadedConfig {
  const secrets = findSecrets(raw);
  if (secrets.length > 0) throw new ConfigInvalidError(source, secrets);
  const parsed = HarnessConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigInvalidError(
      source,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return { config: parsed.data, version: configVersion(parsed.data) };
}

function configVersion(config: HarnessConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}
