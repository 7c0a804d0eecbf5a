/**
 * Bench inputs: files of random bytes with release names, a WebDAV remote (`rclone serve webdav`
 * on 127.0.0.1), and timing of plain rclone commands for the side-by-side figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
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

/** Writes `sizeBytes` of random bytes to a file (in 4 MiB blocks; every file's bytes differ). */
export function writeRandomFile(file: string, sizeBytes: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const block = Buffer.alloc(Math.min(sizeBytes, 4 << 20));
  const fd = openSync(file, 'w');
  try {
    for (let done = 0; done < sizeBytes;) {
      const n = Math.min(block.length, sizeBytes - done);
      randomFillSync(block, 0, n);
      writeSync(fd, block, 0, n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** A running `rclone serve webdav`. */
export interface Webdav {
  dir: string;
  /** rclone remote spec (`:webdav,url='http://127.0.0.1:<port>':`). */
  remote: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Serves a directory over WebDAV on a free loopback port with `rclone serve webdav`. */
export async function startWebdav(dir: string): Promise<Webdav> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn('rclone', ['serve', 'webdav', dir, '--addr', `127.0.0.1:${port}`], { stdio: 'ignore' });
  await waitFor(`rclone serve webdav on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  return {
    dir,
    remote: `:webdav,url='http://127.0.0.1:${port}':`,
    process: child,
    stop: () => stopChild(child, 5000),
  };
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
