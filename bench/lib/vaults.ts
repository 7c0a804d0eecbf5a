/**
 * The vaults of the lifecycle scenarios, as users have them, each on loopback with two folders: one
 * for vaultarr, one for plain rclone (the baseline copies the same files to an identical remote of
 * the same server): a local folder, Debian's OpenSSH serving a jailed user with a shell (`md5sum`,
 * `sha1sum`), `rclone serve webdav` (no hashes, no modification times), `rclone serve s3` (large
 * files go up in parts) and rclone crypt over a local folder. Every remote but the local folder is a
 * named remote (`vault:`) of an `rclone.conf`, as vaultarr takes it (`vault.remote`,
 * `vault.rcloneConfig`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, portOpen, stopChild, waitFor } from '../../lib/infra/wait.js';
import {
  startOpenSshSftp,
  startS3,
  writeVaultConfig,
  type VaultServer,
} from '../../test/helpers/vault-servers.js';

/** The vault types `--vaults` names, in the order the scenarios run them. */
export const VAULT_TYPES = ['local', 'sftp', 'webdav', 's3', 'crypt'] as const;
/** A vault type of {@link VAULT_TYPES}. */
export type VaultType = (typeof VAULT_TYPES)[number];

/** How each vault type is named in the tables. */
export const VAULT_LABELS: Record<VaultType, string> = {
  local: 'local folder',
  sftp: 'OpenSSH SFTP',
  webdav: 'WebDAV',
  s3: 'S3',
  crypt: 'crypt over local',
};

/**
 * The S3 vault's upload cutoff and part size, in MiB: the 4 MiB files of scenario 1 go up in one
 * request, the large file of scenario 2 in parts (whose ETag is not the object's MD5).
 */
export const S3_MULTIPART_CUTOFF_MIB = 8;

/** A remote as rclone's command line takes it: a local path or `vault:`, and its config file. */
export interface RemoteRef {
  remote: string;
  config?: string;
}

/** `<remote>/<sub>` of a named remote (`vault:sub`) or a local path. */
export const remoteAt = (ref: RemoteRef, sub: string): RemoteRef => ({
  ...ref,
  remote: ref.remote.endsWith(':') ? `${ref.remote}${sub}` : path.join(ref.remote, sub),
});

/** `--config <file>` when the remote has one. */
export const configArgs = (ref: RemoteRef): string[] => (ref.config ? ['--config', ref.config] : []);

/** A running vault of one type. */
export interface BenchVault {
  type: VaultType;
  label: string;
  /** vaultarr's remote (`vault.remote`, `vault.rcloneConfig`). */
  vaultarr: RemoteRef;
  /** The identical remote plain rclone copies to (another folder of the same server). */
  twin: RemoteRef;
  /**
   * What a careful user runs after `rclone copy` to know the copy is good, where `copy`'s own
   * check is not that (`check --download` where the remote has no hash, `cryptcheck` for crypt);
   * `name` as the tables show it, the subcommand and its flags (given before the two paths).
   * None: `copy` compares hashes itself.
   */
  check?: { name: string; command: string; flags: string[] };
  /**
   * The same baseline with other flags, timed too (scenario 1): on WebDAV, rclone's pacer off
   * (`--webdav-pacer-min-sleep 0`), to show how much of the baseline its 10 ms pacer is.
   */
  variants: Array<{ name: string; flags: string[] }>;
  /** Hashes of the remote under the vault (under crypt: the one that holds its objects); none on WebDAV. */
  underlyingHashes: string[];
  /**
   * S3 only: uploads to vaultarr's folder that went up in parts, from the S3 server's log (`rclone
   * serve s3` assembles a multipart upload in a `.rclone_temp_multipart_…` object, then moves it).
   */
  multipartUploads?(): number;
  stop(): Promise<void>;
}

/**
 * Serves `dir` with `rclone serve webdav` on a free loopback port: a remote without hashes or
 * modification times, which every copy must be read back from to be verified.
 */
export async function startWebDav(root: string): Promise<VaultServer> {
  const dir = path.join(root, 'webdav');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logFile = path.join(root, 'webdav.log');
  const child = spawn(
    'rclone',
    ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`, '--log-file', logFile],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(`rclone serve webdav on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  return {
    dir,
    section: { type: 'webdav', url: `http://127.0.0.1:${port}` },
    log: () => readFileSync(logFile, 'utf8'),
    stop: () => stopChild(child, 5000),
  };
}

/** The hash types `rclone backend features` lists for a remote. */
function remoteHashes(ref: RemoteRef): string[] {
  const out = execFileSync('rclone', [...configArgs(ref), 'backend', 'features', ref.remote], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out) as { Hashes?: string[] }).Hashes ?? [];
}

/**
 * Starts a vault of `type` under `root` (an empty folder of the scenario's): its server, if it has
 * one, and the `rclone.conf` files of vaultarr's remote and of plain rclone's.
 *
 * @throws when a server does not listen within 20 s, or rclone cannot read the remote's features
 *   (the server is stopped first)
 */
export async function startBenchVault(type: VaultType, root: string): Promise<BenchVault> {
  mkdirSync(root, { recursive: true });
  const base = { type, label: VAULT_LABELS[type], variants: [] };
  if (type === 'local') {
    const dir = path.join(root, 'local');
    const vaultarr = { remote: path.join(dir, 'vaultarr') };
    mkdirSync(vaultarr.remote, { recursive: true });
    const underlyingHashes = remoteHashes(vaultarr);
    return {
      ...base,
      vaultarr,
      twin: { remote: path.join(dir, 'rclone') },
      underlyingHashes,
      stop: async () => {},
    };
  }
  const server =
    type === 'sftp'
      ? await startOpenSshSftp(path.join(root, 'sftp'), { shell: true })
      : type === 'webdav'
        ? await startWebDav(root)
        : type === 's3'
          ? await startS3(root, S3_MULTIPART_CUTOFF_MIB)
          : localServer(path.join(root, 'local'));
  try {
    return { ...base, ...namedRemoteVault(type, root, server) };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * The `rclone.conf` files of a vault served by `server` (`vault:` over `under:`, crypt for
 * `crypt`), its careful check and what its server tells.
 */
function namedRemoteVault(
  type: Exclude<VaultType, 'local'>,
  root: string,
  server: VaultServer,
): Omit<BenchVault, 'type' | 'label'> {
  // The folder of the vault on the underlying remote: the jail's `vault/`, the S3 bucket, ...
  const folder = type === 'sftp' || type === 's3' ? 'vault' : type === 'crypt' ? server.dir : '';
  const crypt = type === 'crypt';
  const configOf = (sub: string): RemoteRef => ({
    remote: 'vault:',
    config: writeVaultConfig(path.join(root, `${sub}.rclone.conf`), server.section, {
      crypt,
      folder: folder ? `${folder}/${sub}` : sub,
    }),
  });
  const vaultarr = configOf('vaultarr');
  // `<bucket>/vaultarr/<dir>/.rclone_temp_multipart_<id>: Moved (server-side) to: <bucket>/vaultarr/<dir>/<name>`
  const movedIntoVault = `: Moved (server-side) to: ${folder}/vaultarr/`;
  const underlyingHashes = remoteHashes({ remote: 'under:', config: vaultarr.config });
  return {
    vaultarr,
    twin: configOf('rclone'),
    check:
      type === 'crypt'
        ? { name: 'cryptcheck', command: 'cryptcheck', flags: ['--one-way'] }
        : underlyingHashes.length === 0
          ? { name: 'check --download', command: 'check', flags: ['--download', '--one-way'] }
          : undefined,
    variants: type === 'webdav' ? [{ name: 'pacer off', flags: ['--webdav-pacer-min-sleep', '0'] }] : [],
    underlyingHashes,
    ...(type === 's3'
      ? {
          multipartUploads: () =>
            server
              .log()
              .split('\n')
              .filter((l) => l.includes('.rclone_temp_multipart_') && l.includes(movedIntoVault)).length,
        }
      : {}),
    stop: () => server.stop(),
  };
}

/** A local folder as the remote under crypt: no server to run. */
function localServer(dir: string): VaultServer {
  mkdirSync(dir, { recursive: true });
  return { dir, section: { type: 'local' }, log: () => '', stop: async () => {} };
}

/** What `rclone size` counts on a remote: files and their bytes (decrypted, through crypt). */
export function remoteSize(ref: RemoteRef): { count: number; bytes: number } {
  const out = execFileSync('rclone', [...configArgs(ref), 'size', '--json', ref.remote], {
    encoding: 'utf8',
    // rclone's notices (no config file for a local path) stay out of the bench's output.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as { count: number; bytes: number };
}
