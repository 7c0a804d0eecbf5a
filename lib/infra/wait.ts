import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
    ]).finally(() => clearTimeout(timer));
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

/** Ports this process has handed out: never handed out twice. */
const handedOut = new Set<number>();

/** The kernel's ephemeral range (`net.ipv4.ip_local_port_range`), where `listen(0)` and outgoing connections take ports. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return [49152, 65535];
}

/** True when `port` can be bound on every IPv4 address right now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on every IPv4 address, for a server started next. Chosen at random below the
 * kernel's ephemeral range: a port the kernel picked for `listen(0)` could be taken again by any
 * process's outgoing connection, or by a Temporal dev server picking ports for its internal
 * services, between this call and the caller's bind (seen in CI: a worker's `/metrics` port held by
 * another process). Rejects when no port in 1,000 tries was free.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow, ephemeralHigh] = ephemeralRange();
  const [low, high] = ephemeralLow > 20_000 ? [10_000, ephemeralLow - 1] : [ephemeralHigh + 1, 65_535];
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${low}-${high}`);
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
