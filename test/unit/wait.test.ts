/**
 * The helpers every start-up waits with: `freePort` hands out ports no kernel-chosen port can take,
 * `waitFor` gives up at once on a check that says waiting is pointless.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort, WaitAborted, waitFor } from '../../lib/infra/wait.js';

describe('freePort', () => {
  test('hands out distinct ports below the kernel ephemeral range, each bindable on every address', async () => {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeLessThan(ephemeralLow!);
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '0.0.0.0', resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('waitFor', () => {
  test('rejects at once with the WaitAborted a check throws', async () => {
    const started = Date.now();
    await expect(
      waitFor('a process that exited', () => Promise.reject(new WaitAborted('exited with code 1')), 30_000),
    ).rejects.toThrow('exited with code 1');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('counts a hanging check as not yet, and keeps its deadline', async () => {
    await expect(
      waitFor('an answer', () => new Promise<boolean>(() => undefined), 1_000, 50),
    ).rejects.toThrow('timed out after 1 s waiting for an answer');
  });
});
