// How the step page writes times: a person reads "12:03:04" and "1 m 5 s", not ISO-8601.

export function clockTime(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '–';
}

export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

/** From start to end, or to now while it runs; '–' before it starts. */
export function attemptDuration(startedAt: string | undefined, endedAt: string | undefined): string {
  if (!startedAt) return '–';
  return durationText((endedAt ? Date.parse(endedAt) : Date.now()) - Date.parse(startedAt));
}
