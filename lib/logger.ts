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

/**
 * Creates the process logger (pino, JSON lines on stdout). Secrets never reach the output: the
 * config's secret fields are redacted by key (pino `redact`), and every line goes through the
 * one redaction rule of `lib/secrets.ts` (the loaded config's secret values wherever they appear,
 * URL and rclone credentials, tokens), error messages and stacks included.
 *
 * @param name - the component (`worker`, `api`, `watcher`, `stack`)
 * @param level - pino level (`info` by default)
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino(
    { name, level, base: { component: name }, redact: { paths: redactPaths(), censor: REDACTED } },
    { write: (line: string) => process.stdout.write(redactText(line)) },
  );
}

export type { Logger };
