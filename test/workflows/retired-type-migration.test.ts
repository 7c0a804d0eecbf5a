/**
 * Items still running the retired item workflow type (`mediaItemWorkflow`, whose code is gone) are
 * moved to the current type — by `vaultarr items migrate` and at every worker start — under the
 * same workflow ID, at the stage the catalog records. Each retired run here is started as versions
 * before started it (its policy frozen into the input) on the env's task queue, whose worker has
 * no code for its type: it sits with a failing workflow task, as items do after an upgrade. Its
 * files and catalog row are what that version left: a real vault copy (rclone), a real row.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeStage } from '../../activities/catalog/activities.js';
import {
  approveSortUpdate,
  evictUpdate,
  MEDIA_ITEM_WORKFLOW,
  pinSignal,
  type MediaItemOrigin,
} from '../../domain/messages.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../../domain/search-attributes.js';
import type { Stage } from '../../domain/stages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { migrateRetiredItems } from '../../lib/items/index.js';
import { hashOnlyMediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeVideo } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const RETIRED_TYPE = 'mediaItemWorkflow';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('items of the retired workflow type', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  /**
   * An item as the retired type left it: its local file (and, once vaulted, its vault copy made by
   * rclone), its catalog row, and its run of the retired type, visible to list queries.
   */
  async function retiredItem(options: {
    libraryPath: string;
    seed: number;
    stage: Stage;
    origin: MediaItemOrigin;
    vaulted: boolean;
    pinned?: boolean;
    reason?: string;
  }): Promise<string> {
    const { libraryPath } = options;
    const workflowId = hashOnlyMediaItemWorkflowId(`${libraryPath}#${Date.now()}`);
    const local = path.join(env.localRoot, libraryPath);
    makeVideo(local, 1, options.seed);
    if (options.vaulted) {
      mkdirSync(path.dirname(path.join(env.vaultDir, libraryPath)), { recursive: true });
      execFileSync('rclone', ['copyto', local, path.join(env.vaultDir, libraryPath)]);
    }
    const sizeBytes = statSync(local).size;
    await writeStage(
      env.pool,
      {
        workflowId,
        hostId: env.hostId,
        stage: options.stage,
        libraryPath,
        identity: options.vaulted ? { kind: 'movie', title: 'Brazil', year: 1985 } : undefined,
        reason: options.reason,
        pinned: options.pinned ?? false,
        verification: options.vaulted
          ? {
              method: 'sha256-download',
              sizeBytes,
              sha256: sha256(local),
              remoteValue: sha256(local),
              verifiedAt: new Date().toISOString(),
            }
          : undefined,
        outcome: 'entered',
      },
      `${workflowId}:seed`,
    );
    await env.client.workflow.start(RETIRED_TYPE, {
      workflowId,
      taskQueue: env.taskQueue,
      args: [{ hostId: env.hostId, origin: options.origin, policy: env.policy }],
      typedSearchAttributes: [
        { key: STAGE_ATTRIBUTE, value: options.stage },
        { key: HOST_ATTRIBUTE, value: env.hostId },
      ],
    });
    const query = `WorkflowId = "${workflowId}" AND WorkflowType = "${RETIRED_TYPE}" AND ExecutionStatus = "Running"`;
    await waitFor(
      'the retired run to be listed',
      async () => (await env.client.workflow.count(query)).count === 1,
    );
    return workflowId;
  }

  test('a resident, pinned item runs the current type at resident after `vaultarr items migrate`: its vault copy re-verified, not uploaded again, its pin kept', async () => {
    const libraryPath = 'Movies/Brazil (1985)/Brazil (1985).mkv';
    const workflowId = await retiredItem({
      libraryPath,
      seed: 41,
      stage: 'resident',
      origin: { kind: 'library', libraryPath },
      vaulted: true,
      pinned: true,
    });
    const vaultCopy = path.join(env.vaultDir, libraryPath);
    const before = statSync(vaultCopy);

    const migrated = await env.cli('items', 'migrate');
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toContain(
      `${workflowId}: ${RETIRED_TYPE} → resumed as ${MEDIA_ITEM_WORKFLOW} at resident`,
    );
    const handle = env.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).type).toBe(MEDIA_ITEM_WORKFLOW);
    const status = await env.waitForStatus(
      workflowId,
      're-verified',
      (s) => s.stage === 'resident' && s.copyRounds === 1,
    );
    expect(status).toMatchObject({ pinned: true, libraryPath, kind: 'movie', title: 'Brazil' });
    expect(status.verification?.sha256).toBe(sha256(path.join(env.localRoot, libraryPath)));
    const after = statSync(vaultCopy);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    const shown = await env.cli('items', 'show', workflowId);
    expect(shown.stdout).toMatch(/^stage: +resident$/m);
    expect(shown.stdout).toMatch(/^pinned: +yes$/m);
    expect(shown.stdout).toMatch(/^workflow: +RUNNING$/m);
    // The current type's updates: refused while pinned, as the validator says.
    await expect(handle.executeUpdate(evictUpdate)).rejects.toMatchObject({
      cause: { message: 'the item is pinned; unpin it first' },
    });
    expect(await env.cli('items', 'migrate')).toMatchObject({
      stdout: 'no item runs a retired workflow type\n',
    });
  });

  test('an item that awaited approval waits again, its Unsorted/ entry vaulted first, and an approval places and vaults it', async () => {
    const unsortedPath = 'Unsorted/time.bandits.final.cut.mkv';
    const workflowId = await retiredItem({
      libraryPath: unsortedPath,
      seed: 42,
      stage: 'awaiting-approval',
      origin: { kind: 'incoming', releasePath: 'Incoming/time.bandits.final.cut.mkv' },
      vaulted: false,
      reason: 'no strict match for time.bandits.final.cut.mkv',
    });
    const [moved] = await migrateRetiredItems({ client: env.client, pool: env.pool });
    expect(moved).toEqual({
      workflowId,
      from: RETIRED_TYPE,
      outcome: 'resumed',
      stage: 'awaiting-approval',
      signalsForwarded: 0,
    });
    const waiting = await env.waitForStatus(
      workflowId,
      'its Unsorted/ entry verified on the vault',
      (s) => s.unsortedVault?.state === 'verified',
    );
    expect(waiting).toMatchObject({
      stage: 'awaiting-approval',
      libraryPath: unsortedPath,
      reason: 'no strict match for time.bandits.final.cut.mkv',
    });
    const video = sha256(path.join(env.localRoot, unsortedPath));
    expect(sha256(path.join(env.vaultDir, unsortedPath))).toBe(video);

    const placed = await env.client.workflow.getHandle(workflowId).executeUpdate(approveSortUpdate, {
      args: [{ kind: 'movie', title: 'Time Bandits', year: 1981 }],
    });
    const libraryPath = 'Movies/Time Bandits (1981)/Time Bandits (1981).mkv';
    expect(placed).toEqual({ libraryPath });
    await env.waitForStage(workflowId, 'resident');
    expect(sha256(path.join(env.localRoot, libraryPath))).toBe(video);
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(video);
  });

  test('a signal the retired run received while no code could run it is carried out by the current type', async () => {
    const libraryPath = 'Movies/Brazil (1985)/Brazil (1985) - Director.mkv';
    const workflowId = await retiredItem({
      libraryPath,
      seed: 43,
      stage: 'resident',
      origin: { kind: 'library', libraryPath },
      vaulted: true,
    });
    await env.client.workflow.getHandle(workflowId).signal(pinSignal);
    const [moved] = await migrateRetiredItems({ client: env.client, pool: env.pool });
    expect(moved).toMatchObject({ workflowId, outcome: 'resumed', stage: 'resident', signalsForwarded: 1 });
    await env.waitForStatus(workflowId, 'pinned', (s) => s.pinned);
    await waitFor('the catalog to record the pin', async () => {
      const { rows } = await env.pool.query('SELECT pinned FROM media_items WHERE workflow_id = $1', [
        workflowId,
      ]);
      return rows[0]?.pinned === true;
    });
  });
});
