/**
 * Vaults as users have them, on loopback, for the tests and the bench: Debian's OpenSSH serving a
 * user jailed to a folder (a seedbox, a NAS), an S3 server (`rclone serve s3` of the pinned rclone)
 * with a low multipart cutoff, and rclone crypt over any of them through an `rclone.conf` of named
 * remotes (`vault:` over `under:`, the Saltbox `gcrypt:` over `gdrive:` shape).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { freePort, portOpen, stopChild, waitFor } from '../../lib/infra/wait.js';

/** A vault server on 127.0.0.1 and the rclone remote that reaches it. */
export interface VaultServer {
  /** Where the server keeps the vault's objects on this machine (for corrupting one, for reading one). */
  dir: string;
  /** The remote's section for an `rclone.conf` (`type = ...` lines), with no name. */
  section: Record<string, string>;
  /** Lines the server logged (sshd's, the S3 server's), for asserting what was asked of it. */
  log: () => string;
  stop(): Promise<void>;
}

/** rclone's reversible obscuring of a password, as remotes take it (`rclone obscure`). */
export const obscure = (password: string): string =>
  execFileSync('rclone', ['obscure', password], { encoding: 'utf8' }).trim();

/** The system user the SFTP vault logs in as (created once per machine, no password, no home). */
export const SFTP_USER = 'vaultarr-sftp';

function ensureSftpUser(): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', SFTP_USER]).status !== 0)
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', SFTP_USER]);
  // No password, but not locked ("!"), which sshd refuses even for key logins.
  execFileSync('usermod', ['-p', '*', SFTP_USER]);
  const id = (flag: string) => Number(execFileSync('id', [flag, SFTP_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * Starts Debian's `sshd` on a free loopback port with its own host key, letting {@link SFTP_USER}
 * in by key only, jailed (`ChrootDirectory`) to `<root>/jail`, whose `vault/` folder is the vault.
 * With `shell`, the jail holds a static busybox as `/bin/sh`, `md5sum` and `sha1sum`, as a seedbox
 * gives a shell; without it, `ForceCommand internal-sftp` leaves SFTP only (no hash commands).
 *
 * @param root - an empty folder of the test's (the jail, keys and config go under it)
 * @returns the server; its `dir` is the vault folder as this machine sees it
 * @throws when sshd does not listen within 20 s (its log is in `<root>/sshd.log`)
 */
export async function startOpenSshSftp(root: string, options: { shell: boolean }): Promise<VaultServer> {
  const { uid, gid } = ensureSftpUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const jail = path.join(root, 'jail');
  const dir = path.join(jail, 'vault');
  mkdirSync(dir, { recursive: true });
  // sshd's chroot rule: every folder up to the jail is root's and writable by root alone.
  for (let at = jail; at !== '/'; at = path.dirname(at)) chmodSync(at, 0o755);
  chownSync(dir, uid, gid);
  if (options.shell) {
    mkdirSync(path.join(jail, 'bin'));
    copyFileSync('/bin/busybox', path.join(jail, 'bin', 'busybox'));
    chmodSync(path.join(jail, 'bin', 'busybox'), 0o755);
    for (const tool of ['sh', 'md5sum', 'sha1sum', 'cat', 'echo', 'df'])
      symlinkSync('busybox', path.join(jail, 'bin', tool));
  }
  const keys = path.join(root, 'keys');
  mkdirSync(keys, { mode: 0o755 });
  const hostKey = path.join(keys, 'host_ed25519');
  const userKey = path.join(keys, 'user_ed25519');
  for (const key of [hostKey, userKey])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  chmodSync(`${userKey}.pub`, 0o644);
  const port = await freePort();
  const knownHosts = path.join(keys, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8')}`);
  const logFile = path.join(root, 'sshd.log');
  const config = path.join(root, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(root, 'sshd.pid')}`,
      `AuthorizedKeysFile ${userKey}.pub`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // VERBOSE: each connection's "Transferred: sent N" (the bytes read from the vault) and sessions.
      'LogLevel VERBOSE',
      `AllowUsers ${SFTP_USER}`,
      'Subsystem sftp internal-sftp',
      `Match User ${SFTP_USER}`,
      `  ChrootDirectory ${jail}`,
      ...(options.shell ? [] : ['  ForceCommand internal-sftp']),
      '',
    ].join('\n'),
  );
  // -D: stays in the foreground (a child of the test); -e with -E: its log in a file.
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config, '-E', logFile], { stdio: 'ignore' });
  await waitFor(`sshd on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  return {
    dir,
    section: {
      type: 'sftp',
      host: '127.0.0.1',
      port: String(port),
      user: SFTP_USER,
      key_file: userKey,
      known_hosts_file: knownHosts,
      // Paths inside the jail: the vault folder is /vault.
      ...(options.shell ? {} : { shell_type: 'none' }),
    },
    log: () => readFileSync(logFile, 'utf8'),
    stop: () => stopChild(child, 5000),
  };
}

/**
 * What sshd's log (LogLevel VERBOSE, as {@link startOpenSshSftp} runs it) says of the connections
 * so far: how many were accepted, how many closed, and the bytes sshd sent over the closed ones
 * (each one's `Transferred: sent N`): everything read from the vault, plus a few KiB of protocol.
 */
export function sshdTraffic(log: string): { accepted: number; closed: number; sentBytes: number } {
  const sent = [...log.matchAll(/^Transferred: sent (\d+), received \d+ bytes$/gm)].map((m) => Number(m[1]));
  return {
    accepted: (log.match(/^Accepted publickey for /gm) ?? []).length,
    closed: sent.length,
    sentBytes: sent.reduce((a, b) => a + b, 0),
  };
}

/**
 * Starts `rclone serve s3 <root>/s3` (the pinned rclone's S3 server) on a free loopback port with a
 * bucket `vault`, and a remote whose upload cutoff and chunk size are `multipartCutoffMiB` (so
 * files above it go up in parts, each part's ETag is not the object's MD5).
 *
 * @param options.etagHash - the hash the server answers as an object's ETag (`--etag-hash`):
 *   `MD5` (rclone's default: the MD5 of the file as it is on the server's disk, multipart or not);
 *   `SHA1` for an ETag that is never an MD5, as AWS's of a multipart upload (`<hash>-<parts>`) or of
 *   an SSE-KMS object: rclone then has only the MD5 its uploads store in the object's metadata
 */
export async function startS3(
  root: string,
  multipartCutoffMiB = 5,
  options: { etagHash?: 'MD5' | 'SHA1' } = {},
): Promise<VaultServer> {
  const data = path.join(root, 's3');
  const dir = path.join(data, 'vault');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const [accessKey, secretKey] = ['vaultarr-test', 'vaultarr-test-secret'];
  const logFile = path.join(root, 's3.log');
  const child = spawn(
    'rclone',
    [
      ...['serve', 's3', data, '--addr', `127.0.0.1:${port}`, '--log-file', logFile, '-v'],
      ...['--etag-hash', options.etagHash ?? 'MD5'],
    ],
    // The key pair through the environment: no secret on a command line.
    // (a list flag's variable is CSV: the pair is one quoted field).
    { stdio: 'ignore', env: { ...process.env, RCLONE_AUTH_KEY: `"${accessKey},${secretKey}"` } },
  );
  await waitFor(`rclone serve s3 on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  return {
    dir,
    section: {
      type: 's3',
      provider: 'Rclone',
      endpoint: `http://127.0.0.1:${port}`,
      access_key_id: accessKey,
      secret_access_key: secretKey,
      upload_cutoff: `${multipartCutoffMiB}Mi`,
      chunk_size: `${multipartCutoffMiB}Mi`,
    },
    log: () => readFileSync(logFile, 'utf8'),
    stop: () => stopChild(child, 5000),
  };
}

/**
 * Writes an `rclone.conf` with the underlying remote as `under` and, with `crypt`, `vault` as rclone
 * crypt over `under:<folder>` (standard file name and directory name encryption, two passwords),
 * else `vault` as an alias of `under:<folder>`. vaultarr's remote is then `vault:`.
 *
 * @param folder - the vault's folder on the underlying remote (`vault` for an SFTP jail or an S3 bucket)
 * @returns the config file's path
 */
export function writeVaultConfig(
  file: string,
  under: Record<string, string>,
  options: { crypt: boolean; folder: string },
): string {
  const section = (name: string, keys: Record<string, string>) =>
    [`[${name}]`, ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`), ''].join('\n');
  const vault: Record<string, string> = options.crypt
    ? {
        type: 'crypt',
        remote: `under:${options.folder}`,
        password: obscure('vaultarr-test-crypt-password'),
        password2: obscure('vaultarr-test-crypt-salt'),
      }
    : { type: 'alias', remote: `under:${options.folder}` };
  writeFileSync(file, `${section('under', under)}\n${section('vault', vault)}`, { mode: 0o600 });
  return file;
}
