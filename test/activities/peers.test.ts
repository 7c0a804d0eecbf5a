/**
 * `notifyPeer` against real local HTTP servers: a peer that redirects is a failure naming the
 * `Location`, and the Bearer token never reaches where the redirect points.
 */
import { ApplicationFailure } from '@temporalio/common';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPeerActivities } from '../../activities/peers/activities.js';
import { FailureType } from '../../domain/failures.js';
import type { PeerNotification } from '../../domain/peers.js';
import { createPool } from '../../lib/db.js';
import { addPeer } from '../../lib/peers.js';
import { failureOf, freshDatabase } from '../helpers/env.js';

const notification: PeerNotification = {
  notificationId: 'media:abc#1',
  itemId: 'media:abc',
  seq: 1,
  event: 'imported',
  libraryPath: 'Movies/Heat (1995)/Heat (1995).mkv',
  kind: 'movie',
  title: 'Heat',
  year: 1995,
  ids: {},
};

/** A server on a loopback port answering every request with `answer`, recording what it got. */
async function serve(
  answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string },
): Promise<{ url: string; requests: IncomingMessage[]; server: Server }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    req.resume();
    const a = answer(req);
    res.writeHead(a.status, a.headers).end(a.body ?? '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

describe('notifyPeer', () => {
  let pool: ReturnType<typeof createPool>;
  const servers: Server[] = [];
  beforeAll(async () => {
    pool = createPool(await freshDatabase());
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await pool.end();
  });

  test('a peer that redirects is a non-retried failure naming the Location, and the token is not sent there', async () => {
    const elsewhere = await serve(() => ({ status: 200, body: '{"status":"accepted"}' }));
    const redirecting = await serve(() => ({
      status: 307,
      headers: { location: `${elsewhere.url}/api/v1/peers/notify` },
    }));
    servers.push(elsewhere.server, redirecting.server);
    await addPeer(pool, { name: 'bob', url: redirecting.url, token: 'vt_peer-secret-token' });
    const activities = createPeerActivities({ pool, rclone: undefined as never, fetchTimeoutMs: 5_000 });

    const failure = await failureOf(activities.notifyPeer({ peer: 'bob', notification }));

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(FailureType.PEER_REJECTED);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect(failure.message).toContain('307');
    expect(failure.message).toContain(`${elsewhere.url}/api/v1/peers/notify`);
    expect(redirecting.requests[0]?.headers.authorization).toBe('Bearer vt_peer-secret-token');
    expect(elsewhere.requests).toHaveLength(0);
  });

  test('a peer URL holding credentials is refused with a sentence that does not show them', async () => {
    const refused = addPeer(pool, {
      name: 'erin',
      url: 'http://erin:PeerUrlSecret8@127.0.0.1:1',
      token: 'vt_erin-token',
    });
    await expect(refused).rejects.toThrow(/url: must not carry a user or password/);
    await expect(refused).rejects.not.toThrow(/PeerUrlSecret8/);
  });

  test('a failure naming a peer whose stored URL holds credentials (added before they were refused) does not show them', async () => {
    await pool.query(`INSERT INTO peers (name, url, token) VALUES ('dave', $1, 'vt_dave-token')`, [
      'http://dave:PeerUrlSecret9@127.0.0.1:1',
    ]);
    const activities = createPeerActivities({ pool, rclone: undefined as never, fetchTimeoutMs: 2_000 });

    const failure = await failureOf(activities.notifyPeer({ peer: 'dave', notification }));

    expect(failure.message).toContain('peer "dave" at http://dave:***@127.0.0.1:1');
    expect(failure.message).not.toContain('PeerUrlSecret9');
  });

  test('a peer that answers directly gets the notification with its token', async () => {
    const peer = await serve(() => ({ status: 200, body: '{"status":"accepted","workflowId":"w1"}' }));
    servers.push(peer.server);
    await addPeer(pool, { name: 'carol', url: peer.url, token: 'vt_carol-token' });
    const activities = createPeerActivities({ pool, rclone: undefined as never });

    expect(await activities.notifyPeer({ peer: 'carol', notification })).toEqual({
      status: 'accepted',
      workflowId: 'w1',
    });
    expect(peer.requests[0]?.headers.authorization).toBe('Bearer vt_carol-token');
  });
});
