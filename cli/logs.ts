/**
 * `vaultarr logs [component] [--pretty]`: the last lines of the component logs that `vaultarr start`
 * writes to `<dataDir>/logs/<component>.log`, as JSON or readable (pino-pretty).
 */
import type { Command } from 'commander';
import { existsSync, openSync, readdirSync, readSync, closeSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../lib/config.js';
import { UserError } from '../lib/errors.js';
import { redactText } from '../lib/secrets.js';

/** The vaultarr components whose JSON logs are merged when no component is named. */
const VAULTARR_COMPONENTS = ['stack', 'worker', 'api', 'watcher', 'union'];

/**
 * The last `count` lines of a file, read from its end (a log may be large).
 *
 * @returns the lines, oldest first, without their newlines
 */
export function tailLines(file: string, count: number): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const chunkBytes = 64 * 1024;
    let position = size;
    let text = '';
    while (position > 0 && text.split('\n').length <= count + 1) {
      const length = Math.min(chunkBytes, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, position);
      text = buffer.toString('utf8') + text;
    }
    const lines = text.split('\n').filter((l) => l.length > 0);
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}

/** The `time` of a JSON log line in ms (ISO or epoch ms), for merging files; 0 when it has none. */
function timeOf(line: string): number {
  try {
    const t = (JSON.parse(line) as { time?: unknown }).time;
    return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) || 0 : 0;
  } catch {
    return 0;
  }
}

/**
 * Formats log lines: JSON lines through pino-pretty when `pretty` (one line each: time, level,
 * component, message, fields), anything else (Temporal's and Postgres's own text logs) as it is.
 * Every line passes the redaction rule again. pino-pretty is loaded only here, so other commands
 * (the worker on a small host) never load it.
 */
export async function formatLogLines(
  lines: string[],
  options: { pretty: boolean; colorize?: boolean },
): Promise<string[]> {
  const pretty = options.pretty
    ? (await import('pino-pretty')).prettyFactory({
        colorize: options.colorize ?? false,
        translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
        ignore: 'pid,hostname,name,component',
        messageFormat: '{component}: {msg}',
        singleLine: true,
      })
    : undefined;
  return lines.map((line) => {
    const safe = redactText(line);
    if (!pretty || !safe.startsWith('{')) return safe;
    return pretty(safe).trimEnd();
  });
}

/**
 * Reads the logs: one component's file, or the vaultarr components' files merged by time.
 *
 * @param logDir - `<dataDir>/logs`
 * @param component - `stack`, `worker`, `api`, `watcher`, `union`, `temporal`, `postgres`; all vaultarr components when absent
 * @param count - lines per file
 * @throws UserError when the folder or the component's file does not exist
 */
export function readLogs(logDir: string, component: string | undefined, count: number): string[] {
  const available = existsSync(logDir)
    ? readdirSync(logDir)
        .filter((f) => f.endsWith('.log'))
        .map((f) => f.slice(0, -'.log'.length))
        .sort()
    : [];
  if (available.length === 0)
    throw new UserError(`no logs in ${logDir} (they are written by vaultarr start / npm start)`);
  if (component) {
    if (!available.includes(component))
      throw new UserError(`no log for "${component}" in ${logDir}; there are: ${available.join(', ')}`);
    return tailLines(path.join(logDir, `${component}.log`), count);
  }
  const lines = available
    .filter((c) => VAULTARR_COMPONENTS.includes(c))
    .flatMap((c) => tailLines(path.join(logDir, `${c}.log`), count));
  // A stable sort keeps each file's own order for lines without a time.
  return lines
    .map((line, i) => ({ line, i, t: timeOf(line) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.line)
    .slice(-count);
}

/** Adds `vaultarr logs` to the program. */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs [component]')
    .description(
      'print the last log lines of a component (stack, worker, api, watcher, union, temporal, postgres) or of all vaultarr components merged by time',
    )
    .option('--pretty', 'readable lines (time, level, component, message) instead of JSON')
    .option('-n, --lines <count>', 'how many lines', '100')
    .action(async (component: string | undefined, opts: { pretty?: boolean; lines: string }) => {
      const count = Number(opts.lines);
      if (!Number.isInteger(count) || count < 1)
        throw new UserError('--lines must be a whole number above 0');
      const config = loadConfig();
      const lines = readLogs(path.join(config.dataDir, 'logs'), component, count);
      const out = await formatLogLines(lines, {
        pretty: Boolean(opts.pretty),
        colorize: process.stdout.isTTY,
      });
      process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
    });
}
