/**
 * Settings are read where they are used: an item reads the worker's settings again right before it
 * announces a copied file, so a media server added to the configuration while the item copied (the
 * worker restarted with it) is told about the file.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { cancelSignal, statusQuery } from '../../domain/messages.js';
import { recordHistory } from '../helpers/histories.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';
import { FakePlex } from '../fakes/plex.js';

/** A Matroska video of random frames of about `mebibytes` MiB (it does not compress: the copy moves them all). */
function makeNoiseVideo(file: string, mebibytes: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '1024x1024', '-r', '25', '-i', '/dev/urandom',
    '-frames:v', String(mebibytes), '-c:v', 'rawvideo', '-f', 'matroska', file,
  ]); // prettier-ignore
}

describe('settings read where they are used', () => {
  let env: WorkflowTestEnv;
  const plex = new FakePlex({
    token: 'plex-token',
    sections: [{ key: '1', title: 'Movies', type: 'movie', locations: ['/media/Movies'] }],
  });

  beforeAll(async () => {
    await plex.start();
    // No media server yet; uploads capped at 2 MiB/s, so a 40 MiB copy runs for about 20 s.
    env = await createWorkflowTestEnv({ config: { vault: { bwLimit: '2M' } } });
  });
  afterAll(async () => {
    await env?.close();
    await plex.stop();
  });

  test('a media server added to the worker configuration while an item copies is scanned once the copy is verified', async () => {
    const name = 'Blade.Runner.1982.1080p.BluRay.x264-GROUP.mkv';
    const staging = path.join(env.root, 'staging', name);
    makeNoiseVideo(staging, 40);
    renameSync(staging, path.join(env.localRoot, 'Incoming', name));
    const id = await env.startIncoming(`Incoming/${name}`);
    await env.waitForStage(id, 'copying');

    // The worker restarts with Plex in its configuration while the copy runs.
    await env.restartWorkers({
      mediaServers: [{ name: 'plex', type: 'plex', url: plex.url, token: 'plex-token' }],
      union: { mediaMount: '/media' },
      scan: { mergeWindowSeconds: 0 },
    });
    const handle = env.client.workflow.getHandle(id);
    expect((await handle.query(statusQuery)).stage).toBe('copying');

    await env.waitForStage(id, 'resident', 120_000);
    expect(plex.refreshes).toEqual([{ key: '1', path: '/media/Movies/Blade Runner (1982)' }]);
    const { rows } = await env.pool.query(
      `SELECT details FROM events WHERE workflow_id = $1 AND outcome = 'announced'`,
      [id],
    );
    expect(rows.map((r) => r.details.scanned)).toEqual([['plex']]);

    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('media-server-added-while-copying-then-scanned', handle);
  }, 180_000);
});
