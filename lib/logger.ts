import type { Logger as TemporalLogger, LogLevel, LogMetadata } from '@temporalio/common';
import { pino, type Logger } from 'pino';
import { CONFIG_SECRET_PATHS } from './config.js';
import { REDACTED, redactText } from './secrets.js';

/**
 * pino `redact` paths for the config's secret fields, by their key names at the top of a log
 * object and up to two levels down (`{ server: { token } }`, `{ arr: { radarr: { apiKey } } }`).
 */
function redactPaths(): string[] {
  // A secret list's items (`notifications.urls.*`) are redacted by the list's key.
  const keys = new Set(
    CONFIG_SECRET_PATHS.filter((p) => p.kind === 'value').map((p) => p.path.filter((k) => k !== '*').at(-1)!),
  );
  return [...keys].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
}

/** Where log lines go (default the process's stdout, which `vaultarr start` sends to `<dataDir>/logs/<component>.log`). */
export interface LogDestination {
  write(line: string): unknown;
}

let stdoutDestination: LogDestination | undefined;

/**
 * The process's stdout as a log destination that never blocks: lines are written asynchronously
 * (pino's `sonic-boom`), one writer for every logger of the process so that lines never
 * interleave, and flushed when the process exits. `process.stdout` writes a file synchronously,
 * and `vaultarr start` sends each component's stdout to a file: under disk load every line
 * stalled the event loop (the API spent 8 % of a webhook load in `writev`).
 */
function stdout(): LogDestination {
  if (!stdoutDestination) {
    const boom = pino.destination({ dest: 1, sync: false });
    process.once('exit', () => {
      try {
        boom.flushSync();
      } catch {
        // Nothing more can be written (a closed pipe): the lines are lost with the process.
      }
    });
    stdoutDestination = boom;
  }
  return stdoutDestination;
}

/**
 * Creates the process logger (pino, JSON lines with ISO timestamps). Secrets never reach the
 * output: the config's secret fields are redacted by key (pino `redact`), and every line goes
 * through the one redaction rule of `lib/secrets.ts` (the loaded config's secret values wherever
 * they appear, URL and rclone credentials, tokens), error messages and stacks included.
 *
 * @param name - the component (`worker`, `api`, `watcher`, `stack`)
 * @param level - pino level (`info` by default)
 * @param destination - where lines go (default stdout, written asynchronously and flushed at exit)
 */
export function createLogger(name: string, level = 'info', destination?: LogDestination): Logger {
  const out = destination ?? stdout();
  return pino(
    {
      name,
      level,
      base: { component: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: REDACTED },
    },
    { write: (line: string) => out.write(redactText(line)) },
  );
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's logger interface on a pino logger, for `Runtime.install({ logger })`: the SDK's
 * own lines (worker state, activity and workflow task failures, native core logs when forwarded)
 * land in the same JSON file as the component's, with their metadata (`sdkComponent`,
 * `taskQueue`, `workflowId`, ...) as fields.
 */
export function temporalLogger(log: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    // The host queue's worker runs activities only, by design: not a warning.
    if (level === 'WARN' && message.startsWith('No workflows registered')) level = 'DEBUG';
    const fields = { ...(meta ?? {}) } as Record<string, unknown>;
    // pino serializes `err`; the SDK names an error `error`.
    if (fields.error instanceof Error) {
      fields.err = fields.error;
      delete fields.error;
    }
    log[PINO_LEVEL[level]](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

export type { Logger };
