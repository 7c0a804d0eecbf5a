/**
 * The supervisor of `vaultarr start`'s services, on real child processes: a service that dies is
 * started again and the log says so; one that keeps failing is tried again with longer delays;
 * stopping lets go of the service.
 */
import { spawn } from 'node:child_process';
import { Supervisor, type RunningService } from '../../lib/infra/supervisor.js';
import { stopChild, waitFor } from '../../lib/infra/wait.js';
import { createLogger } from '../../lib/logger.js';

/** A logger whose lines are kept, parsed. */
function memoryLog() {
  const lines: Array<{ msg: string; restartInMs?: number; exit?: string }> = [];
  const log = createLogger('stack', 'info', { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines, messages: () => lines.map((l) => l.msg) };
}

/** `sleep 600` as a service; its PIDs in `pids`. */
function sleeper(pids: number[]) {
  return async (): Promise<RunningService> => {
    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    pids.push(child.pid!);
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
    );
    return { exited, stop: () => stopChild(child, 1000) };
  };
}

const runs = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the supervisor', () => {
  test('a service that dies is started again, and the log says how it ended and that it is back', async () => {
    const { log, messages } = memoryLog();
    const pids: number[] = [];
    const supervisor = new Supervisor({ name: 'sleeper', log, start: sleeper(pids), firstDelayMs: 50 });
    await supervisor.start();
    process.kill(pids[0]!, 'SIGKILL');
    await waitFor('the restart', async () => messages().includes('sleeper restarted'), 10_000, 20);
    expect(messages()).toContain('sleeper exited (signal SIGKILL); restarting it');
    expect(pids).toHaveLength(2);
    expect(runs(pids[1]!)).toBe(true);
    await supervisor.stop();
    await waitFor('the service to be stopped', async () => !runs(pids[1]!), 5000, 20);
    expect(pids).toHaveLength(2);
  });

  test('a service that does not come back is tried again, each time after a longer delay up to the longest', async () => {
    const { log, lines } = memoryLog();
    const pids: number[] = [];
    let fail = false;
    const start = sleeper(pids);
    const supervisor = new Supervisor({
      name: 'sleeper',
      log,
      start: () => (fail ? Promise.reject(new Error('port taken')) : start()),
      firstDelayMs: 10,
      maxDelayMs: 40,
    });
    await supervisor.start();
    fail = true;
    process.kill(pids[0]!, 'SIGKILL');
    const failures = () => lines.filter((l) => l.msg === 'sleeper did not start again; trying again');
    await waitFor('three failed restarts', async () => failures().length >= 3, 10_000, 10);
    expect(failures().map((l) => l.restartInMs)).toEqual(expect.arrayContaining([20, 40, 40]));
    fail = false;
    await waitFor('the restart', async () => lines.some((l) => l.msg === 'sleeper restarted'), 10_000, 10);
    await supervisor.stop();
  });

  test('stopping lets go of a service whose end is never seen (one it did not start)', async () => {
    const { log } = memoryLog();
    let stopped = false;
    const supervisor = new Supervisor({
      name: 'reused server',
      log,
      start: async () => ({
        exited: new Promise<string>(() => undefined),
        stop: async () => void (stopped = true),
      }),
    });
    await supervisor.start();
    await supervisor.stop();
    expect(stopped).toBe(true);
  });
});
