import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { waitFor } from '../../lib/infra/wait.js';
import { IncomingWatcher, type ReadyRelease } from '../../watcher/incoming-watcher.js';
import { makeLibrary, tempDir } from '../helpers/env.js';

describe('the Incoming/ watcher', () => {
  let localRoot: string;
  let cleanup: () => void;
  let watcher: IncomingWatcher;
  let ready: ReadyRelease[];

  beforeEach(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    localRoot = path.join(t.dir, '.Local');
    makeLibrary(localRoot);
    ready = [];
    watcher = new IncomingWatcher({
      localRoot,
      settleMs: 300,
      logger: pino({ level: 'silent' }),
      onReady: async (r) => {
        ready.push(r);
      },
    });
  });
  afterEach(async () => {
    await watcher.close();
    cleanup();
  });

  const incoming = (...p: string[]) => path.join(localRoot, 'Incoming', ...p);

  test('picks up releases already waiting at start-up, each once', async () => {
    writeFileSync(incoming('The.Matrix.1999.1080p.mkv'), 'x');
    mkdirSync(incoming('Heat.1995.1080p'));
    writeFileSync(incoming('Heat.1995.1080p', 'heat.mkv'), 'y');
    await watcher.start();
    await waitFor('two releases', async () => ready.length === 2, 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(ready.map((r) => r.releasePath).sort()).toEqual([
      'Incoming/Heat.1995.1080p',
      'Incoming/The.Matrix.1999.1080p.mkv',
    ]);
  });

  test('leaves partial and rsync temp files alone until they are renamed into place', async () => {
    await watcher.start();
    writeFileSync(incoming('Up.2009.mkv.part'), 'partial');
    writeFileSync(incoming('.Her.2013.mkv.Xy12Ab'), 'rsync temp');
    mkdirSync(incoming('Alien.1979'));
    writeFileSync(incoming('Alien.1979', 'alien.mkv.!qB'), 'qbittorrent partial');
    await new Promise((r) => setTimeout(r, 1500));
    expect(ready).toEqual([]);
    renameSync(incoming('Up.2009.mkv.part'), incoming('Up.2009.mkv'));
    renameSync(incoming('Alien.1979', 'alien.mkv.!qB'), incoming('Alien.1979', 'alien.mkv'));
    await waitFor('two releases', async () => ready.length === 2, 10_000);
    expect(ready.map((r) => r.releasePath).sort()).toEqual(['Incoming/Alien.1979', 'Incoming/Up.2009.mkv']);
  });

  test('waits while a file keeps growing', async () => {
    await watcher.start();
    const file = incoming('Arrival.2016.mkv');
    writeFileSync(file, 'a');
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 150));
      writeFileSync(file, 'a'.repeat(i + 2));
    }
    await waitFor('the release', async () => ready.length === 1, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('retries a release whose workflow could not be started', async () => {
    let calls = 0;
    watcher = new IncomingWatcher({
      localRoot,
      settleMs: 100,
      logger: pino({ level: 'silent' }),
      onReady: async (r) => {
        calls++;
        if (calls === 1) throw new Error('Temporal unavailable');
        ready.push(r);
      },
    });
    writeFileSync(incoming('Her.2013.mkv'), 'x');
    await watcher.start();
    await waitFor('the retried start', async () => ready.length === 1, 10_000);
    expect(calls).toBe(2);
  });
});
