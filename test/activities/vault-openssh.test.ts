/**
 * A vault on a real OpenSSH server (Debian's sshd on loopback, a user jailed to a folder), as a
 * seedbox or a NAS gives one. With a shell, a copy is verified by the hash the server computes
 * (`sha1sum` run by sshd: not a byte of the copy downloaded, as sshd's own traffic count shows);
 * with the shell disabled (`ForceCommand internal-sftp`, no hash commands), by reading the copy
 * back, and the record says so. The remote's config names no `shell_type` nor hash command:
 * rclone detects them, through the daemon and as processes alike.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { heartbeating } from '../../activities/progress.js';
import { createVaultActivities, vaultSettings } from '../../activities/vault/activities.js';
import { testConfig } from '../helpers/config.js';
import { Rclone } from '../../activities/vault/rclone/client.js';
import type { VaultVerification } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { tempDir } from '../helpers/env.js';
import {
  sshdTraffic,
  startOpenSshSftp,
  writeVaultConfig,
  type VaultServer,
} from '../helpers/vault-servers.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);
const digest = (algorithm: string, file: string) =>
  createHash(algorithm).update(readFileSync(file)).digest('hex');

const VIDEO_BYTES = 4 * 1024 * 1024;

/** Changes one byte of a file in place (its size and name stay). */
async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, offset);
  byte[0] = byte[0]! ^ 0xff;
  await handle.write(byte, 0, 1, offset);
  await handle.close();
}

describe.each([
  { shell: true, daemon: true },
  { shell: true, daemon: false },
  { shell: false, daemon: true },
  { shell: false, daemon: false },
])('a vault on OpenSSH SFTP, shell $shell, rclone daemon $daemon', ({ shell, daemon }) => {
  let dirs: ReturnType<typeof tempDir>;
  let localRoot: string;
  let sshd: VaultServer;
  let rclone: Rclone;
  const video = `Movies/Sintel (2010)/Sintel (2010).mkv`;
  const subtitle = `Movies/Sintel (2010)/Sintel (2010).en.srt`;
  let verification: VaultVerification;

  beforeAll(async () => {
    dirs = tempDir('vaultarr-openssh-');
    localRoot = path.join(dirs.dir, '.Local');
    sshd = await startOpenSshSftp(path.join(dirs.dir, 'server'), { shell });
    // As a user writes the remote: no shell_type (the helper's `none` for no shell), no
    // md5sum_command, so that rclone detects what the server offers.
    const { shell_type: _detected, ...section } = sshd.section;
    const config = writeVaultConfig(path.join(dirs.dir, 'rclone.conf'), section, {
      crypt: false,
      folder: 'vault',
    });
    rclone = new Rclone(testRcloneSettings({ remote: 'vault:', rcloneConfig: config, rcloneDaemon: daemon }));
  });
  afterAll(async () => {
    await rclone?.close();
    await sshd?.stop();
    dirs?.cleanup();
  });

  const activities = () =>
    heartbeating(
      createVaultActivities({ rclone, settings: vaultSettings(testConfig({ library: { localRoot } })) }),
    );

  /** Bytes sshd sent while `work` ran, once every connection it opened has closed. */
  async function bytesServed(work: () => Promise<void>): Promise<number> {
    const before = sshdTraffic(sshd.log()).sentBytes;
    await work();
    await rclone.close(); // the daemon's pooled connections close with it
    await waitFor(
      'every SFTP connection to close',
      async () => {
        const t = sshdTraffic(sshd.log());
        return t.closed === t.accepted;
      },
      20_000,
    );
    return sshdTraffic(sshd.log()).sentBytes - before;
  }

  test(`a movie and its subtitle are copied and verified ${shell ? 'by the hash sshd computes, nothing downloaded' : 'by reading the copy back, and the record says so'}`, async () => {
    mkdirSync(path.join(localRoot, path.dirname(video)), { recursive: true });
    writeFileSync(path.join(localRoot, video), randomBytes(VIDEO_BYTES));
    writeFileSync(path.join(localRoot, subtitle), '1\n00:00:01,000 --> 00:00:02,000\nHello\n');
    const total = VIDEO_BYTES + readFileSync(path.join(localRoot, subtitle)).length;
    let result: Awaited<ReturnType<ReturnType<typeof activities>['verifyVaultCopy']>> | undefined;
    const served = await bytesServed(async () => {
      const { copyToVault, verifyVaultCopy } = activities();
      const copied = await run(copyToVault, { libraryPaths: [video, subtitle] });
      result = await run(verifyVaultCopy, { libraryPaths: [video, subtitle], local: copied.local });
    });
    for (const p of [video, subtitle])
      expect(digest('sha256', path.join(sshd.dir, p))).toBe(digest('sha256', path.join(localRoot, p)));
    const local = path.join(localRoot, video);
    expect(result).toMatchObject({
      match: true,
      verification: shell
        ? { method: 'sha1', remoteValue: digest('sha1', local), bytesDownloaded: 0 }
        : { method: 'sha256-download', remoteValue: digest('sha256', local), bytesDownloaded: total },
    });
    verification = (result as { verification: VaultVerification }).verification;
    // sshd's count: the copies' bytes went up, and only protocol (or the read-back) came down.
    if (shell) expect(served).toBeLessThan(256 * 1024);
    else expect(served).toBeGreaterThanOrEqual(total);
  });

  test('a vault copy changed on the server, same size, fails re-verification before eviction and the local copy stays', async () => {
    expect(verification).toBeDefined();
    await flipByte(path.join(sshd.dir, video), VIDEO_BYTES / 2);
    const result = await run(activities().evictLocalCopy, {
      libraryPaths: [video, subtitle],
      expected: verification,
    });
    expect(result).toEqual({
      evicted: false,
      reason: shell
        ? expect.stringMatching(
            new RegExp(
              `^${video.replace(/[()]/g, '\\$&')}: sha1 differs \\(vault [0-9a-f]{40}, expected ${verification.remoteValue}\\)$`,
            ),
          )
        : `${video}: sha256 of the vault copy differs (read back)`,
    });
    expect(existsSync(path.join(localRoot, video))).toBe(true);
    expect(existsSync(path.join(localRoot, subtitle))).toBe(true);
  });
});
