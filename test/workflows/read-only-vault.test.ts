/**
 * A vault that refuses writes — `rclone serve webdav --read-only`, a local folder mounted
 * read-only — parks the item in `failed-needs-attention` within `vault.copyAttempts` attempts,
 * with rclone's message in a sentence; once the vault takes writes again, `vaultarr items retry`
 * takes the item to `resident`. Real Temporal, real rclone, a real read-only mount.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { isMounted } from '../../lib/infra/union.js';
import { makeVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const COPY_ATTEMPTS = 3;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The highest attempt of the item's `copyAndVerify` activity in its workflow history. */
async function copyAttemptsMade(env: WorkflowTestEnv, workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const copies = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'copyAndVerify')
      .map((e) => String(e.eventId)),
  );
  return Math.max(
    0,
    ...events
      .map((e) => e.activityTaskStartedEventAttributes)
      .filter((a) => a && copies.has(String(a.scheduledEventId)))
      .map((a) => a!.attempt ?? 0),
  );
}

/**
 * Drops a movie into the env's Incoming/, waits for it to park, checks the reason and the
 * attempts, lets the vault take writes (`writable`), retries it from the CLI and waits for
 * `resident`.
 */
async function refusedThenRetried(
  env: WorkflowTestEnv,
  vaultDir: string,
  rcloneSaid: RegExp,
  writable: () => Promise<void>,
): Promise<void> {
  const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
  makeVideo(path.join(env.localRoot, release), 1, 7);
  const workflowId = await env.startIncoming(release);
  const parked = await env.waitForStage(workflowId, 'failed-needs-attention', 120_000);
  expect(parked.failedStage).toBe('copying');
  expect(parked.reason).toMatch(/^the vault refuses writes: is it read-only or out of space\? rclone said: /);
  expect(parked.reason).toMatch(rcloneSaid);
  expect(await copyAttemptsMade(env, workflowId)).toBe(COPY_ATTEMPTS);

  await writable();
  const retried = await env.cli('items', 'retry', workflowId);
  expect(retried.stderr).toBe('');
  expect(retried.status).toBe(0);
  await env.waitForStage(workflowId, 'resident', 120_000);
  const libraryPath = 'Movies/Heat (1995)/Heat (1995).mkv';
  expect(sha256(path.join(vaultDir, libraryPath))).toBe(sha256(path.join(env.localRoot, libraryPath)));
}

describe('a read-only WebDAV vault (rclone serve webdav --read-only)', () => {
  let env: WorkflowTestEnv;
  let webdav: WebdavServer;
  let dirs: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    dirs = tempDir('vaultarr-readonly-webdav-');
    webdav = await startWebdav(path.join(dirs.dir, 'webdav'), undefined, { readOnly: true });
    env = await createWorkflowTestEnv({
      config: { vault: { copyAttempts: COPY_ATTEMPTS } },
      rcloneClient: (options) => new Rclone({ ...options, remote: webdav.remote }),
    });
  });

  afterAll(async () => {
    await env?.close();
    await webdav?.stop();
    dirs?.cleanup();
  });

  test('parks the item in failed-needs-attention with the refusal as a sentence within vault.copyAttempts attempts, and retry takes it to resident once the vault takes writes', async () => {
    await refusedThenRetried(env, webdav.dir, /404 Not Found|409 Conflict/, async () => {
      await webdav.stop();
      webdav = await startWebdav(webdav.dir, webdav.port);
    });
  });
});

describe('a read-only local folder vault', () => {
  let env: WorkflowTestEnv;

  beforeAll(async () => {
    env = await createWorkflowTestEnv({ config: { vault: { copyAttempts: COPY_ATTEMPTS } } });
    // Read-only for root too (a chmod is not): a read-only bind mount of the folder on itself.
    execFileSync('mount', ['--bind', env.vaultDir, env.vaultDir]);
    execFileSync('mount', ['-o', 'remount,bind,ro', env.vaultDir]);
  });

  afterAll(async () => {
    if (env && isMounted(env.vaultDir)) execFileSync('umount', ['-l', env.vaultDir]);
    await env?.close();
  });

  test('parks the item in failed-needs-attention with the refusal as a sentence within vault.copyAttempts attempts, and retry takes it to resident once the folder is writable', async () => {
    await refusedThenRetried(env, env.vaultDir, /read-only file system/, async () => {
      execFileSync('umount', [env.vaultDir]);
    });
  });
});
