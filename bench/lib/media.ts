/**
 * Bench inputs: whole video files (random or zero frames) with release names, and timing of plain
 * rclone commands for the side-by-side figures. The vaults are in `vaults.ts`.
 */
import { spawn } from 'node:child_process';
import { makeRandomVideo } from '../../test/helpers/env.js';

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
