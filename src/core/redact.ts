// Names that usually hold a credential. `key` alone is too common (`sort_key`), so it is only
// matched as part of `api_key`, `private_key`, `access_key` and the like.
const SECRET_NAME = /(secret|passw(or)?d|token|credential|auth(orization)?$|(api|private|access|secret)[-_]?key|^key$)/i;
// Values that look like credentials whatever they are called: PEM blocks and common key shapes.
const SECRET_VALUE = /(-----BEGIN [A-Z ]*PRIVATE KEY-----|^sk-[A-Za-z0-9_-]{16,}|^gh[pousr]_[A-Za-z0-9]{20,}|^xox[baprs]-)/;

export const REDACTED = '[redacted]';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function isSecretValue(value: string): boolean {
  return SECRET_VALUE.test(value);
}

export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, isSecretName(k) || isSecretValue(v) ? REDACTED : v]),
  );
}

/** argv with `--token X`, `--token=X`, `TOKEN=X` and secret-looking values replaced. */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const previous = i > 0 ? (argv[i - 1] as string) : '';
    const assignment = /^(-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s.exec(arg);
    if (assignment && isSecretName((assignment[1] as string).replace(/^-+/, ''))) {
      out.push(`${assignment[1]}=${REDACTED}`);
    } else if (/^--?[A-Za-z]/.test(previous) && !previous.includes('=') && isSecretName(previous.replace(/^-+/, ''))) {
      out.push(REDACTED);
    } else {
      out.push(isSecretValue(arg) ? REDACTED : arg);
    }
  }
  return out;
}
