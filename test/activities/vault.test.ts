import { MockActivityEnvironment } from '@temporalio/testing';
import { execFileSync, execSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createVaultActivities, type CopyHeartbeat } from '../../activities/vault/activities.js';
import { Rclone } from '../../activities/vault/rclone.js';
import { makeVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';

/** Runs an activity in a mock activity context, keeping its types. */
const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

interface Remote {
  name: string;
  /** rclone remote spec */
  spec: string;
  /** where the remote's bytes land on disk */
  dir: string;
  expectedMethod: string;
}

describe.each(['local', 'webdav'] as const)('vault activities with real rclone to a %s remote', (kind) => {
  let root: string;
  let cleanup: () => void;
  let localRoot: string;
  let remote: Remote;
  let webdav: WebdavServer | undefined;

  beforeAll(async () => {
    ({ dir: root, cleanup } = tempDir());
    localRoot = path.join(root, '.Local');
    const cloud = path.join(root, 'cloud');
    if (kind === 'webdav') {
      webdav = await startWebdav(cloud);
      // rclone serve webdav keeps neither hashes nor modtimes: verification reads the copy back.
      remote = { name: kind, spec: webdav.remote, dir: cloud, expectedMethod: 'sha256-download' };
    } else {
      mkdirSync(cloud, { recursive: true });
      remote = { name: kind, spec: cloud, dir: cloud, expectedMethod: 'sha256' };
    }
  });
  afterAll(async () => {
    await webdav?.stop();
    cleanup();
  });

  const activities = (extraFlags: string[] = []) =>
    createVaultActivities({
      localRoot,
      rclone: new Rclone({ binary: 'rclone', remote: remote.spec, extraFlags }),
    });

  test('copies a library file and its subtitle byte-identical, heartbeating progress, and verifies them', async () => {
    const video = 'Movies/The Matrix (1999)/The Matrix (1999).mkv';
    const subtitle = 'Movies/The Matrix (1999)/The Matrix (1999).en.srt';
    makeVideo(path.join(localRoot, video), 2, 1);
    writeFileSync(path.join(localRoot, subtitle), '1\n00:00:01,000 --> 00:00:02,000\nHello\n');
    const env = new MockActivityEnvironment();
    const beats: CopyHeartbeat[] = [];
    env.on('heartbeat', (d: CopyHeartbeat) => beats.push(d));
    const { copyToVault, verifyVaultCopy } = activities();
    const result: CopyHeartbeat = await env.run(copyToVault, { libraryPaths: [video, subtitle] });
    expect(result.bytesTotal).toBeGreaterThan(0);
    expect(beats[0]).toEqual({ bytesDone: 0, bytesTotal: result.bytesTotal });
    for (const p of [video, subtitle])
      expect(sha256(path.join(remote.dir, p))).toBe(sha256(path.join(localRoot, p)));

    const verified = await run(verifyVaultCopy, {
      libraryPaths: [video, subtitle],
    });
    expect(verified).toMatchObject({
      match: true,
      verification: { method: remote.expectedMethod, sha256: sha256(path.join(localRoot, video)) },
    });
  });

  test('verify catches a truncated remote file, and a forced recopy repairs it', async () => {
    const video = 'Shows/Lost/Season 01/Lost - S01E01.mkv';
    makeVideo(path.join(localRoot, video), 2, 2);
    const { copyToVault, verifyVaultCopy } = activities();
    await run(copyToVault, { libraryPaths: [video] });
    // Corrupt the vault copy through the remote itself: a truncated upload under the same name.
    const truncated = path.join(root, 'truncated.mkv');
    writeFileSync(truncated, readFileSync(path.join(localRoot, video)).subarray(0, 1000));
    execFileSync('rclone', [
      'copyto',
      truncated,
      new Rclone({ binary: 'rclone', remote: remote.spec }).remotePath(video),
    ]);
    const bad = await run(verifyVaultCopy, { libraryPaths: [video] });
    expect(bad).toMatchObject({ match: false });
    expect(bad.match === false && bad.reason).toContain('vault size 1000 B');
    await run(copyToVault, { libraryPaths: [video], force: true });
    const good = await run(verifyVaultCopy, { libraryPaths: [video] });
    expect(good.match).toBe(true);
  });

  test('a missing vault copy does not verify', async () => {
    const video = 'Movies/Up (2009)/Up (2009).mkv';
    makeVideo(path.join(localRoot, video), 1, 3);
    const result = await run(activities().verifyVaultCopy, {
      libraryPaths: [video],
    });
    expect(result).toEqual({ match: false, reason: `${video} is missing on the vault` });
  });

  test('a copy killed half way completes on retry with identical bytes', async () => {
    const big = 'Movies/Heat (1995)/Heat (1995).mkv';
    mkdirSync(path.join(localRoot, path.dirname(big)), { recursive: true });
    writeFileSync(path.join(localRoot, big), randomBytes(12 * 1024 * 1024));
    const env = new MockActivityEnvironment();
    let killed = false;
    env.on('heartbeat', (d: CopyHeartbeat) => {
      if (!killed && d.bytesDone > 0 && d.bytesDone < d.bytesTotal) {
        killed = true;
        execSync(`pkill -9 -f -- '--bwlimit 2M'`);
      }
    });
    // Slow the first attempt down so that it is surely cut off half way.
    await expect(
      env.run(activities(['--bwlimit', '2M']).copyToVault, { libraryPaths: [big] }),
    ).rejects.toThrow(/rclone copy was killed by SIGKILL/);
    expect(killed).toBe(true);
    await run(activities().copyToVault, { libraryPaths: [big] });
    expect(sha256(path.join(remote.dir, big))).toBe(sha256(path.join(localRoot, big)));
    const verified = await run(activities().verifyVaultCopy, {
      libraryPaths: [big],
    });
    expect(verified.match).toBe(true);
  });

  test('a missing local file is a permanent SOURCE_MISSING failure', async () => {
    await expect(
      run(activities().copyToVault, {
        libraryPaths: ['Movies/Nope (2000)/Nope (2000).mkv'],
      }),
    ).rejects.toMatchObject({ type: 'SOURCE_MISSING', nonRetryable: true });
  });

  test('a path that escapes the library is refused', async () => {
    await expect(run(activities().copyToVault, { libraryPaths: ['../../etc/passwd'] })).rejects.toMatchObject(
      {
        type: 'PATH_ESCAPES_ROOT',
      },
    );
  });
});
