/**
 * Stream-aware throttling in a real `vaultarr worker` process (built `dist/`): the worker polls a
 * (fake) Plex for its sessions and its metrics show uploads throttled while a remote stream plays.
 */
import path from 'node:path';
import { freePort, waitFor } from '../../lib/infra/wait.js';
import { FakePlex } from '../fakes/plex.js';
import { Component } from '../helpers/component.js';
import { freshDatabase, makeLibrary, tempDir, temporalAddress, uniqueName } from '../helpers/env.js';

const TOKEN = 'plex-token-e2e-0123456789';

describe('a worker process throttles uploads while remote streams play', () => {
  const { dir, cleanup } = tempDir('vaultarr-throttle-e2e-');
  const plex = new FakePlex({ token: TOKEN, sections: [] });
  let worker: Component;
  let metricsPort: number;

  beforeAll(async () => {
    await plex.start();
    const hostId = uniqueName('throttle');
    const local = path.join(dir, '.Local');
    makeLibrary(local);
    metricsPort = await freePort();
    worker = new Component(
      'worker',
      {
        VAULTARR_HOST_ID: hostId,
        VAULTARR_DATA_DIR: dir,
        VAULTARR_LIBRARY__LOCAL_ROOT: local,
        VAULTARR_TEMPORAL__ADDRESS: temporalAddress(),
        VAULTARR_VAULT__REMOTE: path.join(dir, 'cloud'),
        // Host-only: the test's worker must not take other tests' workflow tasks.
        VAULTARR_WORKER__HOST_ONLY: 'true',
        VAULTARR_MEDIA_SERVERS: `[{ name: home, type: plex, url: "${plex.url}", token: ${TOKEN} }]`,
        VAULTARR_VAULT__THROTTLE: '{ bwLimit: 1M, minStreams: 1, pollSeconds: 0.2 }',
        VAULTARR_METRICS__PORT: String(metricsPort),
        DATABASE_URL: await freshDatabase(),
      },
      dir,
    );
    await worker.start('host activity worker running');
  });

  afterAll(async () => {
    await worker?.kill();
    await plex.stop();
    cleanup();
  });

  const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const throttled = (text: string) => /^vaultarr_upload_throttled\{[^}]*\} (\d)/m.exec(text)?.[1];

  test('a remote Plex stream throttles uploads, its end lifts the throttle', async () => {
    await waitFor(
      'the first poll',
      async () => plex.requests.some((r) => r.path === '/status/sessions'),
      20_000,
    );
    expect(throttled(await scrape())).toBe('0');

    plex.streams = [{ user: 'alice', title: 'Heat', remote: true, state: 'playing' }];
    await waitFor('uploads to be throttled', async () => throttled(await scrape()) === '1', 20_000);
    expect(await scrape()).toMatch(/^vaultarr_media_server_remote_streams\{server="home",[^}]*\} 1$/m);
    expect(worker.output()).toContain('remote streams playing: uploads throttled');

    plex.streams = [];
    await waitFor('the throttle to be lifted', async () => throttled(await scrape()) === '0', 20_000);
    expect(worker.output()).toContain('remote streams ended: upload limit restored');
    expect(worker.output()).not.toContain(TOKEN);
  });
});
