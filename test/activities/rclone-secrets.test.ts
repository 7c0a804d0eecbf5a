/**
 * Secret rclone flags (`vault.extraFlags`) reach rclone through its environment, never a command
 * line any local user can read in `ps`: against a real `rclone serve webdav` that asks for a login.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { freePort, portOpen, waitFor } from '../../lib/infra/wait.js';
import { splitRcloneFlags } from '../../lib/secrets.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';
import { tempDir } from '../helpers/env.js';

/** Every process's command line on this machine, as `ps` shows them. */
function commandLines(): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        return '';
      }
    });
}

describe('secret rclone flags', () => {
  test('are split off the command line into rclone environment variables, in both spellings', () => {
    expect(
      splitRcloneFlags([
        '--transfers',
        '8',
        '--webdav-pass',
        'A',
        '--sftp-pass=B',
        '--webdav-bearer-token',
        'C',
      ]),
    ).toEqual({
      args: ['--transfers', '8'],
      env: { RCLONE_WEBDAV_PASS: 'A', RCLONE_SFTP_PASS: 'B', RCLONE_WEBDAV_BEARER_TOKEN: 'C' },
      secrets: ['A', 'B', 'C'],
    });
  });

  for (const daemon of [true, false]) {
    test(`copy to a WebDAV vault that needs a login works ${daemon ? 'through the daemon' : 'as processes'}, and no command line shows the password`, async () => {
      const { dir, cleanup } = tempDir();
      const port = await freePort();
      const password = `Vault-${Math.random().toString(36).slice(2)}-pw`;
      // The server's own login through its environment too, so no command line holds it.
      const server = spawn(
        'rclone',
        ['serve', 'webdav', path.join(dir, 'vault'), '--addr', `127.0.0.1:${port}`],
        {
          stdio: 'ignore',
          env: { ...process.env, RCLONE_USER: 'media', RCLONE_PASS: password },
        },
      );
      mkdirSync(path.join(dir, 'vault'));
      const obscured = execFileSync('rclone', ['obscure', password], { encoding: 'utf8' }).trim();
      const rclone = new Rclone(
        testRcloneSettings({
          remote: `:webdav,url='http://127.0.0.1:${port}':`,
          extraFlags: ['--webdav-user', 'media', '--webdav-pass', obscured],
          rcloneDaemon: daemon,
        }),
      );
      try {
        await waitFor('rclone serve webdav', () => portOpen('127.0.0.1', port), 20_000);
        const file = 'Movies/Sintel (2010)/Sintel (2010).mkv';
        mkdirSync(path.join(dir, 'local', path.dirname(file)), { recursive: true });
        writeFileSync(path.join(dir, 'local', file), 'sintel bytes');
        let seen: string[] = [];
        const watching = setInterval(
          () => (seen = seen.concat(commandLines().filter((c) => c.includes('rclone')))),
          20,
        );
        try {
          await rclone.copy(path.join(dir, 'local'), [file]);
          expect(await rclone.stat(file)).toMatchObject({ sizeBytes: 12 });
        } finally {
          clearInterval(watching);
        }
        expect(readFileSync(path.join(dir, 'vault', file), 'utf8')).toBe('sintel bytes');
        seen = seen.concat(commandLines().filter((c) => c.includes('rclone')));
        expect(seen.length).toBeGreaterThan(0);
        expect(seen.filter((c) => c.includes(obscured) || c.includes(password))).toEqual([]);
      } finally {
        await rclone.close();
        server.kill();
        cleanup();
      }
    });
  }
});
