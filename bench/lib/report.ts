/**
 * What a bench scenario hands back, and the tables printed from it.
 */
import type { WorkerProfile } from './stack.js';
import type { VaultType } from './vaults.js';

/** Options every scenario gets. */
export interface ScenarioContext {
  /** Small sizes for development (`--quick`). */
  quick: boolean;
  /** Progress line on stderr. */
  log(message: string): void;
  /** How the worker process runs (`--pi`: one core, a 1 GiB host's heap); default as `vaultarr start` runs it. */
  workerProfile?: WorkerProfile;
  /** The vault types the lifecycle scenarios 1 and 2 run on (`--vaults`; default all). */
  vaults: VaultType[];
}

/** One line of the results table. */
export interface TableRow {
  /** Scenario number and short name, e.g. `1 pipeline`. */
  scenario: string;
  measure: string;
  value: string;
  /** The target, e.g. `≤ 1.3`; empty when the figure has none. */
  target: string;
  /** Whether the target is met; undefined without a target. */
  met?: boolean;
  /** Also printed in the targets table (issue 14's: every figure against its baseline); see {@link headline}. */
  headline?: boolean;
}

/** A table of its own a scenario prints after the results (e.g. one row per vault type). */
export interface SummaryTable {
  title: string;
  header: string[];
  rows: string[][];
}

/** A scenario's outcome: its table rows, every raw figure for the JSON, and notes. */
export interface ScenarioOutcome {
  rows: TableRow[];
  figures: Record<string, unknown>;
  notes?: string[];
  /** Printed after the results table, each under its title. */
  tables?: SummaryTable[];
}

/** A bench scenario. `ids` are the names `--only` accepts (and its number). */
export interface Scenario {
  number: number;
  ids: string[];
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}

/** A row with a numeric target: `at most` or `at least`. */
export function checked(
  scenario: string,
  measure: string,
  value: number,
  unit: string,
  bound: { atMost?: number; atLeast?: number; exactly?: number },
  digits = 2,
): TableRow {
  const shown = `${round(value, digits)}${unit ? ` ${unit}` : ''}`;
  if (bound.atMost !== undefined)
    return { scenario, measure, value: shown, target: `≤ ${bound.atMost}${unit ? ` ${unit}` : ''}`, met: value <= bound.atMost };
  if (bound.atLeast !== undefined)
    return { scenario, measure, value: shown, target: `≥ ${bound.atLeast}${unit ? ` ${unit}` : ''}`, met: value >= bound.atLeast };
  return { scenario, measure, value: shown, target: `= ${bound.exactly}`, met: value === bound.exactly };
} // prettier-ignore

/** A row without a target. */
export function info(
  scenario: string,
  measure: string,
  value: number | string,
  unit = '',
  digits = 2,
): TableRow {
  const shown = typeof value === 'number' ? `${round(value, digits)}${unit ? ` ${unit}` : ''}` : value;
  return { scenario, measure, value: shown, target: '' };
}

/** The same row, marked for the targets table printed after the full one. */
export const headline = (row: TableRow): TableRow => ({ ...row, headline: true });

/** Rounds to `digits` decimals. */
export const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** The rows as a Markdown table (what the terminal and the README show). */
export function markdownTable(rows: TableRow[]): string {
  const header = ['scenario', 'measure', 'value', 'target', 'met'];
  const lines = rows.map((r) => [
    r.scenario,
    r.measure,
    r.value,
    r.target,
    r.met === undefined ? '' : r.met ? 'yes' : '**no**',
  ]);
  return markdownGrid(header, lines);
}

/** Cells under a header as a Markdown table, each column as wide as its widest cell. */
export function markdownGrid(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...lines.map(fmt)].join('\n');
}
