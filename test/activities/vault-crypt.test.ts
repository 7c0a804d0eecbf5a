/**
 * Verification by content on vaults without a hash of their own: an rclone crypt vault is checked
 * the way `rclone cryptcheck` does (the underlying object's hash against the local file encrypted
 * with the copy's nonce; only the copy's 32-byte header is downloaded), read back when its
 * underlying remote has no hash either; a remote that keeps modification times but no hash is read
 * back. Size and modification time alone never verify a copy, not even one recorded that way.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { heartbeating } from '../../activities/progress.js';
import { createVaultActivities, vaultSettings } from '../../activities/vault/activities.js';
import { Rclone } from '../../activities/vault/rclone/client.js';
import type { VaultVerification } from '../../domain/messages.js';
import {
  cryptOverLocal,
  cryptOverWebdav,
  flipByte,
  underlyingFile,
  type CryptVault,
} from '../helpers/crypt-vaults.js';
import { testConfig } from '../helpers/config.js';
import { startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let root: string;
let cleanup: () => void;
let localRoot: string;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir());
  localRoot = path.join(root, '.Local');
});
afterAll(() => cleanup());

let n = 0;
/** A new movie (random bytes) and its subtitle in the library. */
function movie(sizeBytes: number): { video: string; subtitle: string } {
  n++;
  const video = `Movies/Solaris ${n} (1972)/Solaris ${n} (1972).mkv`;
  const subtitle = `Movies/Solaris ${n} (1972)/Solaris ${n} (1972).en.srt`;
  mkdirSync(path.join(localRoot, path.dirname(video)), { recursive: true });
  writeFileSync(path.join(localRoot, video), randomBytes(sizeBytes));
  writeFileSync(path.join(localRoot, subtitle), `1\n00:00:01,000 --> 00:00:02,000\nStation ${n}\n`);
  return { video, subtitle };
}

const activities = (remote: string, rcloneConfig?: string) =>
  heartbeating(
    createVaultActivities({
      rclone: new Rclone(testRcloneSettings({ remote, rcloneConfig })),
      settings: vaultSettings(testConfig({ library: { localRoot } })),
    }),
  );

/** Copies and verifies a movie; returns its paths and the verification eviction gets. */
async function vaulted(vault: CryptVault, sizeBytes = 2 * 1024 * 1024) {
  const files = movie(sizeBytes);
  const { copyToVault, verifyVaultCopy } = activities(vault.remote, vault.configFile);
  const libraryPaths = [files.video, files.subtitle];
  const copied = await run(copyToVault, { libraryPaths });
  const verified = await run(verifyVaultCopy, { libraryPaths, local: copied.local });
  return { ...files, libraryPaths, copied, verified };
}

/** The vault copy as rclone decrypts it. */
const throughVault = (vault: CryptVault, libraryPath: string) =>
  execFileSync('rclone', ['--config', vault.configFile, 'cat', `${vault.remote}${libraryPath}`], {
    maxBuffer: 64 * 1024 * 1024,
  });

describe('a crypt vault over a local folder', () => {
  let vault: CryptVault;
  beforeAll(() => {
    vault = cryptOverLocal(path.join(root, 'crypt-local'));
  });

  test('verifies a copy by rclone cryptcheck of its content, downloading only each copy’s 32-byte header', async () => {
    const { video, copied, verified } = await vaulted(vault);
    expect(throughVault(vault, video).equals(readFileSync(path.join(localRoot, video)))).toBe(true);
    expect(verified).toEqual({
      match: true,
      verification: expect.objectContaining({
        method: 'md5-crypt',
        sha256: sha256(readFileSync(path.join(localRoot, video))),
        // The pass that hashed the files while they were copied, and rclone's own read.
        bytesReadLocally: 2 * copied.bytesTotal,
        bytesDownloaded: 2 * 32,
      }),
    });
  });

  test('a copy corrupted on the underlying folder (one byte, same size and modification time) fails verification and is not evicted', async () => {
    const { video, libraryPaths, verified } = await vaulted(vault);
    if (!verified.match) throw new Error(verified.reason);
    flipByte(await underlyingFile(vault, video), { keepMtime: true });
    const { verifyVaultCopy, evictLocalCopy, copyToVault } = activities(vault.remote, vault.configFile);
    const again = await run(verifyVaultCopy, { libraryPaths });
    expect(again).toMatchObject({ match: false, reason: expect.stringContaining('hashes differ') });
    expect(await run(evictLocalCopy, { libraryPaths, expected: verified.verification })).toMatchObject({
      evicted: false,
      reason: expect.stringContaining(video),
    });
    expect(existsSync(path.join(localRoot, video))).toBe(true);
    // The forced recopy the workflow then makes repairs it.
    await run(copyToVault, { libraryPaths, force: true });
    expect((await run(verifyVaultCopy, { libraryPaths })).match).toBe(true);
  });

  test('a copy recorded as verified by modification time alone is checked by content before eviction', async () => {
    const { video, libraryPaths, verified } = await vaulted(vault);
    if (!verified.match) throw new Error(verified.reason);
    // As older versions recorded a crypt copy: size and modification time, nothing of its content.
    const stat = statSync(path.join(localRoot, video));
    const byModtime: VaultVerification = {
      ...verified.verification,
      method: 'modtime',
      remoteValue: stat.mtime.toISOString(),
      mtimeMs: stat.mtimeMs,
    };
    flipByte(await underlyingFile(vault, video), { keepMtime: true });
    const { evictLocalCopy } = activities(vault.remote, vault.configFile);
    expect(await run(evictLocalCopy, { libraryPaths, expected: byModtime })).toMatchObject({
      evicted: false,
    });
    expect(existsSync(path.join(localRoot, video))).toBe(true);
  });
});

describe('a crypt vault over a WebDAV server without hashes', () => {
  let vault: CryptVault;
  beforeAll(async () => {
    vault = await cryptOverWebdav(path.join(root, 'crypt-webdav'), { hashes: false });
  });
  afterAll(() => vault.stop());

  test('is verified by reading the copy back once, and the record says so', async () => {
    const { verified, copied } = await vaulted(vault);
    expect(verified).toEqual({
      match: true,
      verification: expect.objectContaining({
        method: 'sha256-download',
        bytesReadLocally: copied.bytesTotal,
        bytesDownloaded: copied.bytesTotal,
      }),
    });
  });
});

describe('a vault that keeps modification times but no hashes (WebDAV, vendor rclone)', () => {
  let webdav: WebdavServer;
  beforeAll(async () => {
    webdav = await startWebdav(path.join(root, 'webdav-mtime'));
  });
  afterAll(() => webdav.stop());

  test('is verified by reading the copy back, never by size and modification time', async () => {
    const remote = `:webdav,url='http://127.0.0.1:${webdav.port}',vendor=rclone:`;
    const { video } = movie(1024 * 1024);
    const { copyToVault, verifyVaultCopy } = activities(remote);
    const copied = await run(copyToVault, { libraryPaths: [video] });
    const verified = await run(verifyVaultCopy, { libraryPaths: [video], local: copied.local });
    expect(verified).toEqual({
      match: true,
      verification: expect.objectContaining({
        method: 'sha256-download',
        bytesDownloaded: copied.bytesTotal,
      }),
    });
  });
});
