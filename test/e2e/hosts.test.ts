/**
 * Several hosts: two `vaultarr worker` processes (and their watchers) with their own `hostId` and
 * `.Local`, one Temporal and one Postgres. Each host's disk work runs only on its own worker; a
 * dead host's items wait for it while the other host carries on.
 */
import { Client, Connection } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { statusQuery } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { Component } from '../helpers/component.js';
import {
  freshDatabase,
  makeLibrary,
  makeVideo,
  tempDir,
  temporalAddress,
  uniqueName,
} from '../helpers/env.js';

const HOST_ACTIVITIES = new Set(['sortRelease', 'copyAndVerify']);

interface Host {
  id: string;
  local: string;
  worker: Component;
  watcher: Component;
  /** What the worker prints once it polls. */
  ready: string;
}

describe('workers on several hosts', () => {
  const { dir, cleanup } = tempDir('vaultarr-hosts-');
  const cloud = path.join(dir, 'cloud');
  let client: Client;
  let hosts: Host[];
  let env: (h: { id: string; local: string }) => Record<string, string>;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase();
    mkdirSync(cloud, { recursive: true });
    env = (h) => ({
      VAULTARR_HOST_ID: h.id,
      VAULTARR_DATA_DIR: path.join(dir, h.id),
      VAULTARR_LIBRARY__LOCAL_ROOT: h.local,
      VAULTARR_TEMPORAL__ADDRESS: temporalAddress(),
      VAULTARR_VAULT__REMOTE: cloud,
      VAULTARR_WATCHER__SETTLE_SECONDS: '1',
      VAULTARR_INTAKE__SETTLE_SECONDS: '1',
      DATABASE_URL: databaseUrl,
    });
    // pi-b is a small storage host in the host-only profile: its worker runs only its activity
    // queue, one activity at a time (worker.hostActivities); pi-a's worker runs every workflow.
    hosts = ['pi-a', 'pi-b'].map((name) => {
      const id = uniqueName(name);
      const local = path.join(dir, id, '.Local');
      makeLibrary(local);
      const hostOnly = name === 'pi-b';
      return {
        id,
        local,
        worker: new Component(
          'worker',
          {
            ...env({ id, local }),
            ...(hostOnly
              ? { VAULTARR_WORKER__HOST_ONLY: 'true', VAULTARR_WORKER__HOST_ACTIVITIES: '1' }
              : {}),
          },
          dir,
        ),
        watcher: new Component('watcher', env({ id, local }), dir),
        ready: hostOnly ? 'host activity worker running' : 'workers running',
      };
    });
    for (const h of hosts) {
      await h.worker.start(h.ready);
      await h.watcher.start('watching Incoming/');
    }
    client = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  }, 240_000);

  afterAll(async () => {
    for (const h of hosts ?? []) {
      await h.watcher.kill();
      await h.worker.kill();
    }
    await client?.connection.close();
    cleanup();
  });

  const drop = (host: Host, name: string, seed: number) => {
    const staged = path.join(dir, `${name}.staging.mkv`);
    makeVideo(staged, 1, seed);
    renameSync(staged, path.join(host.local, 'Incoming', name));
  };

  /** Workflow IDs of a host's items, once `count` of them exist. */
  const itemsOf = async (host: Host, count: number): Promise<string[]> => {
    let ids: string[] = [];
    await waitFor(`${count} items on ${host.id}`, async () => {
      ids = [];
      for await (const wf of client.workflow.list({
        query: `WorkflowType = "mediaItemWorkflowV2" AND VaultarrHostId = "${host.id}"`,
      }))
        ids.push(wf.workflowId);
      return ids.length >= count;
    });
    return ids;
  };

  const stageOf = (id: string) =>
    client.workflow
      .getHandle(id)
      .query(statusQuery)
      .then((s) => s.stage);

  const waitResident = (ids: string[]) =>
    waitFor(
      `${ids.length} items resident`,
      async () => (await Promise.all(ids.map(stageOf))).every((s) => s === 'resident'),
      120_000,
    );

  /** Worker identities (`pid@host`) that ran the item's host activities. */
  const hostActivityWorkers = async (id: string): Promise<Set<string>> => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const scheduled = new Map<string, string>();
    const identities = new Set<string>();
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s && HOST_ACTIVITIES.has(s.activityType?.name ?? ''))
        scheduled.set(String(e.eventId), s.taskQueue?.name ?? '');
      const started = e.activityTaskStartedEventAttributes;
      if (started && scheduled.has(String(started.scheduledEventId))) identities.add(started.identity ?? '');
    }
    return identities;
  };

  /** When each host activity of the item ran: [started, closed] in epoch ms. */
  const hostActivitySpans = async (id: string): Promise<Array<[number, number]>> => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
      Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
    const started = new Map<string, number>();
    const spans: Array<[number, number]> = [];
    const host = new Set<string>();
    for (const e of history.events ?? []) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s && HOST_ACTIVITIES.has(s.activityType?.name ?? '')) host.add(String(e.eventId));
      const st = e.activityTaskStartedEventAttributes;
      if (st && host.has(String(st.scheduledEventId))) started.set(String(e.eventId), ms(e.eventTime));
      const closed =
        e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? undefined;
      const at = closed ? started.get(String(closed.startedEventId)) : undefined;
      if (at !== undefined) spans.push([at, ms(e.eventTime)]);
    }
    return spans;
  };

  /** Worker identities (`pid@host`) that ran the item's workflow tasks. */
  const workflowTaskWorkers = async (id: string): Promise<Set<string>> => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    return new Set(
      (history.events ?? [])
        .map((e) => e.workflowTaskStartedEventAttributes?.identity)
        .filter((i): i is string => Boolean(i)),
    );
  };

  /** `vaultarr hosts --json`, run as a user would on the first host. */
  const listHosts = () => {
    const res = spawnSync(process.execPath, [path.resolve('dist/cli/vaultarr.js'), 'hosts', '--json'], {
      cwd: dir,
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VAULTARR_'))),
        ...env(hosts[0]!),
      },
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    return JSON.parse(res.stdout) as Array<{
      hostId: string;
      online: boolean;
      lastPollAt?: string;
      itemsInFlight: number;
    }>;
  };

  test("each host's files are sorted, copied and verified by its own worker only", async () => {
    const [a, b] = hosts;
    drop(a!, 'The.Matrix.1999.1080p.BluRay.x264-GRP.mkv', 1);
    drop(a!, 'Heat.1995.720p.BluRay.x264-GRP.mkv', 2);
    drop(b!, 'Alien.1979.1080p.BluRay.x264-GRP.mkv', 3);
    drop(b!, 'Arrival.2016.1080p.BluRay.x264-GRP.mkv', 4);
    for (const h of [a!, b!]) {
      const ids = await itemsOf(h, 2);
      await waitResident(ids);
      for (const id of ids) {
        const workers = await hostActivityWorkers(id);
        expect([...workers]).toEqual([expect.stringMatching(new RegExp(`^${h.worker.pid}@`))]);
        // Every workflow task ran on pi-a: the host-only worker loads no workflows.
        expect([...(await workflowTaskWorkers(id))]).toEqual([
          expect.stringMatching(new RegExp(`^${a!.worker.pid}@`)),
        ]);
      }
    }
    // pi-b runs one host activity at a time (worker.hostActivities 1): no two of them overlap.
    const spans = (await Promise.all((await itemsOf(b!, 2)).map(hostActivitySpans))).flat();
    spans.sort((x, y) => x[0] - y[0]);
    expect(spans.length).toBeGreaterThanOrEqual(4); // sortRelease and copyAndVerify of each item
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    expect(existsSync(path.join(a!.local, 'Movies/The Matrix (1999)/The Matrix (1999).mkv'))).toBe(true);
    expect(existsSync(path.join(b!.local, 'Movies/Alien (1979)/Alien (1979).mkv'))).toBe(true);
    expect(existsSync(path.join(b!.local, 'Movies/The Matrix (1999)'))).toBe(false);
    expect(existsSync(path.join(cloud, 'Movies/Alien (1979)/Alien (1979).mkv'))).toBe(true);
    expect(existsSync(path.join(cloud, 'Movies/Heat (1995)/Heat (1995).mkv'))).toBe(true);
  }, 300_000);

  test('`vaultarr hosts` lists both hosts with the last poll of their task queues', async () => {
    const listed = listHosts();
    for (const h of hosts) {
      const row = listed.find((r) => r.hostId === h.id);
      expect(row).toMatchObject({ online: true, lastPollAt: expect.any(String) });
    }
  }, 300_000);

  test("a dead host's items wait for it while the other host keeps working, and finish after its restart", async () => {
    const [a, b] = hosts;
    await b!.worker.kill('SIGKILL');
    drop(b!, 'Gattaca.1997.1080p.BluRay.x264-GRP.mkv', 5);
    drop(a!, 'Ronin.1998.1080p.BluRay.x264-GRP.mkv', 6);
    const aIds = await itemsOf(a!, 3);
    const bIds = await itemsOf(b!, 3);
    await waitResident(aIds);
    const waiting = [];
    for (const id of bIds) if ((await stageOf(id)) !== 'resident') waiting.push(id);
    expect(waiting).toHaveLength(1);
    expect(await stageOf(waiting[0]!)).toBe('sorting');
    expect(existsSync(path.join(b!.local, 'Incoming', 'Gattaca.1997.1080p.BluRay.x264-GRP.mkv'))).toBe(true);
    expect(existsSync(path.join(cloud, 'Movies/Gattaca (1997)'))).toBe(false);
    const during = listHosts();
    expect(during.find((r) => r.hostId === b!.id)?.itemsInFlight).toBe(1);
    expect(during.find((r) => r.hostId === a!.id)?.itemsInFlight).toBe(0);

    await b!.worker.start(b!.ready);
    await waitResident(bIds);
    expect(existsSync(path.join(cloud, 'Movies/Gattaca (1997)/Gattaca (1997).mkv'))).toBe(true);
    const workers = await hostActivityWorkers(waiting[0]!);
    expect([...workers]).toEqual([expect.stringMatching(new RegExp(`^${b!.worker.pid}@`))]);
  }, 300_000);
});
