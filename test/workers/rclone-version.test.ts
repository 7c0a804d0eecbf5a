/**
 * vaultarr runs one pinned rclone (scripts/bootstrap.sh builds it into the tools cache, every entry
 * point puts that first on PATH) and refuses, at start, an rclone older than the minimum it needs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkRcloneVersion,
  RCLONE_MIN_VERSION,
  RCLONE_PINNED_VERSION,
  TOOLS_CACHE_BIN,
} from '../../lib/infra/rclone-binary.js';
import { tempDir } from '../helpers/env.js';

/** Debian's own rclone (1.60.1 on bookworm), which bootstrap installs for this test. */
const DEBIAN_RCLONE = '/usr/bin/rclone';

function vaultarr(args: string[], env: Record<string, string>) {
  const { dir, cleanup } = tempDir();
  try {
    return spawnSync(process.execPath, [path.resolve('dist/cli/vaultarr.js'), ...args], {
      cwd: dir,
      env: { ...process.env, VAULTARR_DATA_DIR: path.join(dir, 'data'), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  } finally {
    cleanup();
  }
}

describe('the rclone vaultarr runs', () => {
  test('the pinned build is the one on PATH and is accepted', async () => {
    const which = spawnSync('sh', ['-c', 'command -v rclone'], { encoding: 'utf8' }).stdout.trim();
    expect(which).toBe(path.join(TOOLS_CACHE_BIN, 'rclone'));
    await expect(checkRcloneVersion('rclone')).resolves.toBe(RCLONE_PINNED_VERSION);
  });

  test('bootstrap builds the version the code pins', () => {
    const script = readFileSync('scripts/bootstrap.sh', 'utf8');
    expect(/^rclone_version=(\S+)$/m.exec(script)?.[1]).toBe(RCLONE_PINNED_VERSION);
  });

  test.each(['worker', 'start', 'union', 'config'])(
    '`vaultarr %s` with an older rclone in vault.rcloneBinary exits 1 naming the version found and the one needed',
    (command) => {
      const run = vaultarr([command], { VAULTARR_VAULT__RCLONE_BINARY: DEBIAN_RCLONE });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^vaultarr: rclone v1\\.\\d+\\.\\d+ \\(vault.rcloneBinary "${DEBIAN_RCLONE}"\\) is older than v${RCLONE_MIN_VERSION.replace(/\./g, '\\.')}, the oldest vaultarr works with`,
        ),
      );
      expect(run.stderr).toContain(`build v${RCLONE_PINNED_VERSION}`);
    },
  );

  test('an rclone that does not run is named in one sentence', async () => {
    await expect(checkRcloneVersion('/nonexistent/rclone')).rejects.toThrow(
      /^vault.rcloneBinary "\/nonexistent\/rclone" does not run \(/,
    );
  });
});
