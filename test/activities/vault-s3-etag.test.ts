/**
 * An S3 vault whose ETags are never an object's MD5, as AWS's of a multipart upload
 * (`<hash>-<parts>`) or of an SSE-KMS object (`rclone serve s3 --etag-hash SHA1` on loopback):
 * vaultarr never takes an ETag for an MD5. A multipart upload is verified against the MD5 rclone
 * stored in the object's metadata; an object without one (uploaded by a client that stores none)
 * is read back, never called verified on its size.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { heartbeating } from '../../activities/progress.js';
import { createVaultActivities, vaultSettings } from '../../activities/vault/activities.js';
import { testConfig } from '../helpers/config.js';
import { Rclone } from '../../activities/vault/rclone/client.js';
import type { VaultVerification } from '../../domain/messages.js';
import { tempDir } from '../helpers/env.js';
import { startS3, writeVaultConfig, type VaultServer } from '../helpers/vault-servers.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);
const digest = (algorithm: string, file: string) =>
  createHash(algorithm).update(readFileSync(file)).digest('hex');

const VIDEO_BYTES = 12 * 1024 * 1024;

describe('an S3 vault whose ETags are not MD5s, multipart above 5 MiB', () => {
  let dirs: ReturnType<typeof tempDir>;
  let localRoot: string;
  let s3: VaultServer;
  let config: string;
  let rclone: Rclone;
  const video = 'Movies/Tears of Steel (2012)/Tears of Steel (2012).mkv';
  let verification: VaultVerification;

  beforeAll(async () => {
    dirs = tempDir('vaultarr-s3-etag-');
    localRoot = path.join(dirs.dir, '.Local');
    s3 = await startS3(path.join(dirs.dir, 'server'), 5, { etagHash: 'SHA1' });
    config = writeVaultConfig(path.join(dirs.dir, 'rclone.conf'), s3.section, {
      crypt: false,
      folder: 'vault',
    });
    rclone = new Rclone(testRcloneSettings({ remote: 'vault:', rcloneConfig: config }));
  });
  afterAll(async () => {
    await rclone?.close();
    await s3?.stop();
    dirs?.cleanup();
  });

  const activities = () =>
    heartbeating(
      createVaultActivities({ rclone, settings: vaultSettings(testConfig({ library: { localRoot } })) }),
    );
  /** Uploads a file straight to the bucket as a client that stores no MD5 in the metadata would. */
  const uploadWithoutMd5 = (file: string, libraryPath: string) =>
    execFileSync('rclone', [
      ...['--config', config, 'copyto', '--s3-disable-checksum'],
      ...[file, `under:vault/${libraryPath}`],
    ]);
  /** The HTTP headers the server answers a HEAD of the object with. */
  const headers = (libraryPath: string) =>
    spawnSync(
      'rclone',
      ['--config', config, 'lsjson', '--stat', `under:vault/${libraryPath}`, '-vv', '--dump', 'headers'],
      { encoding: 'utf8' },
    ).stderr;

  test('a multipart upload is verified against the MD5 rclone stored in its metadata, not its ETag, nothing downloaded', async () => {
    mkdirSync(path.join(localRoot, path.dirname(video)), { recursive: true });
    writeFileSync(path.join(localRoot, video), randomBytes(VIDEO_BYTES));
    const { copyToVault, verifyVaultCopy } = activities();
    const copied = await run(copyToVault, { libraryPaths: [video] });
    const result = await run(verifyVaultCopy, { libraryPaths: [video], local: copied.local });
    const md5 = digest('md5', path.join(localRoot, video));
    expect(result).toMatchObject({
      match: true,
      verification: { method: 'md5', remoteValue: md5, bytesDownloaded: 0 },
    });
    verification = (result as { verification: VaultVerification }).verification;
    const head = headers(video);
    // The ETag is not the MD5 (here the SHA-1 of the data); the MD5 is in rclone's metadata.
    expect(head).toMatch(/^Etag: "[0-9a-f]{40}"$/m);
    expect(head).toContain(`X-Amz-Meta-Md5chksum: ${Buffer.from(md5, 'hex').toString('base64')}`);
  });

  test('an object overwritten with other bytes of the same size by a client that stores no MD5 is read back at re-verification, fails it, and the local copy stays', async () => {
    expect(verification).toBeDefined();
    const other = path.join(dirs.dir, 'other.mkv');
    writeFileSync(other, randomBytes(VIDEO_BYTES));
    uploadWithoutMd5(other, video);
    expect(headers(video)).not.toContain('X-Amz-Meta-Md5chksum');
    const result = await run(activities().evictLocalCopy, { libraryPaths: [video], expected: verification });
    expect(result).toEqual({
      evicted: false,
      reason: `${video}: sha256 of the vault copy differs (read back)`,
    });
    expect(existsSync(path.join(localRoot, video))).toBe(true);
  });

  test('an object with no MD5 that holds the local bytes is verified by reading it back, and the record says so', async () => {
    const second = 'Movies/Cosmos Laundromat (2015)/Cosmos Laundromat (2015).mkv';
    mkdirSync(path.join(localRoot, path.dirname(second)), { recursive: true });
    writeFileSync(path.join(localRoot, second), randomBytes(VIDEO_BYTES));
    const upload = path.join(dirs.dir, 'upload.mkv');
    copyFileSync(path.join(localRoot, second), upload);
    uploadWithoutMd5(upload, second);
    const result = await run(activities().verifyVaultCopy, { libraryPaths: [second] });
    expect(result).toMatchObject({
      match: true,
      verification: {
        method: 'sha256-download',
        remoteValue: digest('sha256', path.join(localRoot, second)),
        bytesDownloaded: VIDEO_BYTES,
      },
    });
  });
});
