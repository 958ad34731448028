// The wall clock when this module was loaded, read before anything could step or fake it.
const LOADED_AT_MS = Date.now();

/**
 * When this process started, by the wall clock files are stamped with, erring early: the clock
 * read now minus the uptime is right unless the clock stepped since, and the time this module
 * loaded is later than the start unless the clock stepped back. The earlier of the two keeps
 * every temp file this process writes out of the sweep whichever way a step went.
 */
export function processStartedAtMs(): number {
  return Math.min(Date.now() - process.uptime() * 1000, LOADED_AT_MS);
}
