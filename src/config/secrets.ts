import { isSecretName, isSecretValue } from '../core/index.js';

/**
 * Where a raw config holds something that looks like a secret: a string under a key named like
 * a token, password or key, or a value shaped like one (a PEM block, an `sk-…` key). The harness
 * config is written to disk and served to clients, so it must never carry one.
 */
export function findSecrets(value: unknown, path = ''): string[] {
  if (typeof value === 'string') {
    return isSecretValue(value) ? [`${path || '(root)'} holds a value that looks like a secret (PEM block or API key)`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecrets(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => {
      const here = path ? `${path}.${key}` : key;
      if (isSecretName(key) && typeof v === 'string' && v.length > 0) {
        return [`${here} looks like a secret; pass credentials through the environment, never the harness config`];
      }
      return findSecrets(v, here);
    });
  }
  return [];
}
