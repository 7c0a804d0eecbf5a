/**
 * Property-based fuzzing (fast-check) of every webhook route: at least 1,000 malformed or hostile
 * bodies per route per run. Every answer is 4xx, never 5xx; no workflow starts; no file changes.
 */
import fc from 'fast-check';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import * as arr from '../helpers/arr-payloads.js';
import { makeVideo } from '../helpers/env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const RUNS = 1000;

/** Every file under a folder with its size and mtime: what "no file touched" compares. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.push(`${path.relative(root, p)}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(root);
  return out.sort();
}

/** Paths a hostile sender would try: climbs, absolute paths elsewhere, encoded forms, junk. */
const hostilePath = fc.oneof(
  fc.constantFrom(
    '/data/media/movies/../../etc/passwd',
    '/etc/passwd',
    '/data/media/movies/..\\..\\windows',
    '../../../../etc/shadow',
    '/data/media/movies/\u0000evil.mkv',
    '/data/media/tv/../../root/.ssh/id_rsa',
    'C:\\testpath\\movie.mkv',
    '',
    '/',
    '/proc/self/environ',
    '/data/media/movies/..',
  ),
  fc.string({ maxLength: 80 }).map((s) => `/data/media/movies/../${s}`),
  fc.string({ maxLength: 80 }).filter((s) => !s.startsWith('/')),
  fc.string({ maxLength: 40 }).map((s) => `/srv/other/${s}`),
);

/** A value of the wrong type for any field we require (never a plain string or number). */
const wrongType = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.string({ maxLength: 10 }).map((s) => ({ s })),
);

/** Replaces one field (by dotted path) of an object with a value. */
function replaceAt(obj: unknown, keys: string[], value: unknown): unknown {
  if (keys.length === 0) return value;
  const copy = Array.isArray(obj) ? [...obj] : { ...(obj as Record<string, unknown>) };
  const [k, ...rest] = keys;
  (copy as Record<string, unknown>)[k!] = replaceAt((copy as Record<string, unknown>)[k!], rest, value);
  return copy;
}

/** Payloads of an app whose required fields or paths are broken. */
function malformed(app: 'radarr' | 'sonarr' | 'lidarr' | 'readarr'): fc.Arbitrary<unknown> {
  const valid: Record<string, { body: unknown; required: string[][]; paths: string[][] }> = {
    radarr: {
      body: arr.radarrDownload({
        title: 'X',
        year: 2000,
        folderPath: '/data/media/movies/X (2000)',
        filePath: '/data/media/movies/X (2000)/X.mkv',
      }),
      required: [
        ['movie'],
        ['movie', 'title'],
        ['movie', 'year'],
        ['movieFile'],
        ['movieFile', 'path'],
        ['eventType'],
      ],
      paths: [['movieFile', 'path']],
    },
    sonarr: {
      body: arr.sonarrDownload({
        title: 'S',
        seriesPath: '/data/media/tv/S',
        season: 1,
        episodes: [1],
        filePath: '/data/media/tv/S/Season 01/S - S01E01.mkv',
      }),
      required: [
        ['series'],
        ['series', 'title'],
        ['episodes'],
        ['episodeFile'],
        ['episodeFile', 'path'],
        ['eventType'],
      ],
      paths: [['episodeFile', 'path']],
    },
    lidarr: {
      body: arr.lidarrDownload({
        name: 'A',
        artistPath: '/data/media/music/A',
        filePaths: ['/data/media/music/A/B/01.flac'],
      }),
      required: [['artist'], ['artist', 'path'], ['trackFiles'], ['eventType']],
      paths: [['trackFiles', '0', 'path']],
    },
    readarr: {
      body: arr.readarrDownload({
        name: 'A',
        authorPath: '/data/media/books/A',
        filePaths: ['/data/media/books/A/B/b.epub'],
      }),
      required: [['author'], ['author', 'name'], ['bookFiles'], ['eventType']],
      paths: [['bookFiles', '0', 'path']],
    },
  };
  const v = valid[app]!;
  return fc.oneof(
    // Not an object at all.
    fc.oneof(
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.array(fc.anything(), { maxLength: 5 }),
      fc.boolean(),
    ),
    // Objects without a usable eventType.
    fc.dictionary(
      fc.string({ maxLength: 10 }).filter((k) => k !== 'eventType'),
      fc.jsonValue(),
      { maxKeys: 6 },
    ),
    fc.record({ eventType: wrongType }),
    // A Download with a required field of the wrong type.
    fc
      .tuple(fc.constantFrom(...v.required), wrongType)
      .map(([keys, value]) => replaceAt(v.body, keys, value)),
    // A Download whose file path is hostile.
    fc.tuple(fc.constantFrom(...v.paths), hostilePath).map(([keys, value]) => replaceAt(v.body, keys, value)),
    // Rename and delete events with hostile paths.
    hostilePath.map((p) =>
      app === 'radarr'
        ? arr.radarrRename({
            title: 'X',
            year: 2000,
            folderPath: '/data/media/movies/X',
            from: p,
            to: '/data/media/movies/X/X.mkv',
          })
        : app === 'sonarr'
          ? arr.sonarrEpisodeFileDelete({
              title: 'S',
              seriesPath: '/data/media/tv/S',
              season: 1,
              episodes: [1],
              filePath: p,
            })
          : app === 'lidarr'
            ? arr.lidarrArtistDelete({ name: 'A', artistPath: p, deletedFiles: true })
            : arr.readarrBookFileDelete({ name: 'A', authorPath: '/data/media/books/A', filePath: p }),
    ),
  );
}

describe('webhook fuzzing', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env, { maxBodyBytes: 64 * 1024 }));
    makeVideo(path.join(env.localRoot, 'Movies/X (2000)/X.mkv'), 1, 1);
  });
  afterAll(async () => {
    await env.close();
  });

  test.each(['radarr', 'sonarr', 'lidarr', 'readarr'] as const)(
    `${RUNS} malformed or hostile bodies to /api/v1/webhooks/%s: all 4xx, nothing started, no file touched`,
    async (appName) => {
      const before = snapshot(env.root);
      const deliveries = (await env.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0]
        .n as number;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(malformed(appName), async (body) => {
          const res = await request(app)
            .post(`/api/v1/webhooks/${appName}`)
            .set('X-Api-Key', token)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          return res.status >= 400 && res.status < 500 && !/\bat .+:\d+:\d+/.test(res.text);
        }),
        { numRuns: RUNS },
      );
      expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
      let started = 0;
      for await (const _ of env.client.workflow.list({ query: `TaskQueue = "${env.taskQueue}"` })) started++;
      expect(started).toBe(0);
      expect((await env.pool.query('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0].n).toBe(
        deliveries,
      );
      expect(snapshot(env.root)).toEqual(before);
    },
    120_000,
  );
});
