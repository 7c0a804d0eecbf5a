/**
 * The union view: `rclone mount` of the vault at `<data>/.Vault` (read-only) and a mergerfs union
 * of `.Local` (first branch, takes new files) and `.Vault` (no new files) at `<data>/Media`, so an
 * evicted file stays readable at the same path. An anchor file on the vault tells a live mount from
 * a dead one.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { freePort, stopChild, waitFor } from './wait.js';

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
  /**
   * Where the mount's remote control address and credentials are written (mode 0600) for this
   * host's worker, which refreshes the mount's directory cache before an eviction; see
   * {@link unionRcFile}.
   */
  rcFile?: string;
}

/** The remote control of a running vault mount (`rclone mount --rc`), as written to its rc file. */
export interface VaultMountControl {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  user: string;
  pass: string;
}

/** Where `vaultarr union` leaves the vault mount's remote control for the worker: `<dataDir>/run/union-rc.json`. */
export function unionRcFile(dataDir: string): string {
  return path.join(dataDir, 'run', 'union-rc.json');
}

/**
 * The union view as this host's processes see it (config `union`): its vault mount and the mount's
 * rc file (see {@link unionRcFile}) when `union.enabled`, both `undefined` when not. Evictions wait
 * until the mount shows a copy, the janitor stops while its anchor is missing, sorting reads
 * titles through it and `/readyz` checks it.
 */
export function unionView(config: Pick<Config, 'union' | 'dataDir'>) {
  return config.union.enabled
    ? { vaultMount: config.union.vaultMount, rcFile: unionRcFile(config.dataDir) }
    : { vaultMount: undefined, rcFile: undefined };
}

/**
 * Makes the vault mount re-read the given folders now (rclone `vfs/refresh`), so that a file
 * copied to the vault seconds ago is visible through the mount before its local copy goes. Each
 * ancestor is refreshed first: a cached parent listing from before the folder existed would hide it.
 *
 * @param rcFile - the mount's rc file; nothing is done when it does not exist (no union, or an
 *   older union process without remote control: the caller's stat then waits out the cache)
 * @param folders - library-relative folders (`Movies/Heat (1995)`)
 * @returns whether a refresh was sent
 * @throws nothing: a failed refresh is reported as `false` (the stat through the mount decides)
 */
export async function refreshVaultMount(rcFile: string, folders: string[]): Promise<boolean> {
  let control: VaultMountControl;
  try {
    control = JSON.parse(await readFile(rcFile, 'utf8')) as VaultMountControl;
  } catch {
    return false;
  }
  const dirs = new Set<string>();
  for (const folder of folders) {
    const parts = folder.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const auth = Buffer.from(`${control.user}:${control.pass}`).toString('base64');
  let ok = true;
  for (const dir of ['', ...dirs]) {
    const res = await fetch(new URL('vfs/refresh', control.url), {
      method: 'POST',
      headers: { authorization: `Basic ${auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(dir ? { dir } : {}),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    await res?.body?.cancel();
    ok = ok && Boolean(res?.ok);
  }
  return ok;
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
  const control: VaultMountControl | undefined = options.rcFile
    ? {
        url: `http://127.0.0.1:${await freePort()}/`,
        user: `vaultarr-${randomBytes(6).toString('hex')}`,
        pass: randomBytes(24).toString('base64url'),
      }
    : undefined;
  // The credentials go in the environment, never on the command line (`ps` shows it).
  const rcFlags = control ? ['--rc', '--rc-addr', new URL(control.url).host] : [];
  const rcEnv = control ? { RCLONE_RC_USER: control.user, RCLONE_RC_PASS: control.pass } : {};
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
      ...rcFlags,
      ...options.mountFlags,
    ],
    { stdio: ['ignore', log, log], env: { ...process.env, ...rcEnv } },
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
  if (control && options.rcFile) {
    mkdirSync(path.dirname(options.rcFile), { recursive: true });
    writeFileSync(options.rcFile, JSON.stringify(control), { mode: 0o600 });
  }
  // xattr=nosys: with mergerfs's default (passthrough), `ls -la` asks every file for its
  // `security.selinux` attribute, and a file served from the rclone mount answers EIO ("ls: …:
  // Input/output error"; seen with mergerfs 2.33 and rclone 1.60). ENOSYS tells the kernel this
  // mount has no extended attributes, and it stops asking (one round trip less per stat too).
  const mergerfs = spawn(
    'mergerfs',
    [
      '-f',
      '-o',
      'category.create=ff,cache.files=partial,dropcacheonclose=true,moveonenospc=false,xattr=nosys,fsname=vaultarr',
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
      if (options.rcFile) rmSync(options.rcFile, { force: true });
      await stopChild(mergerfs);
      await unmount(options.mediaMount);
      await stopChild(rclone);
      await unmount(options.vaultMount);
    },
  };
}
