import { MockActivityEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { createSortActivities, sortSettings } from '../../activities/sort/activities.js';
import { journalDir } from '../../activities/sort/journal.js';
import { moveFileNoClobber, DestinationExistsError } from '../../lib/files.js';
import { testConfig } from '../helpers/config.js';
import { makeLibrary, makeVideo, tempDir } from '../helpers/env.js';

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

/** Runs an activity as the given item's workflow would (its workflow ID keys the sort journal). */
const runFor = <P extends unknown[], R>(
  workflowId: string,
  fn: (...args: P) => Promise<R>,
  ...args: P
): Promise<R> =>
  new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'run' } }).run(fn, ...args);

/** A separate process that opens `file` for writing (or reading) and holds it until killed. */
async function holdOpen(file: string, flags: 'a' | 'r'): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('fs').openSync(process.argv[1], '${flags}'); console.log('open'); setInterval(() => {}, 1000);`,
      file,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(child.stdout!, 'data');
  return child;
}

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
    sort = createSortActivities({
      settings: sortSettings(testConfig({ library: { localRoot }, intake: { settleSeconds: 2 } })),
    });
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

  test('a quiet file that a process still holds open for writing is incomplete; one open for reading is not', async () => {
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    const abs = path.join(localRoot, release);
    makeVideo(abs, 1, 1);
    settle(abs); // quiet for a minute, far past the settle time
    const writer = await holdOpen(abs, 'a');
    try {
      await expect(run(sort.planSort, { releasePath: release })).rejects.toMatchObject({
        type: 'RELEASE_INCOMPLETE',
        nonRetryable: false,
        message: expect.stringContaining('open for writing'),
      });
    } finally {
      writer.kill();
      await once(writer, 'exit');
    }
    const reader = await holdOpen(abs, 'r');
    try {
      expect((await run(sort.planSort, { releasePath: release })).plan.kind).toBe('matched');
    } finally {
      reader.kill();
      await once(reader, 'exit');
    }
  });

  test('a season pack keeps a subtitle that follows no single episode: the leftover goes to Unsorted/, nothing is deleted', async () => {
    const release = 'Incoming/Lost.S01.1080p.BluRay.x264-GROUP';
    const abs = path.join(localRoot, release);
    makeVideo(path.join(abs, 'Lost.S01E01.1080p.BluRay.x264-GROUP.mkv'), 1, 1);
    makeVideo(path.join(abs, 'Lost.S01E02.1080p.BluRay.x264-GROUP.mkv'), 1, 2);
    mkdirSync(path.join(abs, 'Subs'));
    writeFileSync(path.join(abs, 'Subs/2_English.srt'), 'which episode?');
    writeFileSync(path.join(abs, 'RARBG.txt'), 'junk');
    for (const f of [
      'Lost.S01E01.1080p.BluRay.x264-GROUP.mkv',
      'Lost.S01E02.1080p.BluRay.x264-GROUP.mkv',
      'Subs/2_English.srt',
      'RARBG.txt',
      'Subs',
      '.',
    ])
      settle(path.join(abs, f));
    const { plan } = await run(sort.planSort, { releasePath: release });
    if (plan.kind !== 'matched') throw new Error('expected a match');
    expect(plan.ignored).toContainEqual({ path: `${release}/Subs/2_English.srt`, reason: 'orphan-subtitle' });
    const result = await runFor('media:pack', sort.placeRelease, {
      releasePath: release,
      files: plan.items.flatMap((i) => [i.video, ...i.subtitles]),
    });
    expect(result).toMatchObject({
      removed: [],
      leftover: {
        unsortedPath: 'Unsorted/Lost.S01.1080p.BluRay.x264-GROUP',
        files: expect.arrayContaining(['Subs/2_English.srt', 'RARBG.txt']),
      },
    });
    expect(
      readFileSync(
        path.join(localRoot, 'Unsorted/Lost.S01.1080p.BluRay.x264-GROUP/Subs/2_English.srt'),
        'utf8',
      ),
    ).toBe('which episode?');
    expect(existsSync(path.join(localRoot, 'Shows/Lost/Season 01/Lost - S01E02.mkv'))).toBe(true);
    expect(existsSync(abs)).toBe(false);
    // A retry after a lost completion reports the same leftover, even when the first attempt
    // stopped before recording its result (only the move to Unsorted/ was recorded).
    const retry = () =>
      runFor('media:pack', sort.placeRelease, {
        releasePath: release,
        files: plan.items.flatMap((i) => [i.video, ...i.subtitles]),
      });
    expect(await retry()).toEqual(result);
    const key = createHash('sha1').update(`media:pack#place:${release}`).digest('hex');
    rmSync(path.join(journalDir(localRoot), `${key}.json`));
    expect(await retry()).toEqual(result);
  });

  test('a release folder emptied of all but junk is removed, and every removed file is listed', async () => {
    const release = 'Incoming/Up.2009.1080p.BluRay.x264-GROUP';
    const abs = path.join(localRoot, release);
    makeVideo(path.join(abs, 'up.2009.1080p.mkv'), 1, 1);
    makeVideo(path.join(abs, 'Sample/up-sample.mkv'), 1, 2);
    writeFileSync(path.join(abs, 'up.nfo'), 'nfo');
    writeFileSync(path.join(abs, 'Thumbs.db'), 'db');
    const result = await runFor('media:up', sort.placeRelease, {
      releasePath: release,
      files: [{ from: `${release}/up.2009.1080p.mkv`, to: 'Movies/Up (2009)/Up (2009).mkv', role: 'video' }],
    });
    expect(result.leftover).toBeUndefined();
    expect([...result.removed].sort()).toEqual(
      [`${release}/Sample/up-sample.mkv`, `${release}/Thumbs.db`, `${release}/up.nfo`].sort(),
    );
    expect(existsSync(abs)).toBe(false);
  });

  test('a byte-identical copy of a library file is removed from Incoming/ and reported, never moved over it', async () => {
    const target = path.join(localRoot, 'Movies/Up (2009)/Up (2009).mkv');
    makeVideo(target, 1, 1);
    const release = 'Incoming/Up.2009.REPACK.mkv';
    copyFileSync(target, path.join(localRoot, release));
    const files = [{ from: release, to: 'Movies/Up (2009)/Up (2009).mkv', role: 'video' as const }];
    const result = await runFor('media:again', sort.placeRelease, { releasePath: release, files });
    expect(result.identical).toEqual(['Movies/Up (2009)/Up (2009).mkv']);
    expect(existsSync(path.join(localRoot, release))).toBe(false);
    // Retried after a lost completion, the activity still says so.
    expect(
      (await runFor('media:again', sort.placeRelease, { releasePath: release, files })).identical,
    ).toEqual(['Movies/Up (2009)/Up (2009).mkv']);
    // The item's own move, interrupted between link and unlink, is not an identical copy.
    const own = 'Incoming/Heat.1995.mkv';
    makeVideo(path.join(localRoot, own), 1, 3);
    mkdirSync(path.join(localRoot, 'Movies/Heat (1995)'));
    linkSync(path.join(localRoot, own), path.join(localRoot, 'Movies/Heat (1995)/Heat (1995).mkv'));
    const resumed = await runFor('media:heat', sort.placeRelease, {
      releasePath: own,
      files: [{ from: own, to: 'Movies/Heat (1995)/Heat (1995).mkv', role: 'video' }],
    });
    expect(resumed.identical).toEqual([]);
  });

  test("moveToUnsorted retried after a lost completion returns this item's entry, never another item's", async () => {
    // Another item's release of the same name already sits in Unsorted/.
    writeFileSync(path.join(localRoot, 'Incoming/holiday.mp4'), 'theirs');
    expect(
      await runFor('media:theirs', sort.moveToUnsorted, { releasePath: 'Incoming/holiday.mp4' }),
    ).toEqual({
      unsortedPath: 'Unsorted/holiday.mp4',
    });
    writeFileSync(path.join(localRoot, 'Incoming/holiday.mp4'), 'mine');
    const first = await runFor('media:mine', sort.moveToUnsorted, { releasePath: 'Incoming/holiday.mp4' });
    expect(first).toEqual({ unsortedPath: 'Unsorted/holiday (2).mp4' });
    // The completion was lost: the retry finds the release gone and must answer with its own entry.
    expect(await runFor('media:mine', sort.moveToUnsorted, { releasePath: 'Incoming/holiday.mp4' })).toEqual(
      first,
    );
    expect(readFileSync(path.join(localRoot, first.unsortedPath), 'utf8')).toBe('mine');
    // An item that moved nothing is told its release is gone, not handed someone else's entry.
    await expect(
      runFor('media:stranger', sort.moveToUnsorted, { releasePath: 'Incoming/holiday.mp4' }),
    ).rejects.toMatchObject({ type: 'SOURCE_MISSING' });
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
