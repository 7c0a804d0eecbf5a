/**
 * `vault.webdavPacerMinSleep` of a vaultarr.yml reaches every rclone vaultarr runs for the vault
 * (the daemon and the processes) as `--webdav-pacer-min-sleep`, for a WebDAV remote under crypt
 * too, and copies to it work: a real `rclone serve webdav` on loopback under an rclone crypt remote.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { heartbeating } from '../../activities/progress.js';
import { createVaultActivities, vaultSettings } from '../../activities/vault/activities.js';
import { testConfig } from '../helpers/config.js';
import { Rclone, rcloneSettings } from '../../activities/vault/rclone/client.js';
import { loadConfig } from '../../lib/config.js';
import { startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { writeVaultConfig } from '../helpers/vault-servers.js';

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

/** The command lines of the rclone processes on this machine that read `configFile`. */
function rcloneCommandLines(configFile: string): string[][] {
  const lines: string[][] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const at = args.indexOf('--config');
      if (args[at + 1] === configFile && args.some((a) => a.endsWith('rclone'))) lines.push(args);
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

/** The value of `flag` on a command line, if it is there. */
const flagValue = (args: string[], flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};

describe.each([true, false])('vault.webdavPacerMinSleep with the rclone daemon %s', (daemon) => {
  let dirs: ReturnType<typeof tempDir>;
  let webdav: WebdavServer;
  let rcloneConfig: string;
  let rclone: Rclone;
  let localRoot: string;

  beforeAll(async () => {
    dirs = tempDir('vaultarr-webdav-pacer-');
    localRoot = path.join(dirs.dir, '.Local');
    webdav = await startWebdav(path.join(dirs.dir, 'webdav'));
    mkdirSync(path.join(webdav.dir, 'vault'));
    rcloneConfig = writeVaultConfig(
      path.join(dirs.dir, 'rclone.conf'),
      { type: 'webdav', url: `http://127.0.0.1:${webdav.port}`, vendor: 'other' },
      { crypt: true, folder: 'vault' },
    );
    const file = path.join(dirs.dir, 'vaultarr.yml');
    writeFileSync(
      file,
      [
        'vault:',
        '  remote: "vault:"',
        `  rcloneConfig: ${rcloneConfig}`,
        `  rcloneDaemon: ${daemon}`,
        '  webdavPacerMinSleep: 3ms',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ env: { VAULTARR_CONFIG: file }, cwd: dirs.dir });
    rclone = new Rclone(rcloneSettings(config));
  });
  afterAll(async () => {
    await rclone?.close();
    await webdav?.stop();
    dirs?.cleanup();
  });

  test('reaches every rclone call as --webdav-pacer-min-sleep, and a movie copied to WebDAV under crypt reads back identical', async () => {
    const video = 'Movies/Elephants Dream (2006)/Elephants Dream (2006).mkv';
    mkdirSync(path.join(localRoot, path.dirname(video)), { recursive: true });
    writeFileSync(path.join(localRoot, video), Buffer.alloc(3 * 1024 * 1024, 7));
    const seen: string[][] = [];
    const watching = setInterval(() => seen.push(...rcloneCommandLines(rcloneConfig)), 10);
    try {
      const { copyToVault, verifyVaultCopy } = heartbeating(
        createVaultActivities({ rclone, settings: vaultSettings(testConfig({ library: { localRoot } })) }),
      );
      const copied = await run(copyToVault, { libraryPaths: [video] });
      const verified = await run(verifyVaultCopy, { libraryPaths: [video], local: copied.local });
      expect(verified.match).toBe(true);
      seen.push(...rcloneCommandLines(rcloneConfig));
    } finally {
      clearInterval(watching);
    }
    expect(seen.length).toBeGreaterThan(0);
    if (daemon) expect(seen.some((args) => args.includes('rcd'))).toBe(true);
    expect(seen.map((args) => flagValue(args, '--webdav-pacer-min-sleep'))).toEqual(seen.map(() => '3ms'));
    // Through crypt: the server holds no file of that name, and the vault gives the bytes back.
    expect(execFileSync('find', [webdav.dir, '-name', '*.mkv'], { encoding: 'utf8' })).toBe('');
    const back = execFileSync('rclone', ['--config', rcloneConfig, 'cat', `vault:${video}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(back.equals(readFileSync(path.join(localRoot, video)))).toBe(true);
  });
});
