import type { LimitKind } from '../core/index.js';
import type { LimitSignal } from './agent-adapter.js';

/**
 * One wording in which a CLI says a provider limit stopped it. Each agent keeps a table of
 * them (`<agent>/<agent>-limits.ts`), each wording with the CLI version it was read from, so a
 * new release that rewords a message is found by its tests over captured lines
 * (tests/fixtures/agents/limits/).
 */
export interface LimitWording {
  /** Where the wording was read: the CLI and version, from a captured run or from its sources. */
  readFrom: string;
  pattern: RegExp;
  kind: LimitKind;
  /** The reset the matched text names (ISO), or null when it names none; `text` is all of it. */
  retryAt?: (match: RegExpExecArray, now: Date, text: string) => string | null;
  /** The window the matched text names. */
  window?: (match: RegExpExecArray) => string | null;
}

const MESSAGE_CHARS = 500;

/** The first wording of `wordings` that `text` contains, as a limit signal; null when none does. */
export function limitFromWordings(wordings: readonly LimitWording[], text: string, now: Date): LimitSignal | null {
  for (const wording of wordings) {
    const match = wording.pattern.exec(text);
    if (!match) continue;
    const line = text.slice(text.lastIndexOf('\n', match.index) + 1).split('\n')[0]!.trim();
    return { kind: wording.kind, retryAt: wording.retryAt?.(match, now, text) ?? null, window: wording.window?.(match) ?? null, message: line.slice(0, MESSAGE_CHARS) };
  }
  return null;
}

/** `seconds` after `now`, as ISO. */
export function secondsAfter(now: Date, seconds: number): string {
  return new Date(now.getTime() + Math.round(seconds * 1000)).toISOString();
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The month index (0–11) of an English month name or its abbreviation; -1 when it is none. */
export function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase());
}

/** Hours on a 24-hour clock from a 12-hour clock reading (`12` `AM` is 0). */
export function hour24(hour: number, meridiem: string): number {
  return (hour % 12) + (meridiem.toLowerCase() === 'pm' ? 12 : 0);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instantMs`; null for a zone Intl does not know. */
function zoneOffsetMs(instantMs: number, timeZone: string): number | null {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(instantMs));
  } catch {
    return null;
  }
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant (ms) at which the wall clock of `timeZone` reads the given date and time; null
 * for an unknown zone. Two passes, so a reading near a daylight-saving change lands right.
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number | null {
  const wall = Date.UTC(year, month, day, hour, minute);
  const first = zoneOffsetMs(wall, timeZone);
  if (first === null) return null;
  const second = zoneOffsetMs(wall - first, timeZone);
  return second === null ? null : wall - second;
}

/** The same wall-clock reading in `timeZone` on the day of `now` there: its year, month and day. */
export function zonedDay(now: Date, timeZone: string): { year: number; month: number; day: number } | null {
  const offset = zoneOffsetMs(now.getTime(), timeZone);
  if (offset === null) return null;
  const wall = new Date(now.getTime() + offset);
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth(), day: wall.getUTCDate() };
}
