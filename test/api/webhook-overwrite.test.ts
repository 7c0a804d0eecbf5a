/**
 * Webhooks that would destroy another item's vault copy (issue: a Radarr Rename onto another
 * movie's path, a Download of a different file at an evicted item's path), against the real API,
 * the real dev server and a worker copying to a real rclone remote. Every original byte sequence
 * must still be on the vault, in place or in the vault trash.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { evictSignal, renamedSignal } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import * as arr from '../helpers/arr-payloads.js';
import { makeVideo } from '../helpers/env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('webhooks never replace another item’s vault copy', () => {
  let env: WorkflowTestEnv;
  let app: Express;
  let token: string;
  const sintel = 'Movies/Sintel (2010)/Sintel (2010).mkv';
  const bunny = 'Movies/Big Buck Bunny (2008)/Big Buck Bunny (2008).mkv';
  const arrPath = (p: string) => `/data/media/movies/${p.slice('Movies/'.length)}`;
  const folderOf = (p: string) => path.dirname(arrPath(p));
  const hashes: Record<string, string> = {};

  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env));
    // Two movies imported by Radarr and verified on the vault; Sintel then evicted (the vault
    // holds its only copy).
    for (const [file, title, year, seed] of [
      [sintel, 'Sintel', 2010, 11],
      [bunny, 'Big Buck Bunny', 2008, 12],
    ] as const) {
      makeVideo(local(file), 1, seed);
      hashes[file] = sha256(local(file));
      const res = await post(
        arr.radarrDownload({ title, year, folderPath: folderOf(file), filePath: arrPath(file) }),
      );
      expect(res.status).toBe(202);
      await env.waitForStage(mediaItemWorkflowId(file), 'resident');
    }
    await env.client.workflow.getHandle(mediaItemWorkflowId(sintel)).signal(evictSignal);
    await env.waitForStage(mediaItemWorkflowId(sintel), 'evicted');
  });
  afterAll(async () => {
    await env.close();
  });

  function local(p: string): string {
    return path.join(env.localRoot, p);
  }
  function post(body: unknown) {
    return request(app)
      .post('/api/v1/webhooks/radarr')
      .set('X-Api-Key', token)
      .send(body as object);
  }
  const vault = (p: string) => path.join(env.vaultDir, p);
  /** sha256 of every file on the vault, trash included. */
  const vaultHashes = () =>
    readdirSync(env.vaultDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => sha256(path.join(e.parentPath, e.name)));
  const rename = (from: string, to: string) =>
    post(
      arr.radarrRename({
        title: 'Sintel',
        year: 2010,
        folderPath: folderOf(to),
        from: arrPath(from),
        to: arrPath(to),
      }),
    );

  test('a Rename onto an evicted movie’s file is refused with 409 and both vault copies stay as they were', async () => {
    const res = await rename(bunny, sintel);
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('conflict');
    expect(res.body.problems.join('\n')).toContain(
      `${sintel} belongs to item ${mediaItemWorkflowId(sintel)} (evicted from the local disk: the vault holds its only copy)`,
    );
    // Nothing was recorded, so nothing is forwarded later either.
    const { rows } = await env.pool.query(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE event_type = 'Rename'",
    );
    expect(rows[0].n).toBe(0);
    await new Promise((r) => setTimeout(r, 2000));
    expect(sha256(vault(sintel))).toBe(hashes[sintel]);
    expect(sha256(vault(bunny))).toBe(hashes[bunny]);
  });

  test('a Rename onto a resident movie’s file is refused with 409 too', async () => {
    const res = await rename(sintel, bunny);
    expect(res.status).toBe(409);
    expect(res.body.problems.join('\n')).toContain(
      `${bunny} belongs to item ${mediaItemWorkflowId(bunny)} (resident`,
    );
    expect(sha256(vault(bunny))).toBe(hashes[bunny]);
  });

  test('a Download of a different file at an evicted movie’s path is refused with 409 and its only copy stays', async () => {
    makeVideo(local(sintel), 1, 99); // not Sintel: another file Radarr put at its path
    const res = await post(
      arr.radarrDownload({
        title: 'Sintel',
        year: 2010,
        folderPath: folderOf(sintel),
        filePath: arrPath(sintel),
      }),
    );
    expect(res.status).toBe(409);
    expect(res.body.problems.join('\n')).toContain('not an upgrade of it (not in deletedFiles)');
    await new Promise((r) => setTimeout(r, 2000));
    expect(sha256(vault(sintel))).toBe(hashes[sintel]);
  });

  test('a Download announcing the file the catalog already records is accepted', async () => {
    const res = await post({
      ...arr.radarrDownload({
        title: 'Big Buck Bunny',
        year: 2008,
        folderPath: folderOf(bunny),
        filePath: arrPath(bunny),
      }),
      downloadId: 'ANOTHERDOWNLOAD',
    });
    expect(res.status).toBe(202);
    await env.waitForStage(mediaItemWorkflowId(bunny), 'resident');
    expect(sha256(vault(bunny))).toBe(hashes[bunny]);
  });

  test('a rename signal that bypasses the API is refused by the workflow and recorded, every byte kept', async () => {
    const handle = env.client.workflow.getHandle(mediaItemWorkflowId(bunny));
    await handle.signal(renamedSignal, { libraryPath: sintel });
    await waitFor(
      'the refusal in the catalog',
      async () =>
        (
          await env.pool.query("SELECT 1 FROM events WHERE workflow_id = $1 AND outcome = 'rename-refused'", [
            mediaItemWorkflowId(bunny),
          ])
        ).rowCount === 1,
      30_000,
    );
    expect((await env.waitForStage(mediaItemWorkflowId(bunny), 'resident')).libraryPath).toBe(bunny);
    expect(sha256(vault(sintel))).toBe(hashes[sintel]);
    expect(sha256(vault(bunny))).toBe(hashes[bunny]);
  });

  test('an upgrade over the same path keeps the replaced bytes in the vault trash', async () => {
    const before = hashes[bunny]!;
    makeVideo(local(bunny), 2, 13);
    const mtime = new Date(statSync(local(bunny)).mtimeMs + 5000);
    utimesSync(local(bunny), mtime, mtime);
    const res = await post(
      arr.radarrDownload({
        title: 'Big Buck Bunny',
        year: 2008,
        folderPath: folderOf(bunny),
        filePath: arrPath(bunny),
        deleted: [arrPath(bunny)],
      }),
    );
    expect(res.status).toBe(202);
    const upgraded = sha256(local(bunny));
    await waitFor('the upgrade on the vault', async () => sha256(vault(bunny)) === upgraded, 60_000);
    expect(vaultHashes()).toEqual(expect.arrayContaining([before, upgraded, hashes[sintel]]));
  });

  test('the catalog refuses a second live item at one library path', async () => {
    await expect(
      env.pool.query(
        `INSERT INTO media_items (workflow_id, host_id, library_path, stage) VALUES ('media:intruder', 'h', $1, 'resident')`,
        [sintel],
      ),
    ).rejects.toThrow(/media_items_one_carrier/);
  });
});
