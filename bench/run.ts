/**
 * `npm run bench [-- --quick] [-- --only webhook,memory] [-- --vaults s3,crypt] [-- --pi]`: runs the
 * bench scenarios, each on a fresh temp data dir against the real stack, prints a table of every
 * figure, the scenarios' own tables (scenarios 1 and 2: one row per vault type), then the targets
 * table (each figure against its baseline measured in the same run), and writes
 * `bench/results/<date>.json` (with the machine's cores, memory and load average).
 *
 * `--vaults` names the vault types scenarios 1 and 2 run on (default all: `local,sftp,webdav,s3,crypt`;
 * under `--pi`, `sftp`).
 *
 * `--pi` is the Raspberry Pi profile: the worker pinned to one core with a 1 GiB host's heap
 * limit (`PI_WORKER_PROFILE`), scenarios 1 (with 5, memory) and 3 unless `--only` names others.
 *
 * Figures are only printed and recorded: nothing here fails on a missed target.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { usePinnedTools } from '../lib/infra/rclone-binary.js';
import { projectRoot } from '../lib/project.js';
import { loadAverage, machine } from './lib/proc.js';
import {
  markdownGrid,
  markdownTable,
  type Scenario,
  type SummaryTable,
  type TableRow,
} from './lib/report.js';
import { PI_WORKER_PROFILE } from './lib/stack.js';
import { VAULT_TYPES, type VaultType } from './lib/vaults.js';
import { evictionScenario } from './scenarios/eviction.js';
import { largeFileScenario } from './scenarios/large-file.js';
import { overheadScenario } from './scenarios/overhead.js';
import { pipelineScenario } from './scenarios/pipeline.js';
import { slowHostScenario } from './scenarios/slow-host.js';
import { sortScenario } from './scenarios/sort-accuracy.js';
import { watcherScenario } from './scenarios/watcher.js';
import { webhookScenario } from './scenarios/webhook.js';

// The pinned rclone first on PATH: the bench's servers, baselines and stacks all run it.
usePinnedTools();

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
    pi: { type: 'boolean', default: false },
    only: { type: 'string' },
    /** Vault types of scenarios 1 and 2, comma-separated (default all). */
    vaults: { type: 'string' },
    out: { type: 'string' },
    /** Recorded in the results, e.g. that other work shared the machine. */
    note: { type: 'string' },
  },
});

/** What `--pi` runs unless `--only` says otherwise: scenario 1 (which reports 5, memory) and 3. */
const PI_SCENARIOS = ['1', '3'];

const workerProfile = values.pi ? PI_WORKER_PROFILE : undefined;
const wanted = (values.only?.split(',') ?? (values.pi ? PI_SCENARIOS : undefined))
  ?.map((s) => s.trim().toLowerCase())
  .filter(Boolean);
const selected = SCENARIOS.filter(
  (s) => !wanted || wanted.some((w) => s.ids.includes(w) || w === String(s.number)),
);
const unknown = wanted?.filter((w) => !SCENARIOS.some((s) => s.ids.includes(w) || w === String(s.number)));
if (unknown?.length) {
  process.stderr.write(
    `bench: unknown scenario ${unknown.join(', ')}; use ${SCENARIOS.flatMap((s) => s.ids).join(', ')} or ${SCENARIOS.map((s) => s.number).join(', ')}\n`,
  );
  process.exit(1);
}

// `--pi` keeps to the SFTP vault unless told otherwise: it measures the worker, not the vaults.
const vaults = (values.vaults?.split(',') ?? (values.pi ? ['sftp'] : [...VAULT_TYPES]))
  .map((v) => v.trim().toLowerCase())
  .filter(Boolean);
const unknownVaults = vaults.filter((v) => !(VAULT_TYPES as readonly string[]).includes(v));
if (unknownVaults.length || !vaults.length) {
  process.stderr.write(
    `bench: unknown vault type ${unknownVaults.join(', ') || '(none given)'}; use ${VAULT_TYPES.join(', ')}\n`,
  );
  process.exit(1);
}

const startedAt = new Date();
const loadAtStart = loadAverage();
const rows: TableRow[] = [];
const tables: SummaryTable[] = [];
const scenarios: Record<string, unknown> = {};
for (const scenario of selected) {
  const began = performance.now();
  const log = (message: string) =>
    process.stderr.write(
      `[bench ${scenario.ids[0]} ${((performance.now() - began) / 1000).toFixed(1)}s] ${message}\n`,
    );
  log(`${scenario.title}${values.quick ? ' (quick)' : ''}${workerProfile ? ` (${workerProfile.name})` : ''}`);
  try {
    const outcome = await scenario.run({
      quick: values.quick,
      log,
      workerProfile,
      vaults: vaults as VaultType[],
    });
    tables.push(...(outcome.tables ?? []));
    // Under a profile every row says so: its figures are not comparable with a plain run's.
    rows.push(
      ...outcome.rows.map((r) =>
        workerProfile ? { ...r, scenario: `${r.scenario} (${workerProfile.name})` } : r,
      ),
    );
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
      headline: true,
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
  workerProfile: workerProfile ?? null,
  only: wanted ?? null,
  vaults,
  machine: { ...machine(), loadAverage: undefined },
  loadAverage: { start: loadAtStart, end: loadAverage() },
  note: values.note ?? null,
  table: rows,
  scenarios,
};
const headlines = rows.filter((r) => r.headline);
process.stdout.write(`\n${markdownTable(rows)}\n\n`);
for (const t of tables) process.stdout.write(`${t.title}:\n\n${markdownGrid(t.header, t.rows)}\n\n`);
if (headlines.length)
  process.stdout.write(`Targets, each against its baseline in this run:\n\n${markdownTable(headlines)}\n\n`);
const date = `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}${workerProfile ? `-${workerProfile.name}` : ''}`;
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
    `load average ${loadAtStart.join(' ')} at start, ${result.loadAverage.end.join(' ')} at end; ` +
    `${Math.round(result.durationSeconds / 6) / 10} minutes\n` +
    `results: ${path.relative(process.cwd(), out)}\n`,
  // Exit once the output is written (a pipe, as in `npm run bench | tee`, is written asynchronously):
  // the Temporal client's native connections would keep the process alive.
  () => process.exit(0),
);
