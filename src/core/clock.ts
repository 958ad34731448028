/** The current time as ISO-8601 UTC with milliseconds, the one format every file uses. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function secondsBetween(fromIso: string, toIso: string): number {
  return Math.max(0, (Date.parse(toIso) - Date.parse(fromIso)) / 1000);
}
