/**
 * The cache janitor on a size-limited `.Local` (a real tmpfs with `size=`): filled past the low
 * watermark, it evicts least recently used first until free space is above the high watermark,
 * keeps pinned and open files, and never deletes a local file whose vault copy does not match.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  janitorStatusQuery,
  janitorWorkflowId,
  pinSignal,
  statusQuery,
  type JanitorStatus,
} from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { startMediaItem } from '../../lib/start-item.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeLibrary } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const MIB = 1024 * 1024;

describe('cacheJanitorWorkflow on a size-limited .Local', () => {
  let mountPoint: string;
  let env: WorkflowTestEnv;
  const movies = Array.from({ length: 8 }, (_, i) => `Movies/Film ${i} (200${i})/Film ${i} (200${i}).mkv`);

  beforeAll(async () => {
    if (process.getuid?.() !== 0)
      throw new Error('this test mounts a tmpfs and must run as root (as CI does)');
    mountPoint = mkdtempSync(path.join(tmpdir(), 'vaultarr-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m,mode=0755', 'tmpfs', mountPoint]);
    makeLibrary(mountPoint);
    // This host evicts below half free (as `eviction.lowFreeRatio: 0.5`): copies that leave less wake the janitor.
    env = await createWorkflowTestEnv({
      localRoot: mountPoint,
      config: { eviction: { enabled: true, lowFreeRatio: 0.5 } },
    });
  });
  afterAll(async () => {
    await env?.close();
    execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test('evicts least recently used first to above the high watermark, keeping pinned and open files', async () => {
    for (const movie of movies) {
      const file = path.join(mountPoint, movie);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(3 * MIB));
      await startMediaItem(env.client, {
        workflowId: mediaItemWorkflowId(movie),
        taskQueue: env.taskQueue,
        summary: movie,
        input: { hostId: env.hostId, origin: { kind: 'library', libraryPath: movie } },
      });
    }
    for (const movie of movies) await env.waitForStage(mediaItemWorkflowId(movie), 'resident');
    // Access order: Film 0 is the least recently used, Film 7 the most (atime after mtime, so reads keep it).
    for (const [i, movie] of movies.entries()) {
      const file = path.join(mountPoint, movie);
      utimesSync(file, new Date(statSync(file).mtimeMs + (i + 1) * 1000), statSync(file).mtime);
    }
    await env.client.workflow.getHandle(mediaItemWorkflowId(movies[0]!)).signal(pinSignal); // pinned: kept
    const held = openSync(path.join(mountPoint, movies[1]!), 'r'); // open (playing): skipped
    await waitFor('the pin in the catalog', async () => {
      const { rows } = await env.pool.query('SELECT pinned FROM media_items WHERE workflow_id = $1', [
        mediaItemWorkflowId(movies[0]!),
      ]);
      return rows[0]?.pinned === true;
    });
    const recorded = new Map<string, string>();
    for (const movie of movies) {
      const { rows } = await env.pool.query('SELECT sha256 FROM media_items WHERE workflow_id = $1', [
        mediaItemWorkflowId(movie),
      ]);
      recorded.set(movie, rows[0].sha256 as string);
    }

    try {
      const janitor = await env.client.workflow.start('cacheJanitorWorkflow', {
        workflowId: janitorWorkflowId(env.hostId),
        taskQueue: env.taskQueue,
        args: [
          {
            hostId: env.hostId,
            settings: { lowFreeRatio: 0.5, highFreeRatio: 0.6, checkIntervalMs: 3_600_000, maxParallel: 2 },
          },
        ],
      });
      let status: JanitorStatus | undefined;
      await waitFor(
        'free space above the high watermark',
        async () => {
          status = await janitor.query(janitorStatusQuery);
          return status.state === 'idle' && (status.lastFreeRatio ?? 0) >= 0.6;
        },
        90_000,
        500,
      ).catch(async (err: Error) => {
        const stages = await Promise.all(
          movies.map(
            async (m) =>
              (await env.client.workflow.getHandle(mediaItemWorkflowId(m)).query(statusQuery)).stage,
          ),
        );
        const { rows } = await env.pool.query(
          "SELECT stage, outcome, details->>'reason' AS reason FROM events WHERE workflow_id = $1 ORDER BY id",
          [mediaItemWorkflowId(movies[2]!)],
        );
        throw new Error(
          `${err.message}; janitor ${JSON.stringify(status)}; items ${stages.join(', ')}; ${movies[2]}: ${JSON.stringify(rows)}`,
        );
      });
      const evicted = movies.filter((m) => !existsSync(path.join(mountPoint, m)));
      expect(evicted).toEqual([movies[2], movies[3], movies[4]]);
      for (const movie of evicted) {
        await env.waitForStage(mediaItemWorkflowId(movie), 'evicted');
        // Never deleted without a vault copy matching the hash recorded before eviction.
        expect(sha256(path.join(env.vaultDir, movie))).toBe(recorded.get(movie));
      }
      expect(existsSync(path.join(mountPoint, movies[0]!))).toBe(true);
      expect(existsSync(path.join(mountPoint, movies[1]!))).toBe(true);
      await janitor.terminate('test done');
    } finally {
      closeSync(held);
    }
  });
});
