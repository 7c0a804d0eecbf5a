import { MockActivityEnvironment } from '@temporalio/testing';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSortActivities } from '../../activities/sort/activities.js';
import { moveFileNoClobber, DestinationExistsError } from '../../lib/files.js';
import { makeLibrary, makeVideo, tempDir } from '../helpers/env.js';

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

/** Sets a file's times in the past, as a finished download has. */
function settle(file: string): void {
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
}

describe('sort activities on a real library folder', () => {
  let localRoot: string;
  let cleanup: () => void;
  let sort: ReturnType<typeof createSortActivities>;
  beforeEach(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    localRoot = path.join(t.dir, '.Local');
    makeLibrary(localRoot);
    sort = createSortActivities({ localRoot, settleMs: 2000 });
  });
  afterEach(() => cleanup());

  test('a release folder is planned, placed with its subtitle, and its junk removed', async () => {
    const release = 'Incoming/Inception.2010.1080p.BluRay.x264-SPARKS';
    const abs = path.join(localRoot, release);
    makeVideo(path.join(abs, 'inception.2010.1080p.bluray.x264-sparks.mkv'), 1, 1);
    makeVideo(path.join(abs, 'Sample', 'inception-sample.mkv'), 1, 2);
    writeFileSync(path.join(abs, 'inception.nfo'), 'nfo');
    writeFileSync(path.join(abs, 'inception.2010.1080p.bluray.x264-sparks.en.srt'), 'subs');
    for (const f of [
      'inception.2010.1080p.bluray.x264-sparks.mkv',
      'Sample/inception-sample.mkv',
      'inception.nfo',
      'inception.2010.1080p.bluray.x264-sparks.en.srt',
      'Sample',
      '.',
    ]) {
      settle(path.join(abs, f));
    }
    const video = readFileSync(path.join(abs, 'inception.2010.1080p.bluray.x264-sparks.mkv'));
    const { plan } = await run(sort.planSort, { releasePath: release });
    expect(plan.kind).toBe('matched');
    if (plan.kind !== 'matched') return;
    await run(sort.placeRelease, {
      releasePath: release,
      files: plan.items.flatMap((i) => [i.video, ...i.subtitles]),
    });
    expect(
      readFileSync(path.join(localRoot, 'Movies/Inception (2010)/Inception (2010).mkv')).equals(video),
    ).toBe(true);
    expect(
      readFileSync(path.join(localRoot, 'Movies/Inception (2010)/Inception (2010).en.srt'), 'utf8'),
    ).toBe('subs');
    expect(existsSync(abs)).toBe(false);
  });

  test('a release still being written is reported incomplete and retried', async () => {
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP';
    mkdirSync(path.join(localRoot, release));
    writeFileSync(path.join(localRoot, release, 'heat.1995.mkv.part'), 'partial');
    await expect(run(sort.planSort, { releasePath: release })).rejects.toMatchObject({
      type: 'RELEASE_INCOMPLETE',
      nonRetryable: false,
    });
    const fresh = 'Incoming/Up.2009.1080p.mkv';
    writeFileSync(path.join(localRoot, fresh), 'just written');
    await expect(run(sort.planSort, { releasePath: fresh })).rejects.toMatchObject({
      type: 'RELEASE_INCOMPLETE',
    });
  });

  test('a different file at the target is never overwritten and nothing moves', async () => {
    const release = 'Incoming/The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(localRoot, release), 1, 1);
    settle(path.join(localRoot, release));
    const existing = path.join(localRoot, 'Movies/The Matrix (1999)/The Matrix (1999).mkv');
    makeVideo(existing, 1, 2);
    const before = readFileSync(existing);
    const { plan } = await run(sort.planSort, { releasePath: release });
    if (plan.kind !== 'matched') throw new Error('expected a match');
    await expect(
      run(sort.placeRelease, { releasePath: release, files: [plan.items[0]!.video] }),
    ).rejects.toMatchObject({
      type: 'DESTINATION_EXISTS',
      nonRetryable: true,
    });
    expect(readFileSync(existing).equals(before)).toBe(true);
    expect(existsSync(path.join(localRoot, release))).toBe(true);
  });

  test('placing again after a crash counts files already in place as done', async () => {
    const release = 'Incoming/Up.2009.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(localRoot, release), 1, 1);
    const files = [{ from: release, to: 'Movies/Up (2009)/Up (2009).mkv', role: 'video' as const }];
    await run(sort.placeRelease, { releasePath: release, files });
    await run(sort.placeRelease, { releasePath: release, files });
    expect(existsSync(path.join(localRoot, 'Movies/Up (2009)/Up (2009).mkv'))).toBe(true);
  });

  test('an unmatched release moves to Unsorted under its original name, or a numbered one when taken', async () => {
    writeFileSync(path.join(localRoot, 'Incoming/holiday.mp4'), 'a');
    expect(await run(sort.moveToUnsorted, { releasePath: 'Incoming/holiday.mp4' })).toEqual({
      unsortedPath: 'Unsorted/holiday.mp4',
    });
    writeFileSync(path.join(localRoot, 'Incoming/holiday.mp4'), 'b');
    expect(await run(sort.moveToUnsorted, { releasePath: 'Incoming/holiday.mp4' })).toEqual({
      unsortedPath: 'Unsorted/holiday (2).mp4',
    });
    expect(readFileSync(path.join(localRoot, 'Unsorted/holiday.mp4'), 'utf8')).toBe('a');
    expect(readFileSync(path.join(localRoot, 'Unsorted/holiday (2).mp4'), 'utf8')).toBe('b');
  });

  test('a release path outside Incoming/ or escaping the library is refused', async () => {
    await expect(run(sort.planSort, { releasePath: 'Movies/x.mkv' })).rejects.toMatchObject({
      type: 'INVALID_INPUT',
    });
    await expect(run(sort.planSort, { releasePath: 'Incoming/../../../etc' })).rejects.toMatchObject({
      type: 'PATH_ESCAPES_ROOT',
    });
  });
});

describe('moving across filesystems', () => {
  test('copies, fsyncs and links into place without overwriting', async () => {
    const shm = mkdtempSync('/dev/shm/vaultarr-');
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(path.join(shm, 'a.mkv'), 'bytes');
      expect(await moveFileNoClobber(path.join(shm, 'a.mkv'), path.join(dir, 'x/a.mkv'))).toBe('moved');
      expect(readFileSync(path.join(dir, 'x/a.mkv'), 'utf8')).toBe('bytes');
      expect(existsSync(path.join(shm, 'a.mkv'))).toBe(false);
      writeFileSync(path.join(shm, 'b.mkv'), 'other');
      await expect(
        moveFileNoClobber(path.join(shm, 'b.mkv'), path.join(dir, 'x/a.mkv')),
      ).rejects.toBeInstanceOf(DestinationExistsError);
      expect(readFileSync(path.join(dir, 'x/a.mkv'), 'utf8')).toBe('bytes');
    } finally {
      rmSync(shm, { recursive: true, force: true });
      cleanup();
    }
  });
});
