/**
 * The real API, dev server and vault of the *arr webhook tests (test/api/webhooks-*): one workflow
 * test env and API per test file ({@link useWebhookApi}), and what the tests do with them: post a
 * webhook, find a file in the library or on the vault, wait for an item to be verified.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import type { ApiSettings } from '../../api/app.js';
import { statusQuery } from '../../domain/messages.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeVideo } from './env.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from './workflow-env.js';

/** The sha256 of a file's bytes, hex. */
export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** Today's date as the vault trash names its folders (`YYYY-MM-DD`, UTC). */
export const today = () => new Date().toISOString().slice(0, 10);

/** This file's test env (library, vault, Temporal client, Postgres). */
export let env: WorkflowTestEnv;
/** This file's API. */
export let app: Express;
/** A token with every scope. */
export let token: string;

/**
 * Starts a test env and an API on it before the file's tests, closes it after them (call it at the
 * top of a test file).
 *
 * @param settings - API settings to change (e.g. `authFailureLimit`)
 */
export function useWebhookApi(settings: Partial<ApiSettings> = {}): void {
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
    ({ app, token } = await createTestApi(env, settings));
  });
  afterAll(async () => {
    await env.close();
  });
}

/** Posts a webhook of `appName` with the token as `X-Api-Key`. */
export const post = (appName: string, body: unknown) =>
  request(app)
    .post(`/api/v1/webhooks/${appName}`)
    .set('X-Api-Key', token)
    .send(body as object);
/** A library-relative path on the local disk. */
export const local = (p: string) => path.join(env.localRoot, p);
/** A library-relative path on the vault. */
export const vault = (p: string) => path.join(env.vaultDir, p);
/** The item's `status` query, by library path. */
export const stageOf = (libraryPath: string) =>
  env.client.workflow.getHandle(mediaItemWorkflowId(libraryPath)).query(statusQuery);
/** Waits until the item is resident, then checks that the vault holds the local bytes. */
export const waitVerified = async (libraryPath: string) => {
  await env.waitForStage(mediaItemWorkflowId(libraryPath), 'resident');
  expect(sha256(vault(libraryPath))).toBe(sha256(local(libraryPath)));
};
/** A file the *arr "imported" into its library (1 MiB of video from `seed`). */
export const imported = (libraryPath: string, seed: number) => makeVideo(local(libraryPath), 1, seed);
