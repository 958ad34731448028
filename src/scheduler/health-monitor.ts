import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { nowIso, type HarnessConfig, type RunnerHealth } from '../core/index.js';
import { writeJsonAtomic, type RunsPaths } from '../store/index.js';
import { isDraining, pauseReason, readPressure } from './runner-health.js';
import type { Scheduler } from './scheduler.js';

export interface HealthMonitorContext {
  paths: RunsPaths;
  config: HarnessConfig;
  runnerId: string;
  /** false for one-off commands: they hold the runs root but start nothing. */
  dispatch: boolean;
  mode: () => 'active' | 'read_only';
  scheduler: () => Scheduler | undefined;
  staleAfterSeconds: () => number;
  log: (level: 'info' | 'warning', message: string) => void;
  /** Told when whether attempts may start has changed, so scoreboards say so. */
  onPauseChanged: () => void;
}

/**
 * The runner's health: the drain flag and the pressure on the machine decide whether attempts
 * may start; the scheduler is paused or resumed to match, stuck attempts are remediated when
 * configured, and health.json is rewritten, on a timer, idle or not, and whenever drain changes.
 */
export class HealthMonitor {
  private current: RunnerHealth | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The refresh the timer started, until it ends: stop() waits for its write. */
  private timedRefresh: Promise<void> | undefined;

  constructor(private readonly ctx: HealthMonitorContext) {}

  /** The last health read, or a first one before any was. */
  get health(): RunnerHealth {
    return this.current ?? this.record(false, { free_disk_bytes: null, load_average_1m: 0, free_memory_bytes: 0 }, null);
  }

  /** Why attempts may not start now, if so. */
  get pausedReason(): string | null {
    return this.current?.paused_reason ?? null;
  }

  /** The drain flag, the pressure on the machine, and so whether attempts may start. */
  async conditions(): Promise<{ drain: boolean; pressure: RunnerHealth['pressure']; paused: string | null }> {
    const [drain, pressure] = await Promise.all([isDraining(this.ctx.paths), readPressure(this.ctx.paths)]);
    const paused = this.ctx.dispatch ? pauseReason(drain, pressure, this.ctx.config.runners.min_free_disk_bytes) : 'a one-off command holds the runs root and starts nothing';
    return { drain, pressure, paused };
  }

  async refresh(): Promise<RunnerHealth> {
    const { drain, pressure, paused } = await this.conditions();
    const changed = paused !== this.pausedReason;
    this.current = this.record(drain, pressure, paused);
    const scheduler = this.ctx.scheduler();
    if (scheduler) {
      scheduler.dispatch.setPaused(paused);
      if (this.ctx.config.scoreboard.stuck_auto_remediation) {
        const staleAfter = this.ctx.staleAfterSeconds();
        for (const runId of scheduler.requests.killStuck(staleAfter)) {
          this.ctx.log('warning', `attempt ${runId} showed no activity for ${staleAfter} s: killed as stuck, retried by policy`);
        }
      }
      const file = this.ctx.paths.runnerHealthFile(this.ctx.runnerId);
      await mkdir(dirname(file), { recursive: true });
      await writeJsonAtomic(file, this.current, { durable: false });
      if (changed) this.ctx.onPauseChanged();
    }
    return this.current;
  }

  /** Drains the runs root (no new attempts; running ones finish) or ends draining. */
  async setDrain(drain: boolean): Promise<RunnerHealth> {
    if (drain) await writeFile(this.ctx.paths.drainFile, `${nowIso()} by ${this.ctx.runnerId}\n`);
    else await rm(this.ctx.paths.drainFile, { force: true });
    this.ctx.log('info', drain ? 'draining: no new attempts start' : 'drain ended: attempts start again');
    return this.refresh();
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.timedRefresh) return; // the last one is still reading or writing
      this.timedRefresh = this.refresh()
        .then(() => undefined)
        .catch((error: Error) => this.ctx.log('warning', `could not refresh runner health: ${error.message}`))
        .finally(() => (this.timedRefresh = undefined));
    }, this.ctx.config.runners.health_interval_seconds * 1000);
  }

  /** Stops the timer and waits for a refresh it started, so nothing is written after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.timedRefresh;
  }

  private record(drain: boolean, pressure: RunnerHealth['pressure'], paused: string | null): RunnerHealth {
    return {
      runner_id: this.ctx.runnerId,
      pid: process.pid,
      hostname: hostname(),
      mode: this.ctx.mode(),
      capacity: this.ctx.config.runners.max_concurrency,
      running: this.ctx.scheduler()?.dispatch.runningCount ?? 0,
      drain,
      paused_reason: paused,
      pressure,
      pools: this.ctx.scheduler()?.poolHealth() ?? [],
      updated_at: nowIso(),
    };
  }
}
