/**
 * What the *arr webhook tests ask of a workflow test env and its API: post a webhook, find a file
 * in the library or on the vault, drop an "imported" file, wait until it is verified on the vault.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeVideo } from './env.js';
import type { WorkflowTestEnv } from './workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * The helpers, reading the env, app and token when called (a test file sets them in `beforeAll`).
 *
 * @param current - the test file's env, its API app and a token with every scope
 */
export function webhookHelpers(current: () => { env: WorkflowTestEnv; app: Express; token: string }) {
  const post = (appName: string, body: unknown) =>
    request(current().app)
      .post(`/api/v1/webhooks/${appName}`)
      .set('X-Api-Key', current().token)
      .send(body as object);
  /** A library path in `.Local`, and on the vault. */
  const local = (p: string) => path.join(current().env.localRoot, p);
  const vault = (p: string) => path.join(current().env.vaultDir, p);
  /** Waits until the item of a library path is `resident` with a byte-identical vault copy. */
  const waitVerified = async (libraryPath: string) => {
    await current().env.waitForStage(mediaItemWorkflowId(libraryPath), 'resident');
    expect(sha256(vault(libraryPath))).toBe(sha256(local(libraryPath)));
  };
  /** A file the *arr "imported" into its library. */
  const imported = (libraryPath: string, seed: number) => makeVideo(local(libraryPath), 1, seed);
  return { post, local, vault, waitVerified, imported, sha256 };
}
