/**
 * The real API, dev server and vault of the *arr webhook tests (test/api/webhooks-*): one workflow
 * test env and API per test file ({@link useWebhookApi}), and what the tests do with them: post a
 * webhook, put a file in the library, find one on the vault or in its trash, wait for an item to be
 * verified or deleted, for a vault copy to be renamed or a vault folder to be gone.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import type { ApiSettings } from '../../api/app.js';
import { statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
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
/** Posts a webhook of `appName` and checks it was accepted for forwarding (202). */
export async function postAccepted(appName: string, body: unknown) {
  const res = await post(appName, body);
  expect(res.status).toBe(202);
  return res;
}
/** A file the *arr "imported" into its library: `content` at a library-relative path. */
export function importedText(libraryPath: string, content: string): void {
  mkdirSync(path.dirname(local(libraryPath)), { recursive: true });
  writeFileSync(local(libraryPath), content);
}
/** Whether today's vault trash holds the library-relative path. */
export const inTrash = (libraryPath: string) => existsSync(vault(`.trash/${today()}/${libraryPath}`));
/** Waits until the item ends `deleted`; its final status. */
export const waitDeleted = (libraryPath: string) =>
  env.waitForStage(mediaItemWorkflowId(libraryPath), 'deleted');
/** Waits until the vault copy at `from` is at `to` and no longer at `from`. */
export const waitRenamed = (from: string, to: string) =>
  waitFor('the renamed vault copy', async () => existsSync(vault(to)) && !existsSync(vault(from)), 30_000);
/** Waits until `what`, a library-relative folder, is gone from the vault. */
export const waitGone = (what: string, folder: string) =>
  waitFor(what, async () => !existsSync(vault(folder)), 30_000);
