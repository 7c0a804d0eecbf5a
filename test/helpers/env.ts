/**
 * Helpers shared by tests: the run's Temporal and Postgres, temp dirs, media files, a WebDAV remote.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, portOpen, waitFor } from '../../lib/infra/wait.js';

/** Address of the run's Temporal dev server. */
export const temporalAddress = (): string => process.env.TEST_VAULTARR_TEMPORAL!;
/** URL of the run's Postgres database (migrated). */
export const databaseUrl = (): string => process.env.TEST_VAULTARR_DATABASE_URL!;

/** The test cluster's URL for another database on it (the URL may name a Unix socket in its query). */
export function databaseUrlFor(name: string): string {
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return url.href;
}

/** A fresh temp dir, removed by the returned cleanup. */
export function tempDir(prefix = 'vaultarr-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A short unique name for task queues and host IDs. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Creates the local library layout under a root. */
export function makeLibrary(localRoot: string): void {
  for (const folder of ['Incoming', 'Movies', 'Shows', 'Unsorted'])
    mkdirSync(path.join(localRoot, folder), { recursive: true });
}

/**
 * Writes a short valid video made with ffmpeg (`.mkv` or `.mp4` by extension): test pattern and
 * a tone, `seconds` long. Each call with a different `seed` yields different bytes.
 */
export function makeVideo(file: string, seconds = 1, seed = 0): void {
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=duration=${seconds}:size=160x120:rate=10`,
    '-f', 'lavfi', '-i', `sine=frequency=${440 + seed}:duration=${seconds}`,
    '-shortest', '-metadata', `comment=vaultarr-test-${seed}`, file,
  ]); // prettier-ignore
}

/**
 * Writes a Matroska video of random frames (raw 8-bit gray, 25 fps) of about `sizeBytes` (whole
 * frames, plus a few KiB of container): a real, whole container of any size, fast (the frames
 * come from `/dev/urandom`, nothing is encoded), whose bytes differ from call to call. Intake
 * refuses random bytes that only carry a video's name.
 *
 * @param frames - where the frames come from: random bytes (default), or zeros (`/dev/zero`: as
 *   fast to write, for multi-GB files whose content does not matter)
 * @returns the file's size in bytes
 */
export function makeRandomVideo(
  file: string,
  sizeBytes: number,
  frames: '/dev/urandom' | '/dev/zero' = '/dev/urandom',
): number {
  mkdirSync(path.dirname(file), { recursive: true });
  // Frames of at most 1 MiB, at least 16 of them for a small file; a side a multiple of 16.
  const side = Math.max(16, Math.min(1024, Math.floor(Math.sqrt(sizeBytes / 16) / 16) * 16));
  const count = Math.max(1, Math.round(sizeBytes / (side * side)));
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${side}x${side}`, '-r', '25', '-i', frames,
    '-frames:v', String(count), '-c:v', 'rawvideo', '-f', 'matroska', file,
  ]); // prettier-ignore
  return statSync(file).size;
}

/** A running `rclone serve webdav` on 127.0.0.1 serving a directory. */
export interface WebdavServer {
  dir: string;
  port: number;
  /** rclone remote spec for it (on-the-fly connection string). */
  remote: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `rclone serve webdav <dir>` on a loopback port (a free one unless given); with
 * `readOnly`, `--read-only` (it refuses every write).
 */
export async function startWebdav(
  dir: string,
  fixedPort?: number,
  options: { readOnly?: boolean } = {},
): Promise<WebdavServer> {
  mkdirSync(dir, { recursive: true });
  const port = fixedPort ?? (await freePort());
  const args = [
    'serve',
    'webdav',
    dir,
    '--addr',
    `127.0.0.1:${port}`,
    ...(options.readOnly ? ['--read-only'] : []),
  ];
  const child = spawn('rclone', args, { stdio: 'ignore' });
  await waitFor(`rclone serve webdav on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  return {
    dir,
    port,
    remote: `:webdav,url='http://127.0.0.1:${port}':`,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A fresh, migrated database of its own on the run's Postgres, so that one test file's catalog
 * never sees another's.
 *
 * @returns its URL
 */
export async function freshDatabase(): Promise<string> {
  const { default: pg } = await import('pg');
  const { migrate } = await import('../../lib/db.js');
  const name = uniqueName('t').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(name);
  await migrate(url);
  return url;
}

/** The rejection of a promise that must fail (throws when it resolves). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to fail');
}
