/**
 * Scenario 6, watcher scale: 10,000 releases moved into `Incoming/` at once (renamed in from a
 * staging folder, as download clients finish), with the watcher running against a fresh Temporal
 * and no worker, so that the figure is the intake alone: every release picked up exactly once, and
 * seconds from the first rename until the last workflow started.
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import { movieReleaseName } from '../lib/media.js';
import { cpuSeconds, peakRssBytes, mib } from '../lib/proc.js';
import { checked, headline, info, round, type Scenario } from '../lib/report.js';
import { BenchStack } from '../lib/stack.js';

/** `workflow started` lines of the watcher's pino log: release path and time. */
function startsLogged(logFile: string): Array<{ release: string; time: number }> {
  return (
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"workflow started"'))
      .map((l) => JSON.parse(l) as { release: string; time: string })
      // Log times are ISO strings (lib/logger.ts).
      .map((e) => ({ release: e.release, time: Date.parse(e.time) }))
  );
}

export const watcherScenario: Scenario = {
  number: 6,
  ids: ['watcher'],
  title: 'Watcher scale: 10,000 files placed in Incoming/ at once',
  async run(ctx) {
    const count = ctx.quick ? 1000 : 10_000;
    const stack = await BenchStack.start({ components: [] });
    try {
      const staging = path.join(stack.dir, 'staging');
      mkdirSync(staging, { recursive: true });
      const names = Array.from({ length: count }, (_, i) => `${movieReleaseName(i)}.mkv`);
      for (const name of names) writeFileSync(path.join(staging, name), name);
      await stack.launchComponents(['watcher']);
      const logFile = path.join(stack.logDir, 'watcher.log');
      const watcherPid = stack.pid('watcher');
      const cpuBefore = { watcher: cpuSeconds(watcherPid), temporal: cpuSeconds(stack.pid('temporal')) };
      ctx.log(`moving ${count} releases into Incoming/`);
      const t0 = Date.now();
      for (const name of names) renameSync(path.join(staging, name), path.join(stack.incoming, name));
      const placedSeconds = (Date.now() - t0) / 1000;
      let lastLogged = 0;
      await waitFor(
        `${count} workflows started by the watcher`,
        async () => {
          const n = startsLogged(logFile).length;
          if (n !== lastLogged && n % 1000 < lastLogged % 1000) ctx.log(`${n} started`);
          lastLogged = n;
          return n >= count;
        },
        15 * 60_000,
        500,
      );
      // Anything started twice would show up shortly after: give it the settle time and a bit.
      await new Promise((r) => setTimeout(r, 5000));
      const starts = startsLogged(logFile);
      const perRelease = new Map<string, number>();
      for (const s of starts) perRelease.set(s.release, (perRelease.get(s.release) ?? 0) + 1);
      const twice = [...perRelease.values()].filter((n) => n > 1).length;
      const missing = names.filter((n) => !perRelease.has(`Incoming/${n}`)).length;
      const lastStartSeconds = (Math.max(...starts.map((s) => s.time)) - t0) / 1000;
      const firstStartSeconds = (Math.min(...starts.map((s) => s.time)) - t0) / 1000;
      const inTemporal = await stack.mediaItemWorkflows();
      const retries = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('will retry')).length;
      const cpu = {
        watcher: cpuSeconds(watcherPid) - cpuBefore.watcher,
        temporal: cpuSeconds(stack.pid('temporal')) - cpuBefore.temporal,
      };
      const watcherPeakMiB = mib(peakRssBytes(watcherPid));
      ctx.log(`last workflow started ${lastStartSeconds.toFixed(1)} s after the first rename`);
      const s = '6 watcher';
      return {
        rows: [
          info(s, `releases placed in Incoming/ (in ${round(placedSeconds, 1)} s)`, count, '', 0),
          checked(s, 'picked up exactly once', perRelease.size - twice, '', { exactly: count }, 0),
          checked(s, 'workflows in Temporal', inTemporal, '', { exactly: count }, 0),
          info(s, 'seconds until the last workflow started', lastStartSeconds, 's', 1),
          headline(
            checked(s, `watcher peak RSS, ${count} releases`, watcherPeakMiB, 'MiB', { atMost: 150 }, 0),
          ),
        ],
        figures: {
          count,
          placedSeconds: round(placedSeconds, 2),
          firstStartSeconds: round(firstStartSeconds, 2),
          lastStartSeconds: round(lastStartSeconds, 2),
          startsPerSecond: round(count / (lastStartSeconds - firstStartSeconds || 1), 1),
          startedTwice: twice,
          missing,
          workflowsInTemporal: inTemporal,
          startRetries: retries,
          cpuSeconds: { watcher: round(cpu.watcher, 2), temporal: round(cpu.temporal, 2) },
          watcherPeakMiB,
        },
        notes: [
          'the worker does not run in this scenario: the figure is the intake (watcher + Temporal) alone',
        ],
      };
    } finally {
      await stack.stop();
    }
  },
};
