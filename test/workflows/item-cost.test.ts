/**
 * What an item costs the engine: the history events from `Incoming/` to `resident`, with no one to
 * tell and with one media server and one peer (issue 14's budgets: 25 and 35), and which
 * activities it runs (one per stage, no catalog activity).
 */
import { temporal } from '@temporalio/proto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { cancelSignal } from '../../domain/messages.js';
import { addPeer } from '../../lib/peers.js';
import { makeVideo } from '../helpers/env.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';
import { FakePlex } from '../fakes/plex.js';

const EventType = temporal.api.enums.v1.EventType;

/** The item's history once it is resident: its length and the activities it scheduled. */
async function costOf(env: WorkflowTestEnv, release: string) {
  makeVideo(path.join(env.localRoot, release), 1, 3);
  const workflowId = await env.startIncoming(release);
  await env.waitForStage(workflowId, 'resident');
  const handle = env.client.workflow.getHandle(workflowId);
  const { events } = await handle.fetchHistory();
  await handle.signal(cancelSignal);
  return {
    events: events!.length,
    activities: events!
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name),
    upserts: events!.filter((e) => e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
      .length,
    markers: events!.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).length,
    signals: events!.filter(
      (e) => e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    ).length,
  };
}

describe('what an item costs the engine', () => {
  test('Incoming/ to resident with no media server and no peer: at most 25 events, two activities', async () => {
    const env = await createWorkflowTestEnv();
    try {
      const cost = await costOf(env, 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv');
      expect(cost.events).toBeLessThanOrEqual(25);
      expect(cost.activities).toEqual(['sortRelease', 'copyAndVerify']);
      // Once per stage change: copying (with kind, title, path), then resident; and the SDK's
      // `TemporalChangeVersion` with the marker of the patch that reads the settings again.
      expect(cost.upserts).toBe(3);
      // The settings read as the run starts, which records sorting/entered too (the sort records
      // copying/entered, the copy the rest); the patch's marker; the settings read again before
      // the copied file is announced (a media server or peer added meanwhile is told).
      expect(cost.markers).toBe(3);
      // Eviction is off in this env (and the disk far from full): no janitor is signalled.
      expect(cost.signals).toBe(0);
    } finally {
      await env.close();
    }
  });

  test('with one media server and one peer: at most 35 events, the scan and the delivery both done', async () => {
    const plex = new FakePlex({
      token: 'plex-token',
      sections: [{ key: '1', title: 'Movies', type: 'movie', locations: ['/media/Movies'] }],
    });
    await plex.start();
    // The peer answers every notification; its delivery is a workflow of its own, not counted here.
    const peer: Server = createServer((_req, res) => res.writeHead(202).end('{}'));
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const env = await createWorkflowTestEnv({
      config: {
        mediaServers: [{ name: 'plex', type: 'plex', url: plex.url, token: 'plex-token' }],
        union: { mediaMount: '/media' },
        scan: { mergeWindowSeconds: 0 },
      },
    });
    try {
      const port = (peer.address() as AddressInfo).port;
      await addPeer(env.pool, { name: 'bob', url: `http://127.0.0.1:${port}`, token: 'x'.repeat(32) });
      const cost = await costOf(env, 'Incoming/Ronin.1998.1080p.BluRay.x264-GROUP.mkv');
      expect(cost.events).toBeLessThanOrEqual(35);
      expect(cost.activities).toEqual(['sortRelease', 'copyAndVerify', 'scanMediaServer']);
      expect(plex.refreshes).toEqual([{ key: '1', path: '/media/Movies/Ronin (1998)' }]);
      const { rows } = await env.pool.query(
        "SELECT details FROM events WHERE outcome = 'announced' AND details->>'event' = 'imported'",
      );
      expect(rows[0].details).toMatchObject({ scanned: ['plex'], peers: ['bob'] });
    } finally {
      await env.close();
      await plex.stop();
      peer.close();
    }
  });
});
