/**
 * Two vaultarr instances on one machine — Alice's and Bob's, each the whole stack (`vaultarr
 * start`: own Temporal, Postgres, worker, watcher, API, data dir) — sharing one vault, each with
 * its own fake Plex; Bob also has a fake Radarr. What Alice imports, renames and deletes reaches
 * Bob's Radarr (unmonitored, rescanned) and Bob's Plex, also after Bob was down.
 */
import type { Client } from '@temporalio/client';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../lib/infra/wait.js';
import { radarrMovieFileDelete, radarrRename } from '../helpers/arr-payloads.js';
import { recordHistory } from '../helpers/histories.js';
import { makeVideo, tempDir } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';
import { FakePlex } from '../fakes/plex.js';
import { FakeRadarr, type FakeMovie } from '../fakes/radarr.js';

const MOVIES = [
  { tmdbId: 603, title: 'The Matrix', year: 1999 },
  { tmdbId: 949, title: 'Heat', year: 1995 },
  { tmdbId: 348, title: 'Alien', year: 1979 },
  { tmdbId: 329865, title: 'Arrival', year: 2016 },
  { tmdbId: 782, title: 'Gattaca', year: 1997 },
  { tmdbId: 8195, title: 'Ronin', year: 1998 },
  { tmdbId: 1422, title: 'The Departed', year: 2006 },
  { tmdbId: 27205, title: 'Inception', year: 2010 },
  { tmdbId: 157336, title: 'Interstellar', year: 2014 },
  { tmdbId: 62, title: '2001 A Space Odyssey', year: 1968 },
  { tmdbId: 78, title: 'Blade Runner', year: 1982 },
];
const plexSections = [{ key: '1', title: 'Movies', type: 'movie' as const, locations: ['/media/Movies'] }];

describe('two instances sharing one vault', () => {
  const { dir: shared, cleanup } = tempDir('vaultarr-peers-');
  const cloud = path.join(shared, 'cloud');
  const plexA = new FakePlex({ token: 'plex-a', sections: plexSections });
  const plexB = new FakePlex({ token: 'plex-b', sections: plexSections });
  /** Bob's Radarr sees the union of Bob's library as /media: a movie has its file when the vault has it. */
  const radarrB = new FakeRadarr({
    apiKey: 'radarr-b',
    catalog: MOVIES,
    rootFolders: ['/media/Movies'],
    fileExists: (m: FakeMovie) => {
      const folder = path.join(cloud, 'Movies', path.basename(m.path));
      return existsSync(folder) && readdirSync(folder).some((f) => f.endsWith('.mkv'));
    },
  });
  let alice: TestStack;
  let bob: TestStack;
  let webhookToken: string;

  const withPeers = { retryMaxIntervalMinutes: 0.05 };
  const scan = { mergeWindowSeconds: 1 };

  beforeAll(async () => {
    mkdirSync(cloud, { recursive: true });
    await Promise.all([plexA.start(), plexB.start(), radarrB.start()]);
    alice = await TestStack.create({ VAULTARR_HOST_ID: 'alice-host', VAULTARR_VAULT__REMOTE: cloud });
    bob = await TestStack.create({ VAULTARR_HOST_ID: 'bob-host', VAULTARR_VAULT__REMOTE: cloud });
    alice.writeConfig({
      mediaServers: [{ name: 'plex', type: 'plex', url: plexA.url, token: 'plex-a', libraryRoot: '/media' }],
      peers: withPeers,
      scan,
    });
    bob.writeConfig({
      mediaServers: [{ name: 'plex', type: 'plex', url: plexB.url, token: 'plex-b', libraryRoot: '/media' }],
      arr: {
        radarr: {
          url: radarrB.url,
          apiKey: 'radarr-b',
          qualityProfileId: 1,
          rootFolderPath: '/media/Movies',
        },
      },
      peers: withPeers,
      scan,
    });
    await alice.start();
    await bob.start();

    // Tokens both ways: each side creates one for the other, the other adds it as a peer.
    const tokenFor = (stack: TestStack, name: string, ...scope: string[]) =>
      (
        JSON.parse(
          stack.cli(
            'token',
            'create',
            '--name',
            name,
            ...(scope.length ? ['--scope', ...scope] : []),
            '--json',
          ).stdout,
        ) as { token: string }
      ).token;
    const forAlice = tokenFor(bob, 'alice', 'peer');
    const forBob = tokenFor(alice, 'bob', 'peer');
    const added = alice.cli('peer', 'add', 'bob', bob.apiUrl, '--token', forAlice);
    expect(added.status).toBe(0);
    expect(added.stdout).toContain('reachable, token accepted');
    expect(bob.cli('peer', 'add', 'alice', alice.apiUrl, '--token', forBob).status).toBe(0);
    webhookToken = tokenFor(alice, 'radarr');
  }, 300_000);

  afterAll(async () => {
    await alice?.destroy();
    await bob?.destroy();
    await Promise.all([plexA.stop(), plexB.stop(), radarrB.stop()]);
    cleanup();
  });

  /** The first workflow a visibility query lists, as a one-element array. */
  const firstOf = async (listing: AsyncIterable<{ workflowId: string }>) => {
    for await (const wf of listing) return [wf];
    return [];
  };

  const count = (client: Client, query: string) => client.workflow.count(query).then((c) => c.count);

  const rescansOf = (movie: FakeMovie) =>
    radarrB.commands.filter((c) => c.name === 'RescanMovie' && c.body.movieId === movie.id).length;

  const dropMovie = (m: { title: string; year: number }, seed: number) =>
    alice.drop(`${m.title.replace(/ /g, '.')}.${m.year}.1080p.BluRay.x264-GRP.mkv`, (at) =>
      makeVideo(at, 1, seed),
    );

  test('`peer add` refuses a token the peer does not know, and `peer list` never shows tokens', () => {
    const refused = alice.cli('peer', 'add', 'mallory', bob.apiUrl, '--token', 'vt_not-a-token-bob-made');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('refused the token');
    const listed = alice.cli('peer', 'list');
    expect(listed.stdout).toContain(`bob`);
    expect(listed.stdout).toContain(bob.apiUrl);
    expect(listed.stdout).not.toContain('vt_');
  });

  test("an item imported on Alice's side appears in Bob's Radarr unmonitored and rescanned, and Bob's Plex scans its folder", async () => {
    dropMovie(MOVIES[0]!, 1);
    await waitFor(
      "Bob's Radarr to have The Matrix with its file",
      async () => {
        const movie = radarrB.movie(603);
        return Boolean(movie?.hasFile);
      },
      120_000,
    );
    const movie = radarrB.movie(603)!;
    expect(movie).toMatchObject({ monitored: false, rootFolderPath: '/media/Movies', qualityProfileId: 1 });
    expect(movie.addOptions).toMatchObject({ searchForMovie: false, monitor: 'none' });
    expect(rescansOf(movie)).toBe(1);
    expect(radarrB.requestsTo('POST', '/api/v3/movie').filter((r) => r.status === 201)).toHaveLength(1);
    expect(radarrB.allWithinSpec).toBe(true);
    expect(plexB.refreshes).toContainEqual({ key: '1', path: '/media/Movies/The Matrix (1999)' });
    expect(plexA.refreshes).toContainEqual({ key: '1', path: '/media/Movies/The Matrix (1999)' });
    await alice.withTemporal(async (client) => {
      await waitFor(
        'the delivery to be recorded as delivered',
        async () =>
          (await count(client, 'WorkflowType = "peerDeliveryWorkflow" AND VaultarrStage = "delivered"')) ===
          1,
      );
    });
  }, 300_000);

  test('Bob down while Alice imports 10 items: after his restart all 10 arrive, each added once', async () => {
    expect(await bob.stop()).toBe(0);
    const batch = MOVIES.slice(1);
    batch.forEach((m, i) => dropMovie(m, 10 + i));
    await alice.withTemporal(async (client) => {
      await waitFor(
        'Alice to have all 11 items resident and 10 deliveries waiting for Bob',
        async () =>
          (await count(client, 'WorkflowType = "mediaItemWorkflowV2" AND VaultarrStage = "resident"')) ===
            11 &&
          (await count(client, 'WorkflowType = "peerDeliveryWorkflow" AND ExecutionStatus = "Running"')) ===
            10,
        180_000,
      );
    });
    expect(batch.filter((m) => radarrB.movie(m.tmdbId))).toEqual([]);

    await bob.start();
    await waitFor(
      "Bob's Radarr to have all 10 with their files",
      async () => batch.every((m) => radarrB.movie(m.tmdbId)?.hasFile),
      240_000,
    );
    const adds = radarrB
      .requestsTo('POST', '/api/v3/movie')
      .filter((r) => r.status === 201)
      .map((r) => (r.body as { tmdbId: number }).tmdbId);
    expect(adds.sort((a, b) => a - b)).toEqual(MOVIES.map((m) => m.tmdbId).sort((a, b) => a - b));
    for (const m of batch) expect(radarrB.movie(m.tmdbId)!.monitored).toBe(false);
    for (const m of batch)
      expect(plexB.refreshes).toContainEqual({ key: '1', path: `/media/Movies/${m.title} (${m.year})` });
    expect(radarrB.allWithinSpec).toBe(true);
  }, 300_000);

  test("a rename and a delete on Alice's side reach Bob's Radarr and Plex", async () => {
    const folder = path.join(alice.local, 'Movies', 'The Matrix (1999)');
    const from = path.join(folder, 'The Matrix (1999).mkv');
    const to = path.join(folder, 'The Matrix (1999) Bluray-1080p.mkv');
    const movie = radarrB.movie(603)!;
    const rescansBefore = rescansOf(movie);
    const refreshesBefore = plexB.refreshes.length;
    const post = (body: unknown) =>
      fetch(`${alice.apiUrl}/api/v1/webhooks/radarr`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': webhookToken },
        body: JSON.stringify(body),
      });

    renameSync(from, to); // Radarr renames the file, then tells us
    const renamed = await post(
      radarrRename({ title: 'The Matrix', year: 1999, folderPath: folder, from, to }),
    );
    expect(renamed.status).toBe(202);
    await waitFor(
      "the rename to reach Bob's Radarr and Plex",
      async () => rescansOf(movie) === rescansBefore + 1 && plexB.refreshes.length === refreshesBefore + 1,
      120_000,
    );
    expect(existsSync(path.join(cloud, 'Movies/The Matrix (1999)/The Matrix (1999) Bluray-1080p.mkv'))).toBe(
      true,
    );
    expect(radarrB.movie(603)!.hasFile).toBe(true);

    rmSync(to); // Radarr deletes the file, then tells us
    const deleted = await post(
      radarrMovieFileDelete({ title: 'The Matrix', year: 1999, folderPath: folder, filePath: to }),
    );
    expect(deleted.status).toBe(202);
    await waitFor(
      "the delete to reach Bob's Radarr and Plex",
      async () => rescansOf(movie) === rescansBefore + 2 && plexB.refreshes.length === refreshesBefore + 2,
      120_000,
    );
    expect(plexB.refreshes.at(-1)).toEqual({ key: '1', path: '/media/Movies/The Matrix (1999)' });
    expect(radarrB.movie(603)!.hasFile).toBe(false);
    expect(radarrB.requestsTo('POST', '/api/v3/movie').filter((r) => r.status === 201)).toHaveLength(11);
    await alice.withTemporal(async (client) => {
      const [item] = await firstOf(
        client.workflow.list({ query: 'WorkflowType = "mediaItemWorkflowV2" AND VaultarrStage = "deleted"' }),
      );
      await recordHistory(
        'imported-scanned-notified-renamed-deleted',
        client.workflow.getHandle(item!.workflowId),
      );
      const [delivery] = await firstOf(
        client.workflow.list({
          query: 'WorkflowType = "peerDeliveryWorkflow" AND ExecutionStatus = "Completed"',
        }),
      );
      await recordHistory('peer-delivery-delivered', client.workflow.getHandle(delivery!.workflowId));
    });
    await bob.withTemporal(async (client) => {
      const [applied] = await firstOf(client.workflow.list({ query: 'WorkflowType = "peerImportWorkflow"' }));
      await recordHistory('peer-import-applied', client.workflow.getHandle(applied!.workflowId));
    });
  }, 300_000);
});
