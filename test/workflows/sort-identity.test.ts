/**
 * Identity at intake, through the real workers and API: a release the user's (fake, spec-checked)
 * Sonarr knows goes where Sonarr keeps the series; an Unsorted item shows its suggestions and is
 * placed in one step with `vaultarr items approve <id> --suggestion N`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { statusQuery } from '../../domain/messages.js';
import { makeVideo } from '../helpers/env.js';
import { recordHistory } from '../helpers/histories.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';
import { FakeSonarr } from '../fakes/sonarr.js';

const SONARR_KEY = 'sonarr-key-0123456789abcdef';

describe('sorting with the library, Sonarr and suggestions', () => {
  let env: WorkflowTestEnv;
  let sonarr: FakeSonarr;
  let app: Express;
  let token: string;

  beforeAll(async () => {
    sonarr = new FakeSonarr({
      apiKey: SONARR_KEY,
      catalog: [{ tvdbId: 73244, title: 'The Office (US)', year: 2005, seasons: [1, 2] }],
    });
    await sonarr.start();
    // TVDB knows the US series as "The Office" too: Sonarr's parse matches releases named so.
    sonarr.seedSeries({
      tvdbId: 73244,
      title: 'The Office (US)',
      year: 2005,
      alternateTitles: ['The Office'],
    });
    env = await createWorkflowTestEnv({
      config: {
        arr: {
          sonarr: {
            url: sonarr.url,
            apiKey: SONARR_KEY,
            qualityProfileId: 1,
            rootFolderPath: '/media/Shows',
          },
        },
      },
    });
    ({ app, token } = await createTestApi(env));
  });

  afterAll(async () => {
    await env.close();
    expect(sonarr.received.filter((r) => r.authorized && !r.spec?.valid)).toEqual([]);
    await sonarr.stop();
  });

  /** Runs the CLI as its own process (this process's workers keep answering meanwhile). */
  const cli = (...args: string[]) => env.cli(...args);

  test('Office.S01E02 lands in Shows/The Office (US)/Season 01/ because Sonarr names the series', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/Office.S01E02.720p.WEB.h264-GRP.mkv'), 1, 41);
    const workflowId = await env.startIncoming('Incoming/Office.S01E02.720p.WEB.h264-GRP.mkv');
    const status = await env.waitForStage(workflowId, 'resident');
    const target = 'Shows/The Office (US)/Season 01/The Office (US) - S01E02.mkv';
    expect(status.libraryPath).toBe(target);
    expect(status.identity).toMatchObject({
      kind: 'episode',
      series: 'The Office (US)',
      season: 1,
      episodes: [2],
    });
    expect(existsSync(path.join(env.localRoot, target))).toBe(true);
    expect(existsSync(path.join(env.vaultDir, target))).toBe(true);
    expect(sonarr.requestsTo('GET', '/api/v3/parse').map((r) => r.query.title?.[0])).toContain(
      'Office.S01E02.720p.WEB.h264-GRP',
    );
  });

  test('an Unsorted item shows its suggestions and is placed by vaultarr items approve --suggestion 1', async () => {
    // Title and year but no release details: a home video could be named so, so it waits for a human.
    makeVideo(path.join(env.localRoot, 'Incoming/Casablanca 1942.mkv'), 1, 42);
    const workflowId = await env.startIncoming('Incoming/Casablanca 1942.mkv');
    const waiting = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(waiting.libraryPath).toBe('Unsorted/Casablanca 1942.mkv');
    expect(waiting.reason).toContain('no release details');
    expect(waiting.suggestions?.[0]).toEqual({
      identity: { kind: 'movie', title: 'Casablanca', year: 1942 },
      source: 'video-filename-parser',
    });

    const shown = await cli('items', 'show', workflowId);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/suggested: {2}1\. Casablanca \(1942\) \(from video-filename-parser\)/);

    const missing = await request(app)
      .post(`/api/v1/items/${encodeURIComponent(workflowId)}/approve`)
      .set('Authorization', `Bearer ${token}`)
      .send({ suggestion: 3 });
    expect(missing.status).toBe(409);
    expect(JSON.stringify(missing.body)).toContain(`suggestion(s), not 3`);

    const approved = await cli('items', 'approve', workflowId, '--suggestion', '1');
    expect(approved.stderr).toBe('');
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain(
      'approved as Casablanca (1942) (from video-filename-parser): moved to Movies/Casablanca (1942)/Casablanca (1942).mkv',
    );
    const resident = await env.waitForStage(workflowId, 'resident');
    expect(resident.suggestions).toBeUndefined();
    expect(existsSync(path.join(env.localRoot, 'Movies/Casablanca (1942)/Casablanca (1942).mkv'))).toBe(true);
    expect(existsSync(path.join(env.localRoot, 'Unsorted/Casablanca 1942.mkv'))).toBe(false);
    const handle = env.client.workflow.getHandle(workflowId);
    expect((await handle.query(statusQuery)).libraryPath).toBe(
      'Movies/Casablanca (1942)/Casablanca (1942).mkv',
    );
    await handle.signal('cancel');
    await handle.result();
    await recordHistory('unsorted-suggestions-approved-by-suggestion-cancelled', handle);
  });

  test('the API approves by suggestion too, and says which suggestion it placed', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/Stagecoach 1939.mkv'), 1, 44);
    const workflowId = await env.startIncoming('Incoming/Stagecoach 1939.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');
    const shown = await request(app)
      .get(`/api/v1/items/${encodeURIComponent(workflowId)}`)
      .set('Authorization', `Bearer ${token}`);
    expect(shown.body.live.suggestions[0]).toEqual({
      identity: { kind: 'movie', title: 'Stagecoach', year: 1939 },
      source: 'video-filename-parser',
    });
    const approved = await request(app)
      .post(`/api/v1/items/${encodeURIComponent(workflowId)}/approve`)
      .set('Authorization', `Bearer ${token}`)
      .send({ suggestion: 1 });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({
      libraryPath: 'Movies/Stagecoach (1939)/Stagecoach (1939).mkv',
      approved: {
        identity: { kind: 'movie', title: 'Stagecoach', year: 1939 },
        source: 'video-filename-parser',
      },
    });
    const invalid = await request(app)
      .post(`/api/v1/items/${encodeURIComponent(workflowId)}/approve`)
      .set('Authorization', `Bearer ${token}`)
      .send({ suggestion: 0 });
    expect(invalid.status).toBe(400);
    await env.waitForStage(workflowId, 'resident');
    expect(existsSync(path.join(env.localRoot, 'Movies/Stagecoach (1939)/Stagecoach (1939).mkv'))).toBe(true);
  });

  test('a daily show is approved by its air date through the CLI: season of its year, named by the date', async () => {
    // A title and a date, nothing else: a home video could be named so; the user says it is the show.
    makeVideo(path.join(env.localRoot, 'Incoming/Late.Talk.2024.03.05.mkv'), 1, 45);
    const workflowId = await env.startIncoming('Incoming/Late.Talk.2024.03.05.mkv');
    await env.waitForStage(workflowId, 'awaiting-approval');
    const bad = await cli('items', 'approve', workflowId, '--series', 'Late Talk', '--air-date', '2024-3-5');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('airDate must be YYYY-MM-DD');
    const approved = await cli(
      'items',
      'approve',
      workflowId,
      '--series',
      'Late Talk',
      '--air-date',
      '2024-03-05',
    );
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toContain(
      'approved: moved to Shows/Late Talk/Season 2024/Late Talk - 2024-03-05.mkv',
    );
    await env.waitForStage(workflowId, 'resident');
    expect(
      existsSync(path.join(env.localRoot, 'Shows/Late Talk/Season 2024/Late Talk - 2024-03-05.mkv')),
    ).toBe(true);
  });

  test('a camera file is never placed and comes with no suggestion', async () => {
    makeVideo(path.join(env.localRoot, 'Incoming/PXL_20240704_201500123.mp4'), 1, 43);
    const workflowId = await env.startIncoming('Incoming/PXL_20240704_201500123.mp4');
    const waiting = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(waiting.reason).toContain('camera, phone or screen-recording name');
    expect(waiting.suggestions).toBeUndefined();
    const refused = await cli('items', 'approve', workflowId, '--suggestion', '1');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('the item has no suggestions');
  });
});
