/**
 * `npm run bench [-- --quick] [-- --only webhook,memory]`: runs the bench scenarios, each on a
 * fresh temp data dir against the real stack, prints a table and writes
 * `bench/results/<date>.json` (with the machine's cores, memory and load average).
 *
 * Figures are only printed and recorded: nothing here fails on a missed target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../lib/project.js';
import { loadAverage, machine } from './lib/proc.js';
import { markdownTable, type Scenario, type TableRow } from './lib/report.js';
import { evictionScenario } from './scenarios/eviction.js';
import { largeFileScenario } from './scenarios/large-file.js';
import { overheadScenario } from './scenarios/overhead.js';
import { pipelineScenario } from './scenarios/pipeline.js';
import { slowHostScenario } from './scenarios/slow-host.js';
import { sortScenario } from './scenarios/sort-accuracy.js';
import { watcherScenario } from './scenarios/watcher.js';
import { webhookScenario } from './scenarios/webhook.js';

const SCENARIOS: Scenario[] = [
  pipelineScenario,
  largeFileScenario,
  overheadScenario,
  webhookScenario,
  watcherScenario,
  evictionScenario,
  sortScenario,
  slowHostScenario,
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    /** Recorded in the results, e.g. that other work shared the machine. */
    note: { type: 'string' },
  },
});

const wanted = values.only
  ?.split(',')
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);
const selected = SCENARIOS.filter(
  (s) => !wanted || wanted.some((w) => s.ids.includes(w) || w === String(s.number)),
);
const unknown = wanted?.filter((w) => !SCENARIOS.some((s) => s.ids.includes(w) || w === String(s.number)));
if (unknown?.length) {
  process.stderr.write(
    `bench: unknown scenario ${unknown.join(', ')}; use ${SCENARIOS.flatMap((s) => s.ids).join(', ')} or 1-8\n`,
  );
  process.exit(1);
}

const startedAt = new Date();
const loadAtStart = loadAverage();
const rows: TableRow[] = [];
const scenarios: Record<string, unknown> = {};
for (const scenario of selected) {
  const began = performance.now();
  const log = (message: string) =>
    process.stderr.write(
      `[bench ${scenario.ids[0]} ${((performance.now() - began) / 1000).toFixed(1)}s] ${message}\n`,
    );
  log(`${scenario.title}${values.quick ? ' (quick)' : ''}`);
  try {
    const outcome = await scenario.run({ quick: values.quick, log });
    rows.push(...outcome.rows);
    scenarios[scenario.ids[0]!] = {
      number: scenario.number,
      title: scenario.title,
      durationSeconds: Math.round((performance.now() - began) / 100) / 10,
      loadAverageAfter: loadAverage(),
      figures: outcome.figures,
      notes: outcome.notes ?? [],
    };
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    log(`FAILED: ${message}`);
    rows.push({
      scenario: `${scenario.number} ${scenario.ids[0]}`,
      measure: 'run',
      value: 'failed',
      target: '',
    });
    scenarios[scenario.ids[0]!] = { number: scenario.number, title: scenario.title, error: message };
  }
}

const finishedAt = new Date();
const result = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
  quick: values.quick,
  only: wanted ?? null,
  machine: { ...machine(), loadAverage: undefined },
  loadAverage: { start: loadAtStart, end: loadAverage() },
  note: values.note ?? null,
  table: rows,
  scenarios,
};
const table = markdownTable(rows);
process.stdout.write(`\n${table}\n\n`);
const date = startedAt.toISOString().slice(0, 19).replace(/:/g, '-');
// Quick runs are for development: their results stay out of the repository.
const out =
  values.out ??
  (values.quick
    ? path.join(tmpdir(), `vaultarr-bench-${date}-quick.json`)
    : path.join(projectRoot(), 'bench', 'results', `${date}.json`));
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `machine: ${result.machine.cpuModel}, ${result.machine.cores} cores, ${result.machine.memoryGiB} GiB; ` +
    `load average ${loadAtStart.join(' ')} at start, ${result.loadAverage.end.join(' ')} at end\n` +
    `results: ${path.relative(process.cwd(), out)}\n`,
);
process.exit(0);
