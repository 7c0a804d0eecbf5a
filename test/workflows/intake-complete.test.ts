/**
 * Intake waits for complete files, on the real dev server, the real watcher, real rclone and real
 * files: a download client that preallocates its file and fills it chunk by chunk, opening and
 * closing it for each chunk (a writer over SMB/NFS, a torrent client), in order or not, with
 * pauses far longer than the settle time; a drop cut short by a full disk; a 0-byte drop. The
 * settle time here (2 s) is shorter than every pause, so only the other signs can hold the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { cancelSignal, statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { IncomingWatcher, watcherSettings } from '../../watcher/incoming-watcher.js';
import { testConfig } from '../helpers/config.js';
import { makeRandomVideo, makeVideo } from '../helpers/env.js';
import { recordHistory } from '../helpers/histories.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const MiB = 1024 * 1024;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every file under a folder, relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));

/** `0 … count-1` in a shuffled order, the same every run, never in order. */
function shuffle(count: number): number[] {
  const order = [...Array(count).keys()];
  let seed = 25;
  for (let i = count - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.every((c, i) => c === i) ? order.reverse() : order;
}

/** The watcher of an env's Incoming/, recording every workflow it starts. */
async function watch(env: WorkflowTestEnv): Promise<{ started: string[]; close: () => Promise<void> }> {
  const started: string[] = [];
  const watcher = new IncomingWatcher({
    settings: watcherSettings(
      testConfig({ library: { localRoot: env.localRoot }, watcher: { settleSeconds: 1000 / 1000 } }),
    ),
    logger: pino({ level: 'silent' }),
    onReady: async (r) => void started.push(await env.startIncoming(r.releasePath)),
  });
  await watcher.start();
  return { started, close: () => watcher.close() };
}

describe('a download client that preallocates its file and fills it chunk by chunk', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    // Damaged only after 10 quiet minutes: longer than any pause here.
    env = await createWorkflowTestEnv({ settleMs: 2000, config: { intake: { damagedAfterMinutes: 10 } } });
  });
  afterAll(async () => {
    await env.close();
  });

  /**
   * `fallocate -l <size>` the release, then writes `chunkMiB` chunks of a real video with
   * `dd conv=notrunc` (open, write, close) in the given order, pausing between them; before each
   * chunk after the first, checks that nothing was placed and the item waits in `sorting`.
   *
   * @returns the source's sha256, the items the watcher started and the library path
   */
  async function preallocatedWriter(o: {
    release: string;
    libraryPath: string;
    sizeMiB: number;
    chunkMiB: number;
    pauseMs: number;
    /** Writes the chunks in a shuffled order (seeded: the same every run) instead of in order. */
    shuffled?: boolean;
    /** Called once during the second pause, with the item's workflow ID. */
    whileWaiting?: (workflowId: string) => Promise<void>;
  }): Promise<{ source: string; started: string[] }> {
    const src = path.join(env.root, `${path.basename(o.release)}.source`);
    makeRandomVideo(src, o.sizeMiB * MiB);
    const size = statSync(src).size;
    const dst = path.join(env.localRoot, o.release);
    const count = Math.ceil(size / (o.chunkMiB * MiB)); // the last one shorter
    const order = o.shuffled ? shuffle(count) : [...Array(count).keys()];
    const watcher = await watch(env);
    try {
      execFileSync('fallocate', ['-l', String(size), dst]);
      for (const [n, chunk] of order.entries()) {
        if (n > 0) {
          await sleep(o.pauseMs);
          expect({ before: `chunk ${n + 1} of ${count}`, placed: existsSync(path.join(env.localRoot, o.libraryPath)) }).toEqual({ before: `chunk ${n + 1} of ${count}`, placed: false }); // prettier-ignore
          expect(existsSync(dst)).toBe(true);
          expect(watcher.started).toHaveLength(1);
          const status = await env.client.workflow.getHandle(watcher.started[0]!).query(statusQuery);
          expect(status.stage).toBe('sorting');
          if (n === 1) await o.whileWaiting?.(watcher.started[0]!);
        }
        execFileSync('dd', [
          `if=${src}`, `of=${dst}`, `bs=${o.chunkMiB}M`, `skip=${chunk}`, `seek=${chunk}`, 'count=1',
          'conv=notrunc', 'status=none',
        ]); // prettier-ignore
      }
      await waitFor('the item to be placed', async () => watcher.started.length === 1, 30_000);
      await env.waitForStage(watcher.started[0]!, 'resident', 90_000);
      // Anything a late event or the watcher's rescan would start again would show up by now.
      await sleep(3000);
      return { source: sha256(src), started: [...watcher.started] };
    } finally {
      await watcher.close();
    }
  }

  /** The outcome a user must see: one item, resident, its written bytes locally and on the vault, nothing left over. */
  async function expectOneWholeItem(r: { source: string; started: string[] }, libraryPath: string) {
    expect(r.started).toHaveLength(1);
    expect(sha256(path.join(env.localRoot, libraryPath))).toBe(r.source);
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(r.source);
    expect(filesUnder(path.join(env.localRoot, 'Incoming'))).toEqual([]);
    expect(filesUnder(path.join(env.localRoot, 'Unsorted'))).toEqual([]);
    const { rows } = await env.pool.query(
      `SELECT workflow_id, stage, library_path FROM media_items WHERE library_path LIKE $1`,
      [`${path.dirname(libraryPath)}/%`],
    );
    expect(rows).toEqual([{ workflow_id: r.started[0], stage: 'resident', library_path: libraryPath }]);
  }

  test('filled in order, 5 MiB every 6 s: placed only after its last chunk, its written bytes locally and on the vault, one item', async () => {
    const libraryPath = 'Movies/Sicario (2015)/Sicario (2015).mkv';
    const result = await preallocatedWriter({
      release: 'Incoming/Sicario.2015.1080p.BluRay.x264-GROUP.mkv',
      libraryPath,
      sizeMiB: 30,
      chunkMiB: 5,
      pauseMs: 6000,
      whileWaiting: async (workflowId) => {
        // A person asking sees the item waiting, and why.
        const shown = await env.cli('items', 'show', workflowId);
        expect(shown.stdout).toContain('stage:      sorting');
        expect(shown.stdout).toMatch(/progress: .*preallocated and never written/);
      },
    });
    await expectOneWholeItem(result, libraryPath);
  }, 180_000);

  test('filled in random order, 5 MiB every 6 s: placed only after its last chunk, byte-identical, one item', async () => {
    const libraryPath = 'Movies/Prisoners (2013)/Prisoners (2013).mkv';
    const result = await preallocatedWriter({
      release: 'Incoming/Prisoners.2013.1080p.BluRay.x264-GROUP.mkv',
      libraryPath,
      sizeMiB: 30,
      chunkMiB: 5,
      pauseMs: 6000,
      shuffled: true,
    });
    await expectOneWholeItem(result, libraryPath);
  }, 180_000);

  test('filled in order, 5 MiB every 60 s: placed only after its last chunk, byte-identical, one item', async () => {
    const libraryPath = 'Movies/Arrival (2016)/Arrival (2016).mkv';
    const result = await preallocatedWriter({
      release: 'Incoming/Arrival.2016.1080p.BluRay.x264-GROUP.mkv',
      libraryPath,
      sizeMiB: 14,
      chunkMiB: 5,
      pauseMs: 60_000,
    });
    await expectOneWholeItem(result, libraryPath);
  }, 300_000);
});

describe('drops that never complete are kept in Unsorted/ as damaged', () => {
  let env: WorkflowTestEnv;
  let incoming: string;
  let mounted = false;
  beforeAll(async () => {
    env = await createWorkflowTestEnv({
      settleMs: 1000,
      config: { intake: { damagedAfterMinutes: 3000 / 60_000 } },
    });
    incoming = path.join(env.localRoot, 'Incoming');
    // A small filesystem of its own for Incoming/, as a download disk that fills up.
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'vaultarr-small-incoming', incoming]);
    mounted = mount.status === 0;
    if (!mounted)
      console.warn(
        `cannot mount a tmpfs here (${mount.stderr}): the full-disk drop is written to a 24 MiB cut instead`,
      );
  });
  afterAll(async () => {
    if (mounted) spawnSync('umount', ['-l', incoming]);
    await env.close();
  });

  /** The REST item and the CLI's `items show` of an item. */
  async function shown(workflowId: string) {
    const { app, token } = await createTestApi(env);
    const rest = await request(app)
      .get(`/api/v1/items/${encodeURIComponent(workflowId)}`)
      .set('Authorization', `Bearer ${token}`);
    const cli = await env.cli('items', 'show', workflowId);
    return {
      rest: rest.body as { item: { stage: string; reason: string; verifiedBy: string | null } },
      cli: cli.stdout,
    };
  }

  test('a drop cut short by a full disk is damaged in Unsorted/ with the reason, never placed or vaulted; retry finds it damaged still, skip leaves it', async () => {
    const name = 'Gattaca.1997.1080p.BluRay.x264-GROUP.mkv';
    const src = path.join(env.root, 'gattaca.mkv');
    makeRandomVideo(src, 30 * MiB);
    const watcher = await watch(env);
    let workflowId: string;
    try {
      const dd = spawnSync('dd', [`if=${src}`, `of=${path.join(incoming, name)}`, 'bs=1M', 'status=none']);
      if (mounted) expect(`${dd.stderr}`).toContain('No space left on device');
      else writeFileSync(path.join(incoming, name), readFileSync(src).subarray(0, 24 * MiB));
      await waitFor('the release to get its item', async () => watcher.started.length === 1, 30_000);
      workflowId = watcher.started[0]!;
    } finally {
      await watcher.close();
    }
    const status = await env.waitForStage(workflowId, 'damaged');
    expect(status.libraryPath).toBe(`Unsorted/${name}`);
    expect(status.reason).toContain(`${name} is not whole`);
    const kept = readFileSync(path.join(env.localRoot, 'Unsorted', name));
    expect(kept.length).toBeLessThan(statSync(src).size);
    expect(kept.equals(readFileSync(src).subarray(0, kept.length))).toBe(true); // kept as it was written
    expect(existsSync(path.join(incoming, name))).toBe(false);
    expect(filesUnder(path.join(env.localRoot, 'Movies'))).toEqual([]);
    expect(filesUnder(env.vaultDir)).toEqual([]);

    const { rest, cli } = await shown(workflowId);
    expect(rest.item).toMatchObject({ stage: 'damaged', verifiedBy: null });
    expect(rest.item.reason).toContain(`${name} is not whole`);
    expect(cli).toContain(`stage:      damaged (${name} is not whole`);
    expect(cli).toContain('verified:   no');

    // Retry looks again: still cut short, damaged again at once, still only in Unsorted/.
    const retried = await env.cli('items', 'retry', workflowId);
    expect(retried.status).toBe(0);
    await waitFor('the re-check to be recorded', async () => {
      const { rows } = await env.pool.query(
        `SELECT count(*)::int AS n FROM events WHERE workflow_id = $1 AND stage = 'damaged' AND outcome = 'damaged'`,
        [workflowId],
      );
      return rows[0].n === 2;
    });
    expect((await env.waitForStage(workflowId, 'damaged')).reason).toContain(`${name} is not whole`);

    const skipped = await env.cli('items', 'skip', workflowId);
    expect(skipped.status).toBe(0);
    const result = await env.client.workflow.getHandle(workflowId).result();
    expect(result.stage).toBe('skipped');
    expect(readFileSync(path.join(env.localRoot, 'Unsorted', name)).equals(kept)).toBe(true);
    expect(filesUnder(env.vaultDir)).toEqual([]);
    const { rows } = await env.pool.query(
      `SELECT stage, outcome FROM events WHERE workflow_id = $1 ORDER BY id`,
      [workflowId],
    );
    expect(rows.map((e) => `${e.stage}:${e.outcome}`)).toEqual([
      'sorting:entered',
      'damaged:damaged',
      'sorting:retried',
      'damaged:damaged',
      'skipped:skipped',
    ]);
    await recordHistory('incoming-damaged-retried-skipped', env.client.workflow.getHandle(workflowId));
  });

  test('a 0-byte drop is damaged in Unsorted/; once a person puts the whole file there, retry places and vaults it', async () => {
    const name = 'Ronin.1998.1080p.BluRay.x264-GROUP.mkv';
    const watcher = await watch(env);
    let workflowId: string;
    try {
      writeFileSync(path.join(incoming, name), '');
      await waitFor('the release to get its item', async () => watcher.started.length === 1, 30_000);
      workflowId = watcher.started[0]!;
    } finally {
      await watcher.close();
    }
    const status = await env.waitForStage(workflowId, 'damaged');
    expect(status.reason).toBe(`${name} is empty (0 bytes)`);
    expect(statSync(path.join(env.localRoot, 'Unsorted', name)).size).toBe(0);
    expect(filesUnder(path.join(env.localRoot, 'Movies'))).toEqual([]);
    expect(filesUnder(env.vaultDir)).toEqual([]);
    const { rest } = await shown(workflowId);
    expect(rest.item).toMatchObject({
      stage: 'damaged',
      reason: `${name} is empty (0 bytes)`,
      verifiedBy: null,
    });

    const whole = path.join(env.root, 'ronin.mkv');
    makeVideo(whole, 1, 77);
    renameSync(whole, path.join(env.localRoot, 'Unsorted', name));
    expect((await env.cli('items', 'retry', workflowId)).status).toBe(0);
    const resident = await env.waitForStage(workflowId, 'resident');
    const libraryPath = 'Movies/Ronin (1998)/Ronin (1998).mkv';
    expect(resident.libraryPath).toBe(libraryPath);
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(sha256(path.join(env.localRoot, libraryPath)));
    expect(existsSync(path.join(env.localRoot, 'Unsorted', name))).toBe(false);
    await env.client.workflow.getHandle(workflowId).signal(cancelSignal);
    await env.client.workflow.getHandle(workflowId).result();
    await recordHistory(
      'incoming-damaged-retried-resident-cancelled',
      env.client.workflow.getHandle(workflowId),
    );
  });
});
