import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import type { ReconcileReport } from '../../domain/messages.js';
import { runReconcile } from '../../lib/temporal.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeVideo } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

describe('reconcileWorkflow', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  const reconcile = (dryRun = false): Promise<ReconcileReport> =>
    runReconcile(env.client, { hostId: env.hostId, dryRun, settledForMs: 0 }, env.taskQueue);

  test('a file that just arrived is in flight, not missed', async () => {
    makeVideo(path.join(env.localRoot, 'Movies/Fresh (2024)/Fresh (2024).mkv'), 1, 9);
    const report = await runReconcile(env.client, { hostId: env.hostId, dryRun: true }, env.taskQueue);
    expect(report.untracked).toEqual([]);
    rmSync(path.join(env.localRoot, 'Movies/Fresh (2024)'), { recursive: true });
  });

  test('finds files events missed and vault files nobody knows, starts the missing workflows, then reports clean', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv'), 1, 1);
    await env.waitForStage(
      await env.startIncoming('Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv'),
      'resident',
    );
    expect((await reconcile()).clean).toBe(true);

    // A file that arrived while vaultarr was down, and a vault file from elsewhere.
    const missed = 'Movies/Up (2009)/Up (2009).mkv';
    makeVideo(path.join(env.localRoot, missed), 1, 2);
    writeFileSync(path.join(env.localRoot, 'Movies/Up (2009)/Up (2009).en.srt'), 'subs'); // follows its video, not an item
    const stranger = 'Movies/Alien (1979)/Alien (1979).mkv';
    mkdirSync(path.dirname(path.join(env.vaultDir, stranger)), { recursive: true });
    writeFileSync(path.join(env.vaultDir, stranger), 'from a peer');

    const dry = await reconcile(true);
    expect(dry).toMatchObject({ clean: false, untracked: [missed], vaultOnly: [stranger], started: [] });

    const report = await reconcile();
    expect(report).toMatchObject({
      untracked: [missed],
      vaultOnly: [stranger],
      stalled: [],
      missingLocally: [],
    });
    expect(report.started).toEqual([mediaItemWorkflowId(missed)]);
    await env.waitForStage(mediaItemWorkflowId(missed), 'resident');

    rmSync(path.join(env.vaultDir, 'Movies/Alien (1979)'), { recursive: true });
    expect(await reconcile()).toMatchObject({ clean: true, started: [] });
    // Files that just arrived still count as present: nothing resident is reported missing.
    const inFlight = await runReconcile(env.client, { hostId: env.hostId, dryRun: true }, env.taskQueue);
    expect(inFlight).toMatchObject({ clean: true, missingLocally: [], untracked: [] });
  });

  test('a resident file changed locally after its verification is copied again: the vault copy equals the new content', async () => {
    const workflowId = await env.startIncoming(
      await (async () => {
        makeVideo(path.join(env.localRoot, 'Incoming/Sicario.2015.1080p.BluRay.x264-GROUP.mkv'), 1, 5);
        return 'Incoming/Sicario.2015.1080p.BluRay.x264-GROUP.mkv';
      })(),
    );
    await env.waitForStage(workflowId, 'resident');
    const libraryPath = 'Movies/Sicario (2015)/Sicario (2015).mkv';
    const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    const verifiedRounds = (await env.client.workflow.getHandle(workflowId).query(statusQuery)).copyRounds;

    // The local file changes in place (a writer that came back, an edit): same path, new bytes.
    makeVideo(path.join(env.root, 'sicario-new.mkv'), 2, 6);
    copyFileSync(path.join(env.root, 'sicario-new.mkv'), path.join(env.localRoot, libraryPath));
    const fresh = sha256(path.join(env.localRoot, libraryPath));
    expect(sha256(path.join(env.vaultDir, libraryPath))).not.toBe(fresh);

    const dry = await reconcile(true);
    expect(dry).toMatchObject({ clean: false, changedLocally: [libraryPath] });
    const report = await reconcile();
    expect(report.changedLocally).toEqual([libraryPath]);
    await waitFor(
      'the changed file copied and verified again',
      async () => {
        const status = await env.client.workflow.getHandle(workflowId).query(statusQuery);
        return status.stage === 'resident' && status.verification?.sha256 === fresh;
      },
      60_000,
    );
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(fresh);
    expect((await env.client.workflow.getHandle(workflowId).query(statusQuery)).copyRounds).toBeGreaterThan(
      verifiedRounds,
    );
    expect(await reconcile()).toMatchObject({ clean: true, changedLocally: [] });
  });
});
