/**
 * `POST /api/v1/peers/notify` on the real API and dev server: a notification is applied by one
 * `peerImportWorkflow` per sender and item, once; a malformed one gets 400 with every problem and
 * starts nothing; a wrong token gets 401.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { peerImportStatusQuery } from '../../domain/peer-messages.js';
import type { PeerNotification } from '../../domain/peers.js';
import { waitFor } from '../../lib/infra/wait.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';
import { uniqueName } from '../helpers/env.js';

describe('peers API', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env));
  });
  afterAll(async () => {
    await env.close();
  });

  const notification = (
    itemId: string,
    seq: number,
    over: Partial<PeerNotification> = {},
  ): PeerNotification => ({
    notificationId: `${itemId}#${seq}`,
    itemId,
    seq,
    event: 'imported',
    libraryPath: 'Movies/Heat (1995)/Heat (1995).mkv',
    kind: 'movie',
    title: 'Heat',
    year: 1995,
    ids: { tmdbId: 949, imdbId: 'tt0113277' },
    sizeBytes: 5,
    sha256: 'a'.repeat(64),
    ...over,
  });
  const notify = (body: unknown, bearer = token) =>
    request(app)
      .post('/api/v1/peers/notify')
      .set('authorization', `Bearer ${bearer}`)
      .send(body as object);

  test('a notification is applied once: the item is waited for on the vault, and a repeat is a duplicate', async () => {
    const itemId = `media:${uniqueName('peer')}`;
    const first = await notify(notification(itemId, 1));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'accepted' });
    const handle = env.client.workflow.getHandle(first.body.workflowId as string);
    await waitFor(
      'the import to wait for the vault',
      async () => (await handle.query(peerImportStatusQuery)).state === 'waiting-for-vault',
    );
    // The peer's copy lands on our view of the vault: the import carries on (no media servers, no *arr here).
    const file = path.join(env.vaultDir, 'Movies/Heat (1995)/Heat (1995).mkv');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'HEAT!');
    await waitFor('the import to be applied', async () => {
      const s = await handle.query(peerImportStatusQuery);
      return s.lastAppliedSeq === 1 && s.state === 'applied';
    });
    expect((await handle.query(peerImportStatusQuery)).arrAction).toBe('skipped');
    const repeat = await notify(notification(itemId, 1));
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual({ status: 'duplicate' });
  });

  test('a malformed notification gets 400 with every problem and starts nothing', async () => {
    const itemId = `media:${uniqueName('bad')}`;
    const res = await notify({
      ...notification(itemId, 1),
      notificationId: 'nope',
      libraryPath: '../../etc/passwd',
      kind: 'film',
      ids: { tmdbId: -3 },
      extra: true,
    });
    expect(res.status).toBe(400);
    const problems = (res.body as { problems: string[] }).problems.join('\n');
    for (const key of ['libraryPath', 'kind', 'ids.tmdbId', 'extra']) expect(problems).toContain(key);
    const started = await env.client.workflow.count(
      `WorkflowType = "peerImportWorkflow" AND WorkflowId STARTS_WITH "peer-import:" AND VaultarrLibraryPath = "../../etc/passwd"`,
    );
    expect(started.count).toBe(0);
  });

  test('a rename without the previous path is refused, and a wrong token gets 401', async () => {
    const itemId = `media:${uniqueName('ren')}`;
    const res = await notify(notification(itemId, 2, { event: 'renamed' }));
    expect(res.status).toBe(400);
    expect((res.body as { problems: string[] }).problems).toContainEqual(
      expect.stringContaining('previousLibraryPath'),
    );
    expect((await notify(notification(itemId, 1), 'vt_wrong')).status).toBe(401);
  });
});
