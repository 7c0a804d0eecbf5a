import { MockActivityEnvironment } from '@temporalio/testing';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rclone } from '../../activities/vault/rclone.js';
import { createRemoteActivities } from '../../activities/vault/remote-activities.js';
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
        rclone: new Rclone({ binary: 'rclone', remote: dir }),
        trashFolder: '.trash',
        trashRetentionDays: 30,
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
});
