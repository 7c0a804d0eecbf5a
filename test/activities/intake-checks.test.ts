/**
 * The signs of a complete release, read with the real tools on real files: `ffprobe` on videos
 * made and cut short with ffmpeg, `filefrag` on preallocated and sparse files, and `planSort`
 * deciding between waiting (`RELEASE_INCOMPLETE`, retried) and giving up (`RELEASE_DAMAGED`).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSortActivities, sortSettings, type PlanSortResult } from '../../activities/sort/activities.js';
import { checkContainer } from '../../lib/ffprobe.js';
import { readExtentMap } from '../../lib/filefrag.js';
import { testConfig } from '../helpers/config.js';
import { makeLibrary, makeRandomVideo, tempDir } from '../helpers/env.js';

const MiB = 1024 * 1024;

/** Writes `bytes` of `src` from offset `at` into `dst` as `dd conv=notrunc` does: open, write, close. */
function writeChunk(src: string, dst: string, at: number, bytes: number): void {
  execFileSync('dd', [
    `if=${src}`, `of=${dst}`, 'bs=1M', `skip=${at / MiB}`, `seek=${at / MiB}`, `count=${bytes / MiB}`,
    'conv=notrunc', 'status=none',
  ]); // prettier-ignore
}

/** The first `fraction` of a file, as a copy cut short leaves it. */
function cut(src: string, dst: string, fraction: number): void {
  const bytes = readFileSync(src);
  writeFileSync(dst, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** ffprobe as the config's `intake.ffprobeBinary` names it. */
const probe = { binary: testConfig().intake.ffprobeBinary };

/** Sets a file's times in the past, as a finished download has. */
function settle(file: string, agoMs = 60_000): void {
  const old = new Date(Date.now() - agoMs);
  utimesSync(file, old, old);
}

describe('intake signs read with the real tools', () => {
  const { dir, cleanup } = tempDir('vaultarr-intake-');
  afterAll(() => cleanup());

  test('ffprobe finds whole Matroska and MP4 files whole, and every cut of them, or an empty file, not whole', async () => {
    const whole = {
      mkv: path.join(dir, 'whole.mkv'),
      mp4: path.join(dir, 'whole.mp4'), // moov box at the end, as ffmpeg writes by default
      faststart: path.join(dir, 'faststart.mp4'), // moov box first, as streaming sites serve
    };
    const source = ['-f', 'lavfi', '-i', 'testsrc=duration=20:size=320x240:rate=25'];
    const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-shortest'];
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...source, ...tone, whole.mkv]);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...source, ...tone, whole.mp4]);
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', whole.mp4, '-c', 'copy', '-movflags', '+faststart', whole.faststart]); // prettier-ignore
    for (const file of Object.values(whole))
      expect(await checkContainer(file, probe)).toEqual({ kind: 'whole' });

    for (const [kind, file] of Object.entries(whole)) {
      for (const fraction of [0, 0.1, 0.5, 0.9, 0.99]) {
        const part = path.join(dir, `${kind}-${fraction}${path.extname(file)}`);
        cut(file, part, fraction);
        const verdict = await checkContainer(part, probe);
        expect({ part: path.basename(part), kind: verdict.kind }).toEqual({
          part: path.basename(part),
          kind: 'truncated',
        });
      }
    }
    const mkvCut = path.join(dir, 'mkv-0.99.mkv');
    expect(await checkContainer(mkvCut, probe)).toEqual({
      kind: 'truncated',
      reason: expect.stringContaining('File ended prematurely'),
    });
    expect(await checkContainer(path.join(dir, 'mp4-0.5.mp4'), probe)).toEqual({
      kind: 'truncated',
      reason: expect.stringContaining('moov atom not found'),
    });
  });

  test('a preallocated file written chunk by chunk in random order has unwritten space until the last chunk', async () => {
    const src = path.join(dir, 'src.mkv');
    makeRandomVideo(src, 8 * MiB);
    const size = statSync(src).size;
    const dst = path.join(dir, 'preallocated.mkv');
    execFileSync('fallocate', ['-l', String(size), dst]);
    const chunks = [4, 0, 7, 2, 6, 1, 8, 3, 5].filter((i) => i * MiB < size);
    for (const [n, i] of chunks.entries()) {
      const map = await readExtentMap(dst);
      if (!map.supported) throw new Error(`this test needs a filesystem with FIEMAP: ${map.reason}`);
      expect({ chunk: n, unwritten: map.unwrittenBytes > 0 }).toEqual({ chunk: n, unwritten: true });
      writeChunk(src, dst, i * MiB, MiB);
    }
    expect(await readExtentMap(dst)).toMatchObject({ sizeBytes: size, unwrittenBytes: 0, holeBytes: 0 });
    expect(readFileSync(dst).equals(readFileSync(src))).toBe(true);
  });

  test('a file written only at its end (a writer reopening a moved file) has holes', async () => {
    const src = path.join(dir, 'src2.mkv');
    makeRandomVideo(src, 4 * MiB);
    const dst = path.join(dir, 'fragment.mkv');
    writeChunk(src, dst, 2 * MiB, MiB);
    expect(await readExtentMap(dst)).toMatchObject({ supported: true, holeBytes: 2 * MiB });
  });

  test('tmpfs reports no extents: the sign is unread, not failed', async () => {
    const shm = '/dev/shm';
    const fsType = execFileSync('stat', ['-f', '-c', '%T', shm], { encoding: 'utf8' }).trim();
    if (fsType !== 'tmpfs') return console.warn(`${shm} is ${fsType}, not tmpfs: nothing to test here`);
    const file = path.join(shm, `vaultarr-intake-${process.pid}.mkv`);
    makeRandomVideo(file, MiB);
    try {
      expect(await readExtentMap(file)).toEqual({
        supported: false,
        reason: expect.stringContaining('FIEMAP'),
      });
    } finally {
      execFileSync('rm', ['-f', file]);
    }
  });
});

describe('planSort waits for a complete release and gives up on a damaged one', () => {
  let localRoot: string;
  let cleanup: () => void;
  const DAMAGED_AFTER_MS = 60_000;
  beforeEach(() => {
    const t = tempDir('vaultarr-intake-sort-');
    cleanup = t.cleanup;
    localRoot = path.join(t.dir, '.Local');
    makeLibrary(localRoot);
  });
  afterEach(() => cleanup());

  const sort = () =>
    createSortActivities({
      settings: sortSettings(
        testConfig({
          library: { localRoot },
          intake: { settleSeconds: 1, damagedAfterMinutes: DAMAGED_AFTER_MS / 60_000 },
        }),
      ),
    });
  /** Runs planSort as an attempt of an activity first scheduled `scheduledAgoMs` ago. */
  const plan = (releasePath: string, scheduledAgoMs = 0, recheck?: boolean): Promise<PlanSortResult> =>
    new MockActivityEnvironment({ scheduledTimestampMs: Date.now() - scheduledAgoMs }).run(sort().planSort, {
      releasePath,
      ...(recheck ? { recheck } : {}),
    }) as Promise<PlanSortResult>;

  test('a preallocated release left half-written waits (retried, with a delay), then is damaged once quiet past the limit', async () => {
    const release = 'Incoming/Sicario.2015.1080p.BluRay.x264-GROUP.mkv';
    const abs = path.join(localRoot, release);
    const src = path.join(localRoot, '..', 'src.mkv');
    makeRandomVideo(src, 4 * MiB);
    execFileSync('fallocate', ['-l', String(statSync(src).size), abs]);
    writeChunk(src, abs, 0, 2 * MiB);
    settle(abs, 5000); // quiet past the settle time, well within the limit

    const waiting = await plan(release).catch((err: unknown) => err);
    expect(waiting).toMatchObject({
      type: 'RELEASE_INCOMPLETE',
      nonRetryable: false,
      message: expect.stringContaining('preallocated and never written'),
    });
    const delayMs = (waiting as { nextRetryDelay?: number }).nextRetryDelay;
    expect(delayMs).toBeGreaterThan(0);

    settle(abs, 2 * DAMAGED_AFTER_MS); // nothing written for longer than the limit
    await expect(plan(release, 2 * DAMAGED_AFTER_MS)).rejects.toMatchObject({
      type: 'RELEASE_DAMAGED',
      nonRetryable: true,
      details: [{ reason: expect.stringContaining('preallocated and never written') }],
    });
  });

  test('a release quiet past the limit is not damaged before the activity has waited the limit itself', async () => {
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    writeFileSync(path.join(localRoot, release), '');
    settle(path.join(localRoot, release), 10 * DAMAGED_AFTER_MS); // an old empty file, found just now
    await expect(plan(release)).rejects.toMatchObject({
      type: 'RELEASE_INCOMPLETE',
      message: expect.stringContaining('is empty (0 bytes)'),
    });
    await expect(plan(release, DAMAGED_AFTER_MS)).rejects.toMatchObject({ type: 'RELEASE_DAMAGED' });
  });

  test('a cut video is incomplete for the container; the whole one is planned', async () => {
    const release = 'Incoming/Prisoners.2013.1080p.BluRay.x264-GROUP.mkv';
    const abs = path.join(localRoot, release);
    const src = path.join(localRoot, '..', 'prisoners.mkv');
    makeRandomVideo(src, 3 * MiB);
    cut(src, abs, 0.9);
    settle(abs);
    await expect(plan(release)).rejects.toMatchObject({
      type: 'RELEASE_INCOMPLETE',
      message: expect.stringContaining('is not whole'),
    });
    copyFileSync(src, abs);
    settle(abs);
    expect((await plan(release)).plan.kind).toBe('matched');
  });

  test('a damaged entry in Unsorted/ is looked at only when re-checked, and then damaged again at once', async () => {
    const entry = 'Unsorted/Zodiac.2007.1080p.BluRay.x264-GROUP.mkv';
    mkdirSync(path.dirname(path.join(localRoot, entry)), { recursive: true });
    writeFileSync(path.join(localRoot, entry), '');
    settle(path.join(localRoot, entry));
    await expect(plan(entry)).rejects.toMatchObject({ type: 'INVALID_INPUT' });
    await expect(plan(entry, 0, true)).rejects.toMatchObject({
      type: 'RELEASE_DAMAGED',
      details: [{ reason: expect.stringContaining('is empty (0 bytes)') }],
    });
  });
});
