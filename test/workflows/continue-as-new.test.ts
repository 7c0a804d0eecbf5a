/**
 * An item's workflow lives as long as its file: it continues as new once its history is long,
 * carrying its state. Forced here with a low threshold and many pin/unpin cycles.
 */
import { evictSignal, pinSignal, statusQuery, unpinSignal } from '../../domain/messages.js';
import {
  KIND_ATTRIBUTE,
  LIBRARY_PATH_ATTRIBUTE,
  STAGE_ATTRIBUTE,
  TITLE_ATTRIBUTE,
} from '../../domain/search-attributes.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import { makeVideo } from '../helpers/env.js';
import { recordHistory } from '../helpers/histories.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

describe('the item workflow continues as new', () => {
  let env: WorkflowTestEnv;
  const threshold = 60;
  beforeAll(async () => {
    env = await createWorkflowTestEnv({ config: { workflows: { continueAsNewAfterEvents: threshold } } });
  });
  afterAll(async () => {
    await env.close();
  });

  test('many pin/unpin cycles keep the history bounded, and the status, catalog row and search attributes intact', async () => {
    const release = 'Incoming/Blade.Runner.1982.1080p.BluRay.x264-GROUP.mkv';
    const libraryPath = 'Movies/Blade Runner (1982)/Blade Runner (1982).mkv';
    makeVideo(path.join(env.localRoot, release), 1, 11);
    const workflowId = await env.startIncoming(release);
    const handle = env.client.workflow.getHandle(workflowId);
    const firstRun = (await handle.describe()).runId;
    const before = await env.waitForStage(workflowId, 'resident');

    for (let i = 0; i < 15; i++) {
      await handle.signal(pinSignal);
      await waitFor('pinned', async () => (await handle.query(statusQuery)).pinned, 30_000, 50);
      await handle.signal(unpinSignal);
      await waitFor('unpinned', async () => !(await handle.query(statusQuery)).pinned, 30_000, 50);
    }
    // Pinned once more, so the carried state is not just the defaults.
    await handle.signal(pinSignal);
    await waitFor('pinned', async () => (await handle.query(statusQuery)).pinned, 30_000, 50);

    const description = await handle.describe();
    expect(description.runId).not.toBe(firstRun);
    expect(description.historyLength).toBeLessThan(threshold + 40);
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({
      stage: 'resident',
      pinned: true,
      libraryPath,
      kind: 'movie',
      title: 'Blade Runner',
      verification: before.verification,
      copyRounds: before.copyRounds,
    });
    expect(description.typedSearchAttributes.get(STAGE_ATTRIBUTE)).toBe('resident');
    expect(description.typedSearchAttributes.get(KIND_ATTRIBUTE)).toBe('movie');
    expect(description.typedSearchAttributes.get(TITLE_ATTRIBUTE)).toBe('Blade Runner');
    expect(description.typedSearchAttributes.get(LIBRARY_PATH_ATTRIBUTE)).toBe(libraryPath);
    // The catalog follows the status once the workflow has recorded the last pin.
    const row = async () =>
      (
        await env.pool.query(
          'SELECT stage, pinned, library_path, verified_by FROM media_items WHERE workflow_id = $1',
          [workflowId],
        )
      ).rows;
    await waitFor('the catalog to record the pin', async () => (await row())[0]?.pinned === true, 30_000, 50);
    expect(await row()).toEqual([
      {
        stage: 'resident',
        pinned: true,
        library_path: libraryPath,
        verified_by: before.verification!.method,
      },
    ]);

    // The carried verification still lets the item be evicted, once unpinned.
    await handle.signal(unpinSignal);
    await handle.signal(evictSignal);
    await env.waitForStage(workflowId, 'evicted');
    expect(existsSync(path.join(env.localRoot, libraryPath))).toBe(false);
    // The first run, which ended by continuing as new, for the replay test.
    await recordHistory('continued-as-new-first-run', env.client.workflow.getHandle(workflowId, firstRun));
  });
});
