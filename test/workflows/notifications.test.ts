/**
 * Notifications through the real `apprise` command to its `json://` target, received by a local
 * HTTP server: which events send a message, what it says, and that each event sends one.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { retrySignal } from '../../domain/messages.js';
import { NOTIFICATION_CHECKS_WORKFLOW } from '../../domain/notifications.js';
import { UserError } from '../../lib/errors.js';
import { registerHost } from '../../lib/hosts.js';
import { freePort, waitFor } from '../../lib/infra/wait.js';
import {
  checkApprise,
  ensureNotificationSchedules,
  NOTIFICATION_SCHEDULE_IDS,
} from '../../lib/notifications.js';
import { addPeer } from '../../lib/peers.js';
import { makeVideo, uniqueName } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

/** What Apprise's `json://` target posts. */
interface AppriseJson {
  version: string;
  title: string;
  message: string;
  type: string;
}

describe('notifications through Apprise', () => {
  let env: WorkflowTestEnv;
  let receiver: Server;
  const received: AppriseJson[] = [];
  const marker = `/tmp/vaultarr-notify-corrupt-${process.pid}`;
  const titled = (text: string) => received.filter((m) => m.title.includes(text));
  const checks = (kind: 'watch' | 'digest') =>
    env.client.workflow.execute(NOTIFICATION_CHECKS_WORKFLOW, {
      workflowId: uniqueName(`checks-${kind}`),
      taskQueue: env.taskQueue,
      args: [{ kind }],
    });

  beforeAll(async () => {
    const port = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as AppriseJson);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    // A real rclone behind a wrapper that, while the marker exists, truncates what it copied: the
    // verification fails and the item parks.
    const wrapper = `/tmp/vaultarr-notify-rclone-${process.pid}.sh`;
    writeFileSync(
      wrapper,
      `#!/bin/bash\nrclone "$@"; rc=$?\nif [ "$1" = copy ] && [ -f ${marker} ]; then find "$3" -type f -name '*.mkv' -exec truncate -s 100 {} \\;; fi\nexit $rc\n`,
    );
    chmodSync(wrapper, 0o755);
    env = await createWorkflowTestEnv({
      config: {
        vault: { rcloneBinary: wrapper, rcloneDaemon: false, verifyAttempts: 1 },
        notifications: {
          urls: [`json://127.0.0.1:${port}/`],
          hostOfflineMinutes: 0.0001,
          peerUnreachableHours: 0.0001,
        },
      },
    });
  });
  afterAll(async () => {
    await env?.close();
    receiver?.close();
    rmSync(marker, { force: true });
  });

  test('an item parked twice in a row sends one "needs attention" message naming the item, the stage and the reason', async () => {
    writeFileSync(marker, '');
    const release = 'Incoming/Alien.1979.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 21);
    const workflowId = await env.startIncoming(release);
    await env.waitForStage(workflowId, 'failed-needs-attention');
    await waitFor('the message', async () => titled('needs attention').length === 1, 30_000);
    // Retried with the fault still there: it parks again, and nobody is told twice.
    await env.client.workflow.getHandle(workflowId).signal(retrySignal);
    await waitFor(
      'the second parking',
      async () =>
        (
          await env.pool.query(
            "SELECT count(*)::int AS n FROM events WHERE workflow_id = $1 AND stage = 'failed-needs-attention'",
            [workflowId],
          )
        ).rows[0].n === 2,
      60_000,
    );
    rmSync(marker);
    await env.client.workflow.getHandle(workflowId).signal(retrySignal);
    await env.waitForStage(workflowId, 'resident');

    const [message] = titled('needs attention');
    expect(titled('needs attention')).toHaveLength(1);
    expect(message).toMatchObject({ title: 'vaultarr: Alien (1979) needs attention', type: 'failure' });
    expect(message!.message).toContain(
      'Alien (1979) stopped while verifying: vault copy failed verification 1 times',
    );
    expect(message!.message).toContain(`vaultarr items retry ${workflowId}`);
  });

  test('an item waiting for approval sends one message with the reason it waits and that it is safe in the vault', async () => {
    const release = 'Incoming/holiday_video.mp4';
    makeVideo(path.join(env.localRoot, release), 1, 22);
    const workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'awaiting-approval');
    await waitFor('the message', async () => titled('awaits approval').length === 1, 30_000);
    const [message] = titled('awaits approval');
    expect(message).toMatchObject({ title: 'vaultarr: holiday_video.mp4 awaits approval', type: 'warning' });
    expect(message!.message).toContain(
      `holiday_video.mp4 waits in Unsorted/holiday_video.mp4: ${status.reason}`,
    );
    expect(message!.message).toContain(
      'Safe in the vault: Unsorted/holiday_video.mp4 was copied to the vault and verified (sha256, ',
    );
    expect(message!.message).toContain(`Item ${workflowId} on host ${env.hostId}.`);
  });

  test('an item waiting for approval whose vault copy failed says it is not safe, and why', async () => {
    writeFileSync(marker, ''); // the vault copy of every .mkv comes out truncated
    const release = 'Incoming/VID_20240101_120000.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 23);
    const workflowId = await env.startIncoming(release);
    try {
      await waitFor('the message', async () => titled('VID_20240101_120000.mkv awaits').length === 1, 30_000);
    } finally {
      rmSync(marker, { force: true });
    }
    const [message] = titled('VID_20240101_120000.mkv awaits');
    expect(message!.message).toContain(
      'NOT safe: its copy to the vault failed: Unsorted/VID_20240101_120000.mkv: vault size 100 B',
    );
    const shown = await env.cli('items', 'show', workflowId);
    expect(shown.stdout).toMatch(/^vault: +NOT safe: its copy to the vault failed/m);
  });

  test("an item waiting with the sorter's suggestions lists them, numbered as items approve --suggestion takes them", async () => {
    const release = 'Incoming/Casablanca 1942.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 24);
    const workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(status.suggestions?.length).toBeGreaterThan(0);
    await waitFor(
      'the message',
      async () => titled('Casablanca 1942.mkv awaits approval').length === 1,
      30_000,
    );
    const [message] = titled('Casablanca 1942.mkv awaits approval');
    expect(message!.message).toContain(
      `Suggestions:\n  1. Casablanca (1942) (from ${status.suggestions![0]!.source})`,
    );
    expect(message!.message).toContain(
      `Approve one with: vaultarr items approve ${workflowId} --suggestion <N>`,
    );
  });

  test('a host nobody polls is reported offline once, however often the checks run', async () => {
    await registerHost(env.pool, 'gone-host', '/srv/gone/.Local');
    await checks('watch');
    await checks('watch');
    const messages = titled('host gone-host is offline');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.message).toContain("No worker has polled gone-host's task queue");
    expect(titled(`host ${env.hostId}`)).toHaveLength(0);
  });

  test('a peer whose deliveries keep failing is reported unreachable once', async () => {
    await addPeer(env.pool, {
      name: 'far-away',
      url: `http://127.0.0.1:${await freePort()}`,
      token: 'vt_' + 'x'.repeat(24),
    });
    const release = 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv';
    makeVideo(path.join(env.localRoot, release), 1, 23);
    await env.waitForStage(await env.startIncoming(release), 'resident');
    await new Promise((r) => setTimeout(r, 1000));
    await checks('watch');
    await checks('watch');
    const messages = titled('peer far-away unreachable');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.message).toMatch(
      /Deliveries to peer far-away have been failing since .* \(1 waiting\)/,
    );
  });

  test('the daily digest counts the day and goes out once per day', async () => {
    await checks('digest');
    await checks('digest');
    const digests = titled('daily digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]!.message).toMatch(/^Last 24 hours: 2 item\(s\) vaulted \(0\.00 GiB\), 0 eviction\(s\)/);
    expect(digests[0]!.message).toContain(
      'Waiting for a person: 0 item(s) need attention, 3 await approval.',
    );
  });
});

describe('the notification Schedules', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
  });
  afterAll(async () => {
    for (const id of Object.values(NOTIFICATION_SCHEDULE_IDS))
      await env.client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    await env.close();
  });

  test('are created once and follow a changed digestAt at the next start', async () => {
    const digestAt = async () => {
      const { spec } = await env.client.schedule.getHandle(NOTIFICATION_SCHEDULE_IDS.digest).describe();
      const at = spec.calendars?.[0];
      return `${String(at?.hour?.[0]?.start).padStart(2, '0')}:${String(at?.minute?.[0]?.start).padStart(2, '0')}`;
    };
    await ensureNotificationSchedules(env.client, { digestAt: '08:00' }, env.taskQueue);
    expect(await digestAt()).toBe('08:00');
    await ensureNotificationSchedules(env.client, { digestAt: '21:30' }, env.taskQueue);
    expect(await digestAt()).toBe('21:30');
    const watch = await env.client.schedule.getHandle(NOTIFICATION_SCHEDULE_IDS.watch).describe();
    expect(watch.action).toMatchObject({
      workflowType: 'notificationChecksWorkflow',
      args: [{ kind: 'watch' }],
    });
  });
});

describe('a missing apprise command', () => {
  test('is a start-up error naming the command only when notifications are configured', () => {
    expect(() => checkApprise({ urls: [], appriseBinary: '/nonexistent/apprise' })).not.toThrow();
    expect(() =>
      checkApprise({ urls: ['json://127.0.0.1:1/'], appriseBinary: '/nonexistent/apprise' }),
    ).toThrow(UserError);
  });

  test('stops `vaultarr worker` with that sentence and exit code 1', () => {
    const run = spawnSync(process.execPath, [path.resolve('dist/cli/vaultarr.js'), 'worker'], {
      env: {
        PATH: process.env.PATH,
        VAULTARR_NOTIFICATIONS__URLS: '["json://127.0.0.1:1/"]',
        VAULTARR_NOTIFICATIONS__APPRISE_BINARY: '/nonexistent/apprise',
        VAULTARR_TEMPORAL__ADDRESS: '127.0.0.1:1',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toContain(
      'notifications.urls is set but the apprise command (/nonexistent/apprise) does not run',
    );
  });
});
