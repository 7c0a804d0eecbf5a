import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Thrown by a `waitFor` check when waiting longer is pointless (the process it waits for exited):
 * `waitFor` rejects with it at once. Any other error of a check counts as "not yet".
 */
export class WaitAborted extends Error {
  override name = 'WaitAborted';
}

/**
 * Resolves once `check` returns true, polling every `intervalMs`; rejects after `timeoutMs` with
 * `what`, or at once with a {@link WaitAborted} the check throws. A check that hangs (a socket that accepts and never answers) counts as false once it has
 * run for `intervalMs * 40` (at least 10 s), so the deadline always holds.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const checkLimitMs = Math.max(10_000, intervalMs * 40);
  for (;;) {
    const left = Math.max(1, Math.min(checkLimitMs, deadline - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), left)));
    const ok = await Promise.race([
      check().catch((err: unknown) => {
        if (err instanceof WaitAborted) throw err;
        return false;
      }),
      expired,
    ]);
    clearTimeout(timer);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited.
 */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
