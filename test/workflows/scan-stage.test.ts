/**
 * The scan stage of the item workflow (`mediaItemWorkflowV2`) on the real dev server, against fake
 * Plex and Jellyfin servers: the right folder on each, merged requests, a server that is down
 * neither blocks the others nor is forgotten.
 */
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { cancelSignal, retrySignal } from '../../domain/messages.js';
import { recordHistory } from '../helpers/histories.js';
import { makeVideo } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';
import { FakeJellyfin } from '../fakes/jellyfin.js';
import { FakePlex } from '../fakes/plex.js';

describe('scanning media servers after the vault copy', () => {
  let env: WorkflowTestEnv;
  const plex = new FakePlex({
    token: 'plex-token',
    sections: [
      { key: '1', title: 'Movies', type: 'movie', locations: ['/media/Movies'] },
      { key: '2', title: 'TV Shows', type: 'show', locations: ['/media/Shows'] },
    ],
  });
  const jellyfin = new FakeJellyfin({ apiKey: 'jf-key' });

  beforeAll(async () => {
    await plex.start();
    await jellyfin.start();
    env = await createWorkflowTestEnv({
      config: {
        mediaServers: [
          { name: 'plex', type: 'plex', url: plex.url, token: 'plex-token' },
          {
            name: 'jellyfin',
            type: 'jellyfin',
            url: jellyfin.url,
            token: 'jf-key',
            pathRewrites: [{ from: 'Shows', to: '/tv' }],
          },
        ],
        union: { mediaMount: '/media' },
        // 6 s before a failing server parks the item.
        scan: { mergeWindowSeconds: 3, giveUpAfterHours: 6 / 3600 },
      },
    });
  });

  afterAll(async () => {
    await env?.close();
    await plex.stop();
    await jellyfin.stop();
  });

  beforeEach(() => {
    plex.reset();
    jellyfin.reset();
  });

  const drop = (name: string, build: (at: string) => void) => {
    const staging = path.join(env.root, 'staging', name);
    build(staging);
    renameSync(staging, path.join(env.localRoot, 'Incoming', name));
    return `Incoming/${name}`;
  };

  test('a new movie gets a partial scan of its folder in the Movies section and a Jellyfin "Created" update', async () => {
    const release = drop('The.Matrix.1999.1080p.BluRay.x264-GRP.mkv', (at) => makeVideo(at, 1, 1));
    const id = await env.startIncoming(release);
    await env.waitForStage(id, 'resident');
    expect(plex.refreshes).toEqual([{ key: '1', path: '/media/Movies/The Matrix (1999)' }]);
    expect(jellyfin.updates).toEqual([{ Path: '/media/Movies/The Matrix (1999)', UpdateType: 'Created' }]);
  });

  test("a season pack's episodes reaching the scan together give one request per server", async () => {
    const release = drop('Deadwood.S01.720p.HDTV.x264-GRP', (at) => {
      mkdirSync(at, { recursive: true });
      for (const e of [1, 2, 3])
        makeVideo(path.join(at, `Deadwood.S01E0${e}.720p.HDTV.x264-GRP.mkv`), 1, 10 + e);
    });
    const id = await env.startIncoming(release);
    await env.waitForStage(id, 'resident');
    const siblings = (
      await env.pool.query<{ workflow_id: string }>(
        `SELECT workflow_id FROM media_items WHERE library_path LIKE 'Shows/Deadwood/%'`,
      )
    ).rows.map((r) => r.workflow_id);
    expect(siblings).toHaveLength(3);
    for (const s of siblings) await env.waitForStage(s, 'resident');
    expect(plex.refreshes).toEqual([{ key: '2', path: '/media/Shows/Deadwood/Season 01' }]);
    expect(jellyfin.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(jellyfin.updates).toEqual([{ Path: '/tv/Deadwood/Season 01', UpdateType: 'Created' }]);
  });

  test('a server that is down does not hold up the others; the item parks for it and a retry scans only it', async () => {
    await jellyfin.setDown(true);
    const release = drop('Heat.1995.1080p.BluRay.x264-GRP.mkv', (at) => makeVideo(at, 1, 2));
    const id = await env.startIncoming(release);
    const parked = await env.waitForStage(id, 'failed-needs-attention');
    expect(parked.failedStage).toBe('scanning');
    expect(parked.reason).toMatch(/jellyfin/);
    expect(parked.reason).not.toMatch(/plex:/);
    expect(plex.refreshes).toEqual([{ key: '1', path: '/media/Movies/Heat (1995)' }]);

    await jellyfin.setDown(false);
    await env.client.workflow.getHandle(id).signal(retrySignal);
    await env.waitForStage(id, 'resident');
    expect(jellyfin.updates).toEqual([{ Path: '/media/Movies/Heat (1995)', UpdateType: 'Created' }]);
    expect(plex.refreshes).toHaveLength(1);
    const handle = env.client.workflow.getHandle(id);
    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('scan-parked-for-one-server-then-retried', handle);
  });
});
