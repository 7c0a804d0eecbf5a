/**
 * Bench inputs: whole video files (random or zero frames) with release names, the vault remotes (`rclone serve webdav`,
 * which keeps no hashes, and `rclone serve sftp`, which reports md5 and sha1, both on 127.0.0.1),
 * and timing of plain rclone commands for the side-by-side figures.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { makeRandomVideo } from '../../test/helpers/env.js';
import { freePort, portOpen, stopChild, waitFor } from '../../lib/infra/wait.js';

const WORDS = [
  'Silent', 'River', 'Crimson', 'Harbor', 'Midnight', 'Echo', 'Northern', 'Glass', 'Iron', 'Garden',
  'Winter', 'Signal', 'Golden', 'Hollow', 'Paper', 'Storm', 'Velvet', 'Shadow', 'Distant', 'Copper',
]; // prettier-ignore
const SOURCES = ['1080p.BluRay.x264-GROUP', '2160p.WEB-DL.DDP5.1.HDR.H.265-FLUX', '720p.BluRay.x264-SPARKS'];

/**
 * A distinct movie release name for index `i` that the sort places (both release-name parsers
 * agree on it), e.g. `Harbor.Silent.Silent.Silent.1953.1080p.BluRay.x264-GROUP`: four title words
 * (distinct for 160,000 indexes; a number in the title would make the parsers disagree on some), a year.
 */
export function movieReleaseName(i: number): string {
  const n = WORDS.length;
  const words = [i, i / n, i / n ** 2, i / n ** 3].map((x) => WORDS[Math.floor(x) % n]!);
  const year = 1950 + (i % 70);
  return `${words.join('.')}.${year}.${SOURCES[i % SOURCES.length]}`;
}

/**
 * A whole Matroska video of random frames of about `sizeBytes` (see `makeRandomVideo`): intake
 * takes only whole containers, so a bench release is one, with bytes that differ from file to file.
 */
export function writeRandomFile(file: string, sizeBytes: number): void {
  makeRandomVideo(file, sizeBytes);
}

/** Kinds of vault remote the bench serves: WebDAV keeps no hashes, SFTP reports md5 and sha1. */
export type VaultKind = 'webdav' | 'sftp';

/** A running `rclone serve webdav|sftp`. */
export interface ServedRemote {
  kind: VaultKind;
  dir: string;
  /** rclone remote spec (`:webdav,url='http://127.0.0.1:<port>':` or `:sftp,host=127.0.0.1,...:`). */
  remote: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const SFTP_USER = 'vaultarr';
const SFTP_PASSWORD = 'bench-only';

/**
 * Serves a directory on a free loopback port with `rclone serve <kind>`. The SFTP remote names
 * its shell and hash commands, so that every rclone process that opens it (the worker starts
 * several) skips the detection round trips; `rclone serve sftp` answers `md5sum`/`sha1sum` itself.
 */
export async function startServedRemote(kind: VaultKind, dir: string): Promise<ServedRemote> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const addr = ['--addr', `127.0.0.1:${port}`];
  const auth = kind === 'sftp' ? ['--user', SFTP_USER, '--pass', SFTP_PASSWORD] : [];
  const child = spawn('rclone', ['serve', kind, dir, ...addr, ...auth], { stdio: 'ignore' });
  await waitFor(`rclone serve ${kind} on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  const remote =
    kind === 'webdav'
      ? `:webdav,url='http://127.0.0.1:${port}':`
      : `:sftp,host=127.0.0.1,port=${port},user=${SFTP_USER},pass=${obscure(SFTP_PASSWORD)},` +
        'shell_type=unix,md5sum_command=md5sum,sha1sum_command=sha1sum:';
  return { kind, dir, remote, process: child, stop: () => stopChild(child, 5000) };
}

/** rclone's reversible obscuring of a password, as remotes take it (`rclone obscure`). */
const obscure = (password: string): string =>
  execFileSync('rclone', ['obscure', password], { encoding: 'utf8' }).trim();

/**
 * A whole Matroska video of zero frames of about `sizeBytes`: large files as fast as the disk
 * writes (once sparse, but intake now refuses files with holes: a download not yet written).
 */
export function writeSparseFile(file: string, sizeBytes: number): void {
  makeRandomVideo(file, sizeBytes, '/dev/zero');
}

/** Runs a command and resolves with its wall time in seconds; rejects when it exits non-zero. */
export function timeCommand(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}
