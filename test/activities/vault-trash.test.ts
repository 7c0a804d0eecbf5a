import { MockActivityEnvironment } from '@temporalio/testing';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { createRemoteActivities, remoteSettings } from '../../activities/vault/remote-activities.js';
import { testConfig } from '../helpers/config.js';
import { testRcloneSettings } from '../helpers/vault-settings.js';
import { tempDir } from '../helpers/env.js';

describe('the vault trash with real rclone', () => {
  test('trashed copies go to .trash/<date>/ and the purge deletes days older than the retention only', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const put = (p: string) => {
        mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        writeFileSync(path.join(dir, p), p);
      };
      put('Movies/Heat (1995)/Heat (1995).mkv');
      put('.trash/2026-10-01/Movies/Old (1990)/Old (1990).mkv');
      put('.trash/2026-11-15/Movies/Recent (2020)/Recent (2020).mkv');
      const remote = createRemoteActivities({
        rclone: new Rclone(testRcloneSettings({ remote: dir })),
        settings: remoteSettings(testConfig()),
        now: () => new Date('2026-11-21T12:00:00Z'),
      });
      const env = new MockActivityEnvironment();
      const trashed = await env.run(remote.trashVaultCopies, {
        libraryPaths: ['Movies/Heat (1995)/Heat (1995).mkv', 'Movies/Nope (2000)/Nope (2000).mkv'],
      });
      expect(trashed).toEqual({
        trashed: [
          {
            from: 'Movies/Heat (1995)/Heat (1995).mkv',
            to: '.trash/2026-11-21/Movies/Heat (1995)/Heat (1995).mkv',
          },
        ],
        missing: ['Movies/Nope (2000)/Nope (2000).mkv'],
      });
      expect(existsSync(path.join(dir, '.trash/2026-11-21/Movies/Heat (1995)/Heat (1995).mkv'))).toBe(true);
      const purged = await new MockActivityEnvironment().run(remote.purgeVaultTrash);
      expect(purged).toEqual({ purged: ['2026-10-01'] });
      expect(existsSync(path.join(dir, '.trash/2026-10-01'))).toBe(false);
      expect(existsSync(path.join(dir, '.trash/2026-11-15/Movies/Recent (2020)/Recent (2020).mkv'))).toBe(
        true,
      );
    } finally {
      cleanup();
    }
  });

  /** Every file under a folder, by its path relative to the folder, with its content. */
  function filesUnder(root: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      out[path.relative(root, full)] = readFileSync(full, 'utf8');
    }
    return out;
  }

  for (const daemon of [true, false]) {
    const how = daemon ? 'through the rclone daemon' : 'as rclone processes';
    describe(how, () => {
      let dir: string;
      let cleanup: () => void;
      let rclone: Rclone;
      const put = (root: string, p: string, content: string) => {
        mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
        writeFileSync(path.join(root, p), content);
      };
      const sintel = 'Movies/Sintel (2010)/Sintel (2010).mkv';
      const bunny = 'Movies/Big Buck Bunny (2008)/Big Buck Bunny (2008).mkv';
      beforeEach(() => {
        ({ dir, cleanup } = tempDir());
        rclone = new Rclone(testRcloneSettings({ remote: path.join(dir, 'vault'), rcloneDaemon: daemon }));
      });
      afterEach(async () => {
        await rclone.close();
        cleanup();
      });

      test('a copy over a different vault object moves the old one into the trash first', async () => {
        put(path.join(dir, 'vault'), sintel, 'sintel bytes');
        put(path.join(dir, 'local'), sintel, 'other bytes!');
        // Same size, different modification time: rclone replaces it.
        utimesSync(path.join(dir, 'local', sintel), new Date('2026-01-01'), new Date('2026-01-01'));
        await rclone.copy(path.join(dir, 'local'), [sintel]);
        const vault = filesUnder(path.join(dir, 'vault'));
        expect(vault[sintel]).toBe('other bytes!');
        const trashed = Object.entries(vault).filter(([p]) => p.startsWith('.trash/'));
        expect(trashed).toHaveLength(1);
        expect(trashed[0]![0]).toMatch(
          /^\.trash\/\d{4}-\d{2}-\d{2}\/Movies\/Sintel \(2010\)\/Sintel \(2010\)\.replaced-\d{6}\.mkv$/,
        );
        expect(trashed[0]![1]).toBe('sintel bytes');
      });

      test('a move onto another vault object moves that one into the trash first', async () => {
        put(path.join(dir, 'vault'), sintel, 'sintel bytes');
        put(path.join(dir, 'vault'), bunny, 'bunny bytes');
        expect(await rclone.move(bunny, sintel)).toBe('moved');
        const vault = filesUnder(path.join(dir, 'vault'));
        expect(vault[sintel]).toBe('bunny bytes');
        expect(vault[bunny]).toBeUndefined();
        expect(
          Object.entries(vault).filter(([p]) => p.startsWith('.trash/') && p.includes('Sintel')),
        ).toEqual([
          [
            expect.stringMatching(
              /^\.trash\/[\d-]+\/Movies\/Sintel \(2010\)\/Sintel \(2010\)\.replaced-\d{6}\.mkv$/,
            ),
            'sintel bytes',
          ],
        ]);
      });

      test('trashing one path twice on one day keeps both trashed copies', async () => {
        const remote = createRemoteActivities({ rclone, settings: remoteSettings(testConfig()) });
        put(path.join(dir, 'vault'), sintel, 'first');
        await new MockActivityEnvironment().run(remote.trashVaultCopies, { libraryPaths: [sintel] });
        put(path.join(dir, 'vault'), sintel, 'second');
        await new MockActivityEnvironment().run(remote.trashVaultCopies, { libraryPaths: [sintel] });
        const contents = Object.entries(filesUnder(path.join(dir, 'vault')))
          .filter(([p]) => p.startsWith('.trash/'))
          .map(([, c]) => c)
          .sort();
        expect(contents).toEqual(['first', 'second']);
      });

      test('a folder moved onto a folder holding the same file name keeps the replaced file in the trash', async () => {
        put(path.join(dir, 'vault'), 'Movies/A (2001)/A (2001).mkv', 'a, longer');
        put(path.join(dir, 'vault'), 'Movies/B (2002)/A (2001).mkv', 'b');
        expect(await rclone.moveFolder('Movies/A (2001)', 'Movies/B (2002)')).toBe('moved');
        const vault = filesUnder(path.join(dir, 'vault'));
        expect(vault['Movies/B (2002)/A (2001).mkv']).toBe('a, longer');
        expect(
          Object.entries(vault)
            .filter(([p]) => p.startsWith('.trash/'))
            .map(([, c]) => c),
        ).toEqual(['b']);
      });
    });
  }
});
