/**
 * The events vaultarr only records, and the outbox that keeps deliveries while Temporal is away,
 * with payloads built from ARR.md, against the real API, the real dev server and a worker copying
 * to a real rclone remote (a local directory remote).
 */
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import { WebhookForwarder } from '../../api/webhooks/forwarder.js';
import { waitFor } from '../../lib/infra/wait.js';
import { ItemService } from '../../lib/items/index.js';
import * as arr from '../helpers/arr-payloads.js';
import { createTestApi } from '../helpers/workflow-env.js';
import { env, imported, post, useWebhookApi, waitVerified } from '../helpers/webhook-api.js';

useWebhookApi({ authFailureLimit: 5 });

describe('*arr webhooks against the real API, dev server and vault', () => {
  describe('events vaultarr only records', () => {
    test.each([
      [
        'radarr',
        ['Grab', 'Health', 'ApplicationUpdate', 'MovieAdded', 'HealthRestored', 'ManualInteractionRequired'],
      ],
      [
        'sonarr',
        ['Grab', 'SeriesAdd', 'Health', 'ApplicationUpdate', 'HealthRestored', 'ManualInteractionRequired'],
      ],
      [
        'lidarr',
        [
          'Grab',
          'DownloadFailure',
          'ImportFailure',
          'ArtistAdd',
          'AlbumDelete',
          'Health',
          'Retag',
          'ApplicationUpdate',
          'HealthRestored',
        ],
      ],
      ['readarr', ['Grab', 'AuthorAdded', 'BookDelete', 'Health', 'Retag', 'ApplicationUpdate']],
    ])(
      '%s: every other event type is accepted (200), recorded, and starts nothing',
      async (appName, types) => {
        for (const eventType of types as string[]) {
          const res = await post(appName, {
            eventType,
            instanceName: appName,
            message: `${eventType} at ${Date.now()}`,
          });
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ ok: true, eventType, workflows: [] });
        }
        const { rows } = await env.pool.query(
          'SELECT DISTINCT event_type FROM webhook_deliveries WHERE app = $1',
          [appName],
        );
        expect(rows.map((r) => r.event_type)).toEqual(expect.arrayContaining(types as string[]));
      },
    );
  });

  describe('the outbox: a delivery is recorded before it is answered', () => {
    test('deliveries accepted while Temporal cannot be reached wait, in order per movie folder, and are forwarded once it can', async () => {
      // An API whose Temporal is gone (nothing listens on port 1): Radarr still gets its answers.
      const gone = new Client({
        // Without the client's own retries of an unreachable server: each try fails at once.
        connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }),
      });
      const down = new WebhookForwarder({
        client: gone,
        pool: env.pool,
        items: new ItemService({ client: gone, pool: env.pool }),
      });
      const { app: apiDown, token: downToken } = await createTestApi(
        env,
        {},
        { client: gone, forwarder: down },
      );
      const files = {
        first: 'Movies/Solaris (1972)/Solaris (1972).mkv',
        second: 'Movies/Solaris (1972)/Solaris (1972) Directors Cut.mkv',
        other: 'Movies/Stalker (1979)/Stalker (1979).mkv',
      };
      let seed = 60;
      for (const f of Object.values(files)) imported(f, seed++);
      const download = (libraryPath: string) => {
        const [, folder] = libraryPath.split('/');
        const [, title, year] = /^(.*) \((\d{4})\)$/.exec(folder!)!;
        return request(apiDown)
          .post('/api/v1/webhooks/radarr')
          .set('X-Api-Key', downToken)
          .send(
            arr.radarrDownload({
              title: title!,
              year: Number(year),
              folderPath: `/data/media/movies/${folder}`,
              filePath: `/data/media/${libraryPath.replace(/^Movies/, 'movies')}`,
            }),
          );
      };
      for (const f of Object.values(files)) expect((await download(f)).status).toBe(202);

      const deliveries = async () =>
        (
          await env.pool.query<{
            path: string;
            attempts: number;
            forwarded: boolean;
            last_error: string | null;
          }>(
            `SELECT plan->'intents'->0->>'libraryPath' AS path, attempts, forwarded_at IS NOT NULL AS forwarded,
                    last_error FROM webhook_deliveries WHERE plan->'intents'->0->>'libraryPath' = ANY($1)`,
            [Object.values(files)],
          )
        ).rows;
      const of = async (libraryPath: string) => (await deliveries()).find((d) => d.path === libraryPath)!;
      await waitFor(
        'the first delivery of each movie folder to fail once',
        async () => (await of(files.first)).attempts >= 1 && (await of(files.other)).attempts >= 1,
        60_000,
        200,
      );
      // The second delivery for Solaris's folder waits behind the first; nothing was forwarded.
      expect(await of(files.second)).toMatchObject({ attempts: 0, forwarded: false });
      expect((await of(files.first)).last_error).toBeTruthy();
      expect((await deliveries()).every((d) => !d.forwarded)).toBe(true);
      await down.stop();

      // Temporal is back (here: an API process with a working client takes over the outbox).
      const live = new WebhookForwarder({
        client: env.client,
        pool: env.pool,
        items: new ItemService({ client: env.client, pool: env.pool }),
      }).start(200);
      try {
        for (const f of Object.values(files)) await waitVerified(f);
        const order = await env.pool.query<{ path: string }>(
          `SELECT plan->'intents'->0->>'libraryPath' AS path FROM webhook_deliveries
            WHERE plan->'intents'->0->>'libraryPath' = ANY($1) ORDER BY forwarded_at`,
          [[files.first, files.second]],
        );
        expect(order.rows.map((r) => r.path)).toEqual([files.first, files.second]);
        expect((await deliveries()).every((d) => d.forwarded)).toBe(true);
      } finally {
        await live.stop();
      }
    });
  });
});
