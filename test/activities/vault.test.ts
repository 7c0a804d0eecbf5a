import { MockActivityEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { heartbeating, type ActivityProgress } from '../../activities/progress.js';
import {
  createVaultActivities,
  vaultSettings,
  type CopyToVaultResult,
} from '../../activities/vault/activities.js';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { testConfig } from '../helpers/config.js';
import { makeVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';

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
    heartbeating(
      createVaultActivities({
        rclone: new Rclone(testRcloneSettings({ remote: remote.spec, extraFlags })),
        settings: vaultSettings(testConfig({ library: { localRoot } })),
      }),
    );
  /** An activity context with a heartbeat timeout, so the heartbeat pump runs (every 100 ms). */
  const heartbeatEnv = () => new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });

  test('copies a library file and its subtitle byte-identical, heartbeating progress, and verifies them', async () => {
    const video = 'Movies/The Matrix (1999)/The Matrix (1999).mkv';
    const subtitle = 'Movies/The Matrix (1999)/The Matrix (1999).en.srt';
    // 6 MiB at 8 MiB/s past rclone's 4 MiB burst: the copy takes a few hundred ms, so the pump
    // (every 100 ms, from one interval after the start) beats during it.
    mkdirSync(path.dirname(path.join(localRoot, video)), { recursive: true });
    writeFileSync(path.join(localRoot, video), randomBytes(6 * 1024 * 1024));
    writeFileSync(path.join(localRoot, subtitle), '1\n00:00:01,000 --> 00:00:02,000\nHello\n');
    const env = heartbeatEnv();
    const beats: ActivityProgress[] = [];
    env.on('heartbeat', (d: ActivityProgress) => beats.push(d));
    const { copyToVault, verifyVaultCopy } = activities(['--bwlimit', '8M']);
    const result: CopyToVaultResult = await env.run(copyToVault, { libraryPaths: [video, subtitle] });
    expect(result.bytesTotal).toBeGreaterThan(0);
    expect(beats.length).toBeGreaterThan(0);
    expect(beats).toContainEqual(
      expect.objectContaining({ phase: 'copying', bytesTotal: result.bytesTotal }),
    );
    for (const p of [video, subtitle])
      expect(sha256(path.join(remote.dir, p))).toBe(sha256(path.join(localRoot, p)));
    // The local files were hashed during the copy, for verification.
    expect(result.local.map((r) => r.hashes.sha256)).toEqual([
      sha256(path.join(localRoot, video)),
      sha256(path.join(localRoot, subtitle)),
    ]);

    const verified = await run(verifyVaultCopy, { libraryPaths: [video, subtitle], local: result.local });
    const total = result.bytesTotal;
    expect(verified).toMatchObject({
      match: true,
      verification: {
        method: remote.expectedMethod,
        sha256: sha256(path.join(localRoot, video)),
        bytesReadLocally: total,
        // Only a remote with neither hashes nor modtimes is read back, each file once.
        bytesDownloaded: remote.expectedMethod === 'sha256-download' ? total : 0,
      },
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
      new Rclone(testRcloneSettings({ remote: remote.spec })).remotePath(video),
    ]);
    const bad = await run(verifyVaultCopy, { libraryPaths: [video] });
    expect(bad).toMatchObject({ match: false });
    expect(bad.match === false && bad.reason).toContain('vault size 1000 B');
    await run(copyToVault, { libraryPaths: [video], force: true });
    const good = await run(verifyVaultCopy, { libraryPaths: [video] });
    expect(good.match).toBe(true);
  });

  test('a forced copy replaces a stale same-size object with the same modification time, keeping it in the vault trash', async () => {
    const video = 'Movies/Alien (1979)/Alien (1979).mkv';
    mkdirSync(path.join(localRoot, path.dirname(video)), { recursive: true });
    writeFileSync(path.join(localRoot, video), randomBytes(256 * 1024));
    // On the vault already, uploaded through the remote: other bytes, the same size, and the
    // local file then given the vault copy's modification time (to the nanosecond).
    const other = path.join(root, 'other.mkv');
    writeFileSync(other, randomBytes(256 * 1024));
    execFileSync('rclone', [
      'copyto',
      other,
      new Rclone(testRcloneSettings({ remote: remote.spec })).remotePath(video),
    ]);
    const stale = path.join(remote.dir, video);
    execFileSync('touch', ['-r', stale, path.join(localRoot, video)]);
    const staleHash = sha256(stale);
    const { copyToVault } = activities();
    // A copy that looks first takes the object for the same file and skips it...
    await run(copyToVault, { libraryPaths: [video] });
    expect(sha256(stale)).toBe(staleHash);
    // ...a forced one (after a failed verification) uploads, and the stale object goes to the trash.
    const result = await run(copyToVault, { libraryPaths: [video], force: true });
    // rclone's stats count the move of the stale object into the trash as well.
    expect(result.bytesDone).toBeGreaterThanOrEqual(256 * 1024);
    expect(sha256(stale)).toBe(sha256(path.join(localRoot, video)));
    const trashDay = path.join(
      remote.dir,
      '.trash',
      new Date().toISOString().slice(0, 10),
      path.dirname(video),
    );
    const trashed = readdirSync(trashDay);
    expect(trashed).toEqual([expect.stringMatching(/^Alien \(1979\)\.replaced-\d{6}\.mkv$/)]);
    expect(sha256(path.join(trashDay, trashed[0]!))).toBe(staleHash);
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
    const env = heartbeatEnv();
    let killed = false;
    env.on('heartbeat', (d: ActivityProgress) => {
      if (!killed && d.phase === 'copying' && d.bytesDone > 0 && d.bytesDone < d.bytesTotal) {
        killed = true;
        // No shell between: its own command line would match the pattern too.
        const pids = execFileSync('pgrep', ['-f', '--', '--bwlimit 2M'], { encoding: 'utf8' });
        for (const pid of pids.split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
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

  describe('eviction deletes only what it verified', () => {
    // Each test its own movie: a remote without hashes or modtimes skips a same-size file on copy.
    let video = '';
    let subtitle = '';
    let n = 0;
    const srt = '1\n00:00:01,000 --> 00:00:02,000\nIn space no one can hear you scream\n';

    /** A video and its subtitle copied and verified; returns what eviction gets. */
    const vaulted = async () => {
      n++;
      video = `Movies/Alien ${n} (1979)/Alien ${n} (1979).mkv`;
      subtitle = `Movies/Alien ${n} (1979)/Alien ${n} (1979).en.srt`;
      makeVideo(path.join(localRoot, video), 1, 7 + n);
      writeFileSync(path.join(localRoot, subtitle), srt);
      const { copyToVault, verifyVaultCopy } = activities();
      const copied = await run(copyToVault, { libraryPaths: [video, subtitle] });
      const verified = await run(verifyVaultCopy, { libraryPaths: [video, subtitle], local: copied.local });
      if (!verified.match) throw new Error(verified.reason);
      return { libraryPaths: [video, subtitle], expected: verified.verification };
    };
    const localFilesStay = () => {
      expect(existsSync(path.join(localRoot, video))).toBe(true);
      expect(readFileSync(path.join(localRoot, subtitle), 'utf8')).toBe(srt);
    };

    test('a subtitle whose vault copy is corrupted (same size) keeps the video and the subtitle', async () => {
      const input = await vaulted();
      writeFileSync(path.join(remote.dir, subtitle), srt.replace('space', 'SPACE'));
      const result = await run(activities().evictLocalCopy, input);
      expect(result).toMatchObject({ evicted: false });
      expect(result.evicted === false && result.reason).toContain(subtitle);
      localFilesStay();
    });

    test('a subtitle missing on the vault keeps the video and the subtitle', async () => {
      const input = await vaulted();
      // Through the remote itself: `rclone serve webdav` would not see a file deleted behind its back.
      execFileSync('rclone', [
        'deletefile',
        new Rclone(testRcloneSettings({ remote: remote.spec })).remotePath(subtitle),
      ]);
      const result = await run(activities().evictLocalCopy, input);
      expect(result).toEqual({ evicted: false, reason: `${subtitle} is missing on the vault` });
      localFilesStay();
    });

    test('a verified video and subtitle are both evicted', async () => {
      const input = await vaulted();
      const result = await run(activities().evictLocalCopy, input);
      expect(result).toMatchObject({ evicted: true });
      expect(existsSync(path.join(localRoot, video))).toBe(false);
      expect(existsSync(path.join(localRoot, subtitle))).toBe(false);
    });

    if (kind === 'webdav') {
      test('a subtitle the WebDAV server cannot read fails the eviction with nothing deleted', async () => {
        const input = await vaulted();
        // In front of the real server: listings pass, reading the subtitle answers 500.
        const proxy = http.createServer((req, res) => {
          if (req.method === 'GET' && decodeURIComponent(req.url ?? '').endsWith('.srt')) {
            res.writeHead(500).end('cannot read');
            return;
          }
          const upstream = http.request(
            {
              host: '127.0.0.1',
              port: webdav!.port,
              path: req.url,
              method: req.method,
              headers: req.headers,
            },
            (up) => {
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            },
          );
          req.pipe(upstream);
        });
        await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
        const port = (proxy.address() as { port: number }).port;
        try {
          const faulty = heartbeating(
            createVaultActivities({
              settings: vaultSettings(testConfig({ library: { localRoot } })),
              rclone: new Rclone(testRcloneSettings({ remote: `:webdav,url='http://127.0.0.1:${port}':` })),
            }),
          );
          await expect(run(faulty.evictLocalCopy, input)).rejects.toThrow();
          localFilesStay();
        } finally {
          proxy.closeAllConnections();
          await new Promise((r) => proxy.close(r));
        }
      });
    }
  });
});
