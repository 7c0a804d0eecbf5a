/**
 * Starting the embedded Temporal dev server with a binary that cannot be run: `vaultarr start`
 * gets an error that names the binary, instead of dying of an unhandled child-process error.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../lib/errors.js';
import { startTemporalDevServer } from '../../lib/infra/temporal-server.js';
import { freePort } from '../../lib/infra/wait.js';

describe('startTemporalDevServer', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vaultarr-devserver-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a binary that is not executable is a UserError naming it, and the caller lives on', async () => {
    const binary = path.join(dir, 'temporal');
    writeFileSync(binary, 'not a program');
    chmodSync(binary, 0o644);
    const start = startTemporalDevServer({
      binary,
      dbFile: path.join(dir, 'temporal.db'),
      ip: '127.0.0.1',
      port: await freePort(),
      namespace: 'default',
      logFile: path.join(dir, 'temporal.log'),
    });
    await expect(start).rejects.toThrow(UserError);
    await expect(start).rejects.toThrow(
      `cannot run the Temporal dev server (${binary}): spawn ${binary} EACCES`,
    );
  });
});
