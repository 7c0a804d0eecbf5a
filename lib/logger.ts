import { pino, type Logger } from 'pino';

/**
 * Creates the process logger (pino, JSON lines on stdout).
 *
 * @param name - the component (`worker`, `api`, `watcher`, `stack`)
 * @param level - pino level (`info` by default)
 */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({ name, level, base: { component: name } });
}

export type { Logger };
