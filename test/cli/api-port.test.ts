/** `vaultarr api` on a port another process holds says so in one sentence and exits 1. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../lib/infra/wait.js';
import { buildCli, CLI } from '../helpers/cli.js';
import { databaseUrl, tempDir, temporalAddress } from '../helpers/env.js';

test('vaultarr api on a port in use exits 1 naming the address, without a stack trace', async () => {
  buildCli();
  const { dir, cleanup } = tempDir();
  const port = await freePort();
  const holder = createServer().listen(port, '127.0.0.1');
  await once(holder, 'listening');
  try {
    writeFileSync(
      path.join(dir, 'vaultarr.yml'),
      stringify({
        dataDir: path.join(dir, 'data'),
        temporal: { address: temporalAddress() },
        database: { url: databaseUrl() },
        api: { host: '127.0.0.1', port },
        metrics: { enabled: false },
      }),
    );
    // Spawned, not spawnSync: the port's holder is this process, whose event loop must keep running.
    const api = spawn(process.execPath, [CLI, 'api'], { cwd: dir, env: { PATH: process.env.PATH } });
    let stderr = '';
    api.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [status] = (await once(api, 'exit')) as [number];
    expect(status).toBe(1);
    expect(stderr.trim()).toBe(
      `vaultarr: the API cannot listen on 127.0.0.1:${port}: the port is in use (another vaultarr api? set api.port)`,
    );
  } finally {
    holder.close();
    cleanup();
  }
});
