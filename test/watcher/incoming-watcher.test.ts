import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { waitFor } from '../../lib/infra/wait.js';
import { IncomingWatcher, watcherSettings, type ReadyRelease } from '../../watcher/incoming-watcher.js';
import { testConfig } from '../helpers/config.js';
import { makeLibrary, tempDir } from '../helpers/env.js';

/** The watcher's settings: the config's, for this library and a settle time in seconds. */
const settingsOf = (localRoot: string, settleSeconds: number) =>
  watcherSettings(testConfig({ library: { localRoot }, watcher: { settleSeconds } }));

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
      settings: settingsOf(localRoot, 0.3),
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

  test('waits while a paused writer still holds a file open for writing, however long it is quiet', async () => {
    await watcher.start();
    const file = incoming('Sicario.2015.mkv');
    // A download client that writes half the file, then stalls for far longer than the settle time.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const fd = fs.openSync(process.argv[1], 'w'); fs.writeSync(fd, 'half');
         console.log('paused'); process.stdin.once('data', () => { fs.writeSync(fd, '+rest'); fs.closeSync(fd); process.exit(0); });`,
        file,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await once(writer.stdout!, 'data');
    await new Promise((r) => setTimeout(r, 2000)); // more than six settle times
    expect(ready).toEqual([]);
    writer.stdin!.write('go\n');
    await once(writer, 'exit');
    await waitFor('the release', async () => ready.length === 1, 10_000);
    expect(ready[0]!.releasePath).toBe('Incoming/Sicario.2015.mkv');
  });

  test('a file dropped again under the same name is a new arrival', async () => {
    await watcher.start();
    writeFileSync(incoming('Her.2013.mkv'), 'first');
    await waitFor('the first arrival', async () => ready.length === 1, 10_000);
    rmSync(incoming('Her.2013.mkv'));
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(incoming('Her.2013.mkv'), 'second');
    await waitFor('the second arrival', async () => ready.length === 2, 10_000);
    expect(ready[1]!.arrival.bornNs).not.toBe(ready[0]!.arrival.bornNs);
  });

  test('retries a release whose workflow could not be started', async () => {
    let calls = 0;
    watcher = new IncomingWatcher({
      settings: settingsOf(localRoot, 0.1),
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
  test('releases no event announced are found by the rescan, each once: a filesystem mounted over Incoming/ after the watcher started', async () => {
    await watcher.close();
    const lines: string[] = [];
    watcher = new IncomingWatcher({
      settings: settingsOf(localRoot, 0.3),
      rescanMs: 1000,
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(line) }),
      onReady: async (r) => {
        ready.push(r);
      },
    });
    await watcher.start();
    // inotify watches the directory the watcher subscribed to; files created in a filesystem
    // mounted over it later (a disk or share mounted late) raise no event there, as when inotify's
    // queue overflows under a burst and the kernel drops events.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', incoming()]);
    try {
      const names = Array.from({ length: 30 }, (_, i) => `Movie.${1900 + i}.1080p.mkv`);
      for (const name of names) writeFileSync(incoming(name), 'x');
      await waitFor('30 releases', async () => ready.length >= 30, 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(ready.map((r) => r.releasePath).sort()).toEqual(names.map((n) => `Incoming/${n}`).sort());
      expect(lines.filter((l) => l.includes('found by the rescan'))).toHaveLength(30);
    } finally {
      await watcher.close();
      execFileSync('umount', [incoming()]);
    }
  });
});
