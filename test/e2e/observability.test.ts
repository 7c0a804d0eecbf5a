/**
 * What a person sees of a running `vaultarr start` stack: Prometheus scrapes of the API and the
 * worker after an item went through (checked by promtool), an Apprise notification for an item
 * that waits for approval, and the API's request lines through `vaultarr logs`.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { freePort, waitFor } from '../../lib/infra/wait.js';
import { makeVideo } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

const promtool = (scrape: string): string =>
  execFileSync('promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8', stdio: 'pipe' });
/** The value of `name{...labels...} value` where every given label matches. */
const sample = (scrape: string, name: string, labels: Record<string, string>): number | undefined => {
  const line = scrape
    .split('\n')
    .find(
      (l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line ? Number(line.split(' ').at(-1)) : undefined;
};

describe('a running stack, observed', () => {
  let stack: TestStack;
  let receiver: Server;
  const received: Array<{ title: string; message: string; type: string }> = [];

  beforeAll(async () => {
    const port = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as { title: string; message: string; type: string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    stack = await TestStack.create({ VAULTARR_NOTIFICATIONS__URLS: `["json://127.0.0.1:${port}/"]` });
    await stack.start();
    stack.drop('Alien.1979.1080p.BluRay.x264-GROUP.mkv', (at) => makeVideo(at, 1, 31));
    stack.drop('holiday_video.mp4', (at) => makeVideo(at, 1, 32));
  }, 240_000);
  afterAll(async () => {
    await stack?.destroy();
    receiver?.close();
  });

  test('the API and the worker serve scrapes promtool accepts, showing the item resident and its copy', async () => {
    let api = '';
    await waitFor(
      'the API to count one resident item and one awaiting approval',
      async () => {
        api = await (await fetch(`${stack.apiUrl}/metrics`)).text();
        // Both: the two releases are sorted independently, either may finish first.
        return (
          sample(api, 'vaultarr_items', { stage: 'resident', host: 'e2e-host' }) === 1 &&
          sample(api, 'vaultarr_items', { stage: 'awaiting-approval', host: 'e2e-host' }) === 1
        );
      },
      90_000,
    );
    promtool(api);
    expect(sample(api, 'vaultarr_items', { stage: 'awaiting-approval', host: 'e2e-host' })).toBe(1);
    // Two copies, both verified: the movie, and the home video's copy under Unsorted/ (vault first).
    let worker = '';
    await waitFor(
      'both copies verified in the worker scrape',
      async () => {
        worker = await (await fetch(`http://127.0.0.1:${stack.ports.metrics}/metrics`)).text();
        return (
          sample(worker, 'vaultarr_vault_verifications_total', {
            host: 'e2e-host',
            method: 'sha256',
            outcome: 'match',
          }) === 2
        );
      },
      60_000,
    );
    promtool(worker);
    expect(sample(worker, 'vaultarr_vault_copies_total', { host: 'e2e-host', method: 'rclone-daemon' })).toBe(
      2,
    );
    expect(stack.output()).toContain(
      `Metrics           ${stack.apiUrl}/metrics, worker http://127.0.0.1:${stack.ports.metrics}/metrics`,
    );
  });

  test('the item waiting for approval arrives through Apprise once', async () => {
    await waitFor('the notification', async () => received.length > 0, 60_000);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      title: 'vaultarr: holiday_video.mp4 awaits approval',
      type: 'warning',
    });
    expect(received[0]!.message).toContain('holiday_video.mp4 waits in Unsorted/holiday_video.mp4:');
  });

  test('vaultarr logs api --pretty shows the request lines of the API', async () => {
    expect((await fetch(`${stack.apiUrl}/api/v1/items`)).status).toBe(401);
    await waitFor(
      'the line in api.log',
      async () => stack.cli('logs', 'api').stdout.includes('"msg":"GET /api/v1/items 401"'),
      10_000,
    );
    const pretty = stack.cli('logs', 'api', '--pretty');
    expect(pretty.status).toBe(0);
    expect(pretty.stdout).toMatch(/\] WARN: api: GET \/api\/v1\/items 401 \{/);
  });

  test('worker.log says each step of the item at info level, with its id and path, and no "No workflows registered" warning', async () => {
    const movie = 'Movies/Alien (1979)/Alien (1979).mkv';
    await waitFor(
      'the verified line in worker.log',
      async () =>
        stack.cli('logs', 'worker', '--lines', '10000').stdout.includes(`verified ${movie} on the vault by `),
      60_000,
    );
    const lines = stack
      .cli('logs', 'worker', '--lines', '10000')
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; workflowId?: string; libraryPath?: string });
    const steps = lines.filter((l) => l.libraryPath === movie);
    const said = steps.map((l) => l.msg);
    expect(said).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^placed Incoming\/Alien\.1979\.1080p\.BluRay\.x264-GROUP\.mkv → Movies\/Alien \(1979\)\/Alien \(1979\)\.mkv$/,
        ),
        `copying ${movie} to the vault`,
        expect.stringMatching(
          /^copied Movies\/Alien \(1979\)\/Alien \(1979\)\.mkv: [\d.]+ KiB uploaded in [\d.]+ s \([\d.]+ [KM]iB\/s\); verifying$/,
        ),
        expect.stringMatching(
          /^verified Movies\/Alien \(1979\)\/Alien \(1979\)\.mkv on the vault by \w+ \([\d.]+ KiB\)$/,
        ),
      ]),
    );
    // info is pino's 30; every step names its item.
    expect(steps.every((l) => l.level === 30 && l.workflowId?.startsWith('media:'))).toBe(true);
    expect(lines.filter((l) => l.msg.startsWith('No workflows registered') && l.level >= 40)).toEqual([]);
  });
});
