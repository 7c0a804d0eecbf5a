/**
 * Intake on the real dev server with real files: a release is complete only when nothing in it
 * changed for the settle time and no process holds it open for writing; every arrival is its own
 * item (a re-drop reusing a freed inode too); a byte-identical re-drop is a duplicate, not a
 * second item; nothing of a release is deleted unless it was placed or is junk.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { Client } from '@temporalio/client';
import { cancelSignal, evictSignal, MEDIA_ITEM_WORKFLOW, statusQuery } from '../../domain/messages.js';
import { STAGE_ATTRIBUTE } from '../../domain/search-attributes.js';
import { waitFor } from '../../lib/infra/wait.js';
import { startIncomingItem } from '../../lib/start-item.js';
import {
  arrivalIdentity,
  type ArrivalIdentity,
  hashOnlyMediaItemWorkflowId,
  incomingKey,
  legacyIncomingKey,
  mediaItemWorkflowId,
} from '../../lib/workflow-ids.js';
import { IncomingWatcher, watcherSettings } from '../../watcher/incoming-watcher.js';
import { testConfig } from '../helpers/config.js';
import { makeVideo, tempDir } from '../helpers/env.js';
import { recordHistory } from '../helpers/histories.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const SETTLE_MS = 1000;

describe('intake: complete releases, one item per arrival, nothing lost', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    env = await createWorkflowTestEnv({ settleMs: SETTLE_MS });
  });
  afterAll(async () => {
    await env.close();
  });

  test('a writer that pauses mid-file for longer than the settle time ends with a byte-identical full vault copy', async () => {
    const full = path.join(env.root, 'full.mkv');
    makeVideo(full, 2, 7);
    const bytes = readFileSync(full);
    const half = Math.floor(bytes.length / 2);
    const release = 'Incoming/Sicario.2015.1080p.BluRay.x264-GROUP.mkv';
    const started: string[] = [];
    const watcher = new IncomingWatcher({
      settings: watcherSettings(
        testConfig({ library: { localRoot: env.localRoot }, watcher: { settleSeconds: SETTLE_MS / 1000 } }),
      ),
      logger: pino({ level: 'silent' }),
      onReady: async (r) => void started.push(await env.startIncoming(r.releasePath)),
    });
    await watcher.start();
    try {
      // Half the file, a 5 s stall with the file still open, then the rest: a stalled download.
      const writer = spawn(
        process.execPath,
        [
          '-e',
          `const fs = require('fs'); const [src, dst, half] = process.argv.slice(1); const b = fs.readFileSync(src);
           const fd = fs.openSync(dst, 'w'); fs.writeSync(fd, b, 0, +half);
           setTimeout(() => { fs.writeSync(fd, b, +half, b.length - half); fs.closeSync(fd); }, 5000);`,
          full,
          path.join(env.localRoot, release),
          String(half),
        ],
        { stdio: 'inherit' },
      );
      await once(writer, 'exit');
      await waitFor('the release to start', async () => started.length === 1, 20_000);
    } finally {
      await watcher.close();
    }
    const status = await env.waitForStage(started[0]!, 'resident');
    const libraryPath = 'Movies/Sicario (2015)/Sicario (2015).mkv';
    expect(status.libraryPath).toBe(libraryPath);
    expect(readFileSync(path.join(env.vaultDir, libraryPath)).equals(bytes)).toBe(true);
    expect(status.verification?.sizeBytes).toBe(bytes.length);
  });

  test('the planning activity itself waits for a writer that is quiet but still has the file open', async () => {
    const release = 'Incoming/Prisoners.2013.1080p.BluRay.x264-GROUP.mkv';
    const full = path.join(env.root, 'prisoners.mkv');
    makeVideo(full, 1, 8);
    const bytes = readFileSync(full);
    const half = Math.floor(bytes.length / 2);
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const [src, dst, half] = process.argv.slice(1); const b = fs.readFileSync(src);
         const fd = fs.openSync(dst, 'w'); fs.writeSync(fd, b, 0, +half); console.log('half');
         setTimeout(() => { fs.writeSync(fd, b, +half, b.length - half); fs.closeSync(fd); }, 5000);`,
        full,
        path.join(env.localRoot, release),
        String(half),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(writer.stdout!, 'data');
    await new Promise((r) => setTimeout(r, 2 * SETTLE_MS)); // quiet for twice the settle time
    const workflowId = await env.startIncoming(release); // as a watcher without the check would
    await once(writer, 'exit');
    const status = await env.waitForStage(workflowId, 'resident', 90_000);
    expect(readFileSync(path.join(env.vaultDir, status.libraryPath!)).equals(bytes)).toBe(true);
  });

  test('a byte-identical re-drop is a duplicate: one item, the extra copy removed from Incoming/ with an event', async () => {
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 1);
    const original = path.join(env.root, 'heat-copy.mkv');
    copyFileSync(path.join(env.localRoot, release), original);
    const first = await env.startIncoming(release);
    await env.waitForStage(first, 'resident');
    const libraryPath = 'Movies/Heat (1995)/Heat (1995).mkv';

    const again = 'Incoming/Heat.1995.REPACK.1080p.BluRay.x264-OTHER.mkv';
    copyFileSync(original, path.join(env.localRoot, again));
    const second = await env.startIncoming(again);
    expect(second).not.toBe(first);
    const result = await env.client.workflow.getHandle(second).result();
    expect(result).toMatchObject({ stage: 'duplicate', duplicateOf: first });
    expect(result.reason).toContain(libraryPath);
    expect(existsSync(path.join(env.localRoot, again))).toBe(false);
    expect(sha256(path.join(env.localRoot, libraryPath))).toBe(sha256(original));

    const { rows: items } = await env.pool.query(
      `SELECT workflow_id, stage FROM media_items WHERE library_path = $1`,
      [libraryPath],
    );
    expect(items).toEqual([{ workflow_id: first, stage: 'resident' }]);
    const { rows: events } = await env.pool.query(
      `SELECT stage, outcome, details FROM events WHERE workflow_id = $1 ORDER BY id`,
      [second],
    );
    expect(events.map((e) => `${e.stage}:${e.outcome}`)).toEqual([
      'sorting:entered',
      'sorting:placed',
      'duplicate:duplicate',
    ]);
    expect(events[1]!.details).toMatchObject({ identical: [libraryPath] });
    expect(events[2]!.details).toMatchObject({ duplicateOf: first, removedFromIncoming: again });
    await recordHistory('incoming-identical-duplicate', env.client.workflow.getHandle(second));
  });

  test('a workflow found under an arrival key that sorted an earlier file is not reused: the arrival becomes a new item', async () => {
    const release = 'Incoming/Arrival.2016.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 2);
    // What an inode reused with an unchanged key would look like: the second file is started with
    // the first file's identity.
    const arrival = await arrivalIdentity(path.join(env.localRoot, release));
    const start = () =>
      startIncomingItem(env.client, {
        releasePath: release,
        arrival,
        localRoot: env.localRoot,
        hostId: env.hostId,
        taskQueue: env.taskQueue,
      });
    const first = await start();
    await env.waitForStage(first, 'resident');
    makeVideo(path.join(env.localRoot, release), 1, 3);
    const second = await start();
    expect(second).not.toBe(first);
    // The same arrival seen again while it waits in Incoming/ (a watcher restart) lands on the same item.
    expect(await start()).toBe(second);
    const status = await env.waitForStage(second, 'awaiting-approval'); // a different file at the target
    expect(status.reason).toContain('a different file already exists');
  });

  test('a season pack keeps Subs/2_English.srt: it goes to Unsorted/ with the rest, and the status names it', async () => {
    const release = 'Incoming/Dark.S01.1080p.WEB.x264-GROUP';
    const abs = path.join(env.localRoot, release);
    makeVideo(path.join(abs, 'Dark.S01E01.1080p.WEB.x264-GROUP.mkv'), 1, 4);
    makeVideo(path.join(abs, 'Dark.S01E02.1080p.WEB.x264-GROUP.mkv'), 1, 5);
    mkdirSync(path.join(abs, 'Subs'));
    writeFileSync(path.join(abs, 'Subs/2_English.srt'), '1\n00:00:01,000 --> 00:00:02,000\nHallo\n');
    writeFileSync(path.join(abs, 'RARBG.txt'), 'junk');
    await new Promise((r) => setTimeout(r, SETTLE_MS + 100));
    const workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'resident');
    expect(status.leftover).toEqual({
      unsortedPath: 'Unsorted/Dark.S01.1080p.WEB.x264-GROUP',
      files: expect.arrayContaining(['Subs/2_English.srt', 'RARBG.txt']),
    });
    expect(
      readFileSync(
        path.join(env.localRoot, 'Unsorted/Dark.S01.1080p.WEB.x264-GROUP/Subs/2_English.srt'),
        'utf8',
      ),
    ).toContain('Hallo');
    const { rows } = await env.pool.query(
      `SELECT details FROM events WHERE workflow_id = $1 AND outcome = 'placed'`,
      [workflowId],
    );
    expect(rows[0]!.details.leftover.files).toContain('Subs/2_English.srt');
    expect(existsSync(abs)).toBe(false);
    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('season-pack-leftover-kept-cancelled', handle);
  });

  /**
   * An earlier version's run parked mid-sort (of `type`, under the ID `earlierIdOf` gives, on a
   * queue no worker polls) is found for the arrival, twice, and not started again; once it is gone,
   * a fresh client (what earlier runs may still sort is remembered per client) starts the
   * arrival's own item under the current, readable ID.
   */
  async function earlierRunIsFound(
    release: string,
    seed: number,
    type: string,
    earlierIdOf: (arrival: ArrivalIdentity) => string,
  ): Promise<void> {
    const client = new Client({ connection: env.client.connection });
    makeVideo(path.join(env.localRoot, release), 1, seed);
    const arrival = await arrivalIdentity(path.join(env.localRoot, release));
    const earlierId = earlierIdOf(arrival);
    await client.workflow.start(type, {
      taskQueue: `earlier-${Date.now()}`,
      workflowId: earlierId,
      args: [{ hostId: env.hostId, origin: { kind: 'incoming', releasePath: release } }],
      typedSearchAttributes: [{ key: STAGE_ATTRIBUTE, value: 'sorting' }],
    });
    const running = async () =>
      (await client.workflow.count(`WorkflowId = "${earlierId}" AND ExecutionStatus = "Running"`)).count;
    await waitFor('the earlier run to be visible', async () => (await running()) === 1);
    const start = (c: Client) =>
      startIncomingItem(c, {
        releasePath: release,
        arrival,
        localRoot: env.localRoot,
        hostId: env.hostId,
        taskQueue: env.taskQueue,
      });
    expect(await start(client)).toBe(earlierId);
    expect(await start(client)).toBe(earlierId);
    await client.workflow.getHandle(earlierId).terminate('test over');
    await waitFor('the earlier run to be gone', async () => (await running()) === 0);
    const fresh = new Client({ connection: env.client.connection });
    const id = await start(fresh);
    expect(id).toBe(mediaItemWorkflowId(incomingKey(release, arrival)));
    expect(id).toBe(`${id.split(' ')[0]} ${release.slice('Incoming/'.length)}`);
    expect((await fresh.workflow.getHandle(id).describe()).type).toBe(MEDIA_ITEM_WORKFLOW);
    await fresh.workflow.getHandle(id).signal(cancelSignal);
  }

  // Items under that key were of the retired type: `vaultarr items migrate` moved them to the current one.
  test('an item still sorting under the key of an earlier version is found, not started twice; once none runs, an arrival gets its own item under the current key', () =>
    earlierRunIsFound('Incoming/Zodiac.2007.1080p.BluRay.x264-GROUP.mkv', 31, MEDIA_ITEM_WORKFLOW, (a) =>
      hashOnlyMediaItemWorkflowId(legacyIncomingKey('Incoming/Zodiac.2007.1080p.BluRay.x264-GROUP.mkv', a)),
    ));

  test('an item still sorting under the hash-only ID of versions before readable IDs is found, not started twice; once none sorts, an arrival gets its readable ID', () =>
    earlierRunIsFound('Incoming/Se7en.1995.1080p.BluRay.x264-GROUP.mkv', 32, MEDIA_ITEM_WORKFLOW, (a) =>
      hashOnlyMediaItemWorkflowId(incomingKey('Incoming/Se7en.1995.1080p.BluRay.x264-GROUP.mkv', a)),
    ));
});

/**
 * A small ext4 filesystem on a loop device, where a freed inode is handed to the next new file.
 *
 * @returns its unmount-and-remove, or `undefined` when this machine cannot mount one (not root, no loop devices)
 */
function mountLoopFilesystem(dir: string): (() => void) | undefined {
  const image = `${dir}.img`;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'ignore' });
  } catch {
    rmSync(image, { force: true });
    return undefined;
  }
  return () => {
    execFileSync('umount', [dir]);
    rmSync(image, { force: true });
    rmSync(dir, { recursive: true, force: true });
  };
}

describe('intake on a filesystem that reuses freed inodes', () => {
  const { dir, cleanup } = tempDir('vaultarr-loop-');
  const localRoot = path.join(dir, 'Local');
  let unmount: (() => void) | undefined;
  let env: WorkflowTestEnv | undefined;
  beforeAll(async () => {
    unmount = mountLoopFilesystem(localRoot);
    if (!unmount) {
      console.warn(
        'cannot mount an ext4 loop filesystem here (needs root and loop devices): the inode-reuse test is skipped',
      );
      return;
    }
    env = await createWorkflowTestEnv({ localRoot });
  });
  afterAll(async () => {
    await env?.close();
    unmount?.();
    cleanup();
  });

  test('the same name re-dropped after an eviction freed its inode becomes a new item, which waits in Unsorted/ instead of overwriting the evicted vault copy', async () => {
    if (!env) return; // Reported in beforeAll.
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 11);
    const firstIno = statSync(path.join(env.localRoot, release)).ino;
    const first = await env.startIncoming(release);
    await env.waitForStage(first, 'resident');
    await env.client.workflow.getHandle(first).signal(evictSignal);
    await env.waitForStage(first, 'evicted');

    makeVideo(path.join(env.root, 'second.mkv'), 1, 12);
    copyFileSync(path.join(env.root, 'second.mkv'), path.join(env.localRoot, release));
    expect(statSync(path.join(env.localRoot, release)).ino).toBe(firstIno); // the freed inode, reused
    const vaultCopy = sha256(path.join(env.vaultDir, 'Movies/Heat (1995)/Heat (1995).mkv'));
    const second = await env.startIncoming(release);
    expect(second).not.toBe(first);
    // A new item, not the evicted one again; its target belongs to the evicted item, whose only
    // copy is the vault's: the new release waits in Unsorted/ instead of overwriting it.
    const status = await env.waitForStage(second, 'awaiting-approval');
    expect(status.reason).toContain(`already belongs to item ${first}, evicted from this disk`);
    expect(existsSync(path.join(env.localRoot, release))).toBe(false);
    expect(sha256(path.join(env.localRoot, status.libraryPath!))).toBe(
      sha256(path.join(env.root, 'second.mkv')),
    );
    expect(sha256(path.join(env.vaultDir, 'Movies/Heat (1995)/Heat (1995).mkv'))).toBe(vaultCopy);
    expect((await env.client.workflow.getHandle(first).query(statusQuery)).stage).toBe('evicted');
  });
});
