/**
 * The union view: `rclone mount` of the vault at `<data>/.Vault` (read-only) and a mergerfs union
 * of `.Local` (first branch, takes new files) and `.Vault` (no new files) at `<data>/Media`, so an
 * evicted file stays readable at the same path. An anchor file on the vault tells a live mount from
 * a dead one.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stopChild, waitFor } from './wait.js';

const run = promisify(execFile);

/** Name of the anchor file at the vault's root. */
export const ANCHOR_NAME = '.vaultarr-anchor';

/** Options of {@link startUnion}. */
export interface UnionOptions {
  rcloneBinary: string;
  remote: string;
  rcloneConfig?: string;
  localRoot: string;
  /** Where the vault is mounted (`<data>/.Vault`). */
  vaultMount: string;
  /** Where the union appears (`<data>/Media`). */
  mediaMount: string;
  logDir: string;
  /** Extra `rclone mount` flags (e.g. `--vfs-cache-mode full`). */
  mountFlags: string[];
}

/** True when the path is a mount point right now (per /proc/mounts). */
export function isMounted(mountPoint: string): boolean {
  const escaped = mountPoint.replace(/ /g, '\\040');
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === escaped);
}

/**
 * Whether the vault mount answers and shows the anchor file; a dead FUSE mount can hang, so the
 * check runs `stat` with a timeout.
 *
 * @returns `undefined` when healthy, else the reason
 */
export async function anchorProblem(vaultMount: string, timeoutMs = 5000): Promise<string | undefined> {
  try {
    await run('stat', ['-c', '%s', path.join(vaultMount, ANCHOR_NAME)], { timeout: timeoutMs });
    return undefined;
  } catch (err) {
    const e = err as { killed?: boolean; stderr?: string };
    return e.killed
      ? `the vault mount at ${vaultMount} does not answer`
      : `the anchor file ${ANCHOR_NAME} is missing from the vault mount at ${vaultMount} (${(e.stderr ?? '').trim() || 'not found'})`;
  }
}

/** Lazily unmounts a FUSE mount point if something is mounted there. */
export async function unmount(mountPoint: string): Promise<void> {
  if (!isMounted(mountPoint)) return;
  await run('fusermount', ['-uz', mountPoint]).catch(() =>
    run('umount', ['-l', mountPoint]).catch(() => undefined),
  );
}

/**
 * Mounts the vault and the union, creating the anchor on the vault first when missing.
 * Stale mounts left by a crash are cleared first.
 *
 * @returns the running mounts; `exited` resolves when either process ends (the caller restarts)
 * @throws Error when a mount does not come up within 30 s (see the logs)
 */
export async function startUnion(
  options: UnionOptions,
): Promise<{ stop(): Promise<void>; exited: Promise<void> }> {
  const config = options.rcloneConfig ? ['--config', options.rcloneConfig] : [];
  mkdirSync(options.logDir, { recursive: true });
  await unmount(options.mediaMount);
  await unmount(options.vaultMount);
  mkdirSync(options.vaultMount, { recursive: true });
  mkdirSync(options.mediaMount, { recursive: true });
  const remoteRoot =
    options.remote.endsWith(':') || options.remote.endsWith('/') ? options.remote : `${options.remote}/`;
  await run(options.rcloneBinary, [...config, 'touch', `${remoteRoot}${ANCHOR_NAME}`]);

  const log = openSync(path.join(options.logDir, 'union.log'), 'a');
  const rclone = spawn(
    options.rcloneBinary,
    [
      ...config,
      'mount',
      options.remote,
      options.vaultMount,
      '--read-only',
      '--dir-cache-time',
      '30s',
      '--vfs-read-chunk-size',
      '32M',
      ...options.mountFlags,
    ],
    { stdio: ['ignore', log, log] },
  );
  await waitFor(
    `rclone mount at ${options.vaultMount}`,
    async () => {
      if (rclone.exitCode !== null)
        throw new Error(`rclone mount exited; see ${path.join(options.logDir, 'union.log')}`);
      return isMounted(options.vaultMount) && !(await anchorProblem(options.vaultMount));
    },
    30_000,
  );
  const mergerfs = spawn(
    'mergerfs',
    [
      '-f',
      '-o',
      'category.create=ff,cache.files=partial,dropcacheonclose=true,moveonenospc=false,fsname=vaultarr',
      `${options.localRoot}=RW:${options.vaultMount}=NC`,
      options.mediaMount,
    ],
    { stdio: ['ignore', log, log] },
  );
  await waitFor(
    `mergerfs at ${options.mediaMount}`,
    async () => {
      if (mergerfs.exitCode !== null)
        throw new Error(`mergerfs exited; see ${path.join(options.logDir, 'union.log')}`);
      return isMounted(options.mediaMount);
    },
    30_000,
  );
  const exited = Promise.race([
    new Promise<void>((r) => rclone.once('exit', () => r())),
    new Promise<void>((r) => mergerfs.once('exit', () => r())),
  ]);
  return {
    exited,
    stop: async () => {
      await stopChild(mergerfs);
      await unmount(options.mediaMount);
      await stopChild(rclone);
      await unmount(options.vaultMount);
    },
  };
}
