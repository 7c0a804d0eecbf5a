/**
 * The REST API takes the same item references as the CLI: the short ID `vaultarr items list`
 * prints (a unique prefix of the workflow ID's hash) or the full workflow ID.
 */
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import { makeVideo } from '../helpers/env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

describe('item references in the REST API', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;
  const movie = 'Movies/Brazil (1985)/Brazil (1985).mkv';
  const workflowId = mediaItemWorkflowId(movie);
  /** What `vaultarr items list` prints in its ID column. */
  const shortId = workflowId.replace(/^media:/, '').slice(0, 12);

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env));
    makeVideo(path.join(env.localRoot, movie), 1, 41);
    await request(app)
      .post('/api/v1/webhooks/radarr')
      .set('X-Api-Key', token)
      .send(
        arr.radarrDownload({
          title: 'Brazil',
          year: 1985,
          folderPath: '/data/media/movies/Brazil (1985)',
          filePath: `/data/media/movies/${movie.slice('Movies/'.length)}`,
        }),
      )
      .expect(202);
    await env.waitForStage(workflowId, 'resident');
  });
  afterAll(async () => {
    await env.close();
  });

  const get = (url: string) => request(app).get(url).set('Authorization', `Bearer ${token}`);
  const post = (url: string) => request(app).post(url).set('Authorization', `Bearer ${token}`);

  test('GET /api/v1/items/<short ID> shows the item', async () => {
    const res = await get(`/api/v1/items/${shortId}`);
    expect(res.status).toBe(200);
    expect(res.body.item).toMatchObject({ id: workflowId, libraryPath: movie });
    expect(res.body.live).toMatchObject({ stage: 'resident' });
  });

  test('GET /api/v1/items/<full workflow ID> still shows the item', async () => {
    const res = await get(`/api/v1/items/${encodeURIComponent(workflowId)}`);
    expect(res.status).toBe(200);
    expect(res.body.item.id).toBe(workflowId);
  });

  test('an action route takes the short ID and answers with the full ID', async () => {
    const res = await post(`/api/v1/items/${shortId}/pin`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 'pin', id: workflowId, stage: 'resident' });
  });

  test('a prefix matching several items is refused with 409 saying to give more of the ID', async () => {
    for (const hash of [
      'abc1230000000000000000000000000000000001',
      'abc1230000000000000000000000000000000002',
    ])
      await env.pool.query(
        `INSERT INTO media_items (workflow_id, host_id, stage, library_path) VALUES ($1, $2, 'resident', $3)`,
        [`media:${hash}`, env.hostId, `Movies/Twin ${hash.slice(-1)}/Twin.mkv`],
      );
    const res = await get('/api/v1/items/abc123');
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      error: 'ambiguous',
      message: '"abc123" matches several items; give more of the ID',
    });
  });

  test('an ID no item has answers 404', async () => {
    const res = await get('/api/v1/items/ffff0000ffff');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not-found');
  });
});
