/**
 * The bootstrap (`npm start` and `npm test` run it first) leaves a fresh clone as it found it:
 * the lock is installed as committed (`npm ci`), nothing tracked changes, nothing untracked appears.
 */
import { execFileSync } from 'node:child_process';
import { tempDir } from '../helpers/env.js';

describe('a fresh clone', () => {
  const { dir, cleanup } = tempDir('vaultarr-clone-');
  afterAll(() => cleanup());
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** Runs the bootstrap; returns what it printed (its progress goes to stderr). */
  const bootstrap = () => run('bash', ['-c', 'bash scripts/bootstrap.sh 2>&1']);

  test('is unchanged after the bootstrap, and a second bootstrap installs nothing again', () => {
    execFileSync('git', ['clone', '--quiet', process.cwd(), dir]);
    expect(bootstrap()).toContain('installing npm packages');
    expect(run('git', ['status', '--porcelain'])).toBe('');
    expect(bootstrap()).not.toContain('installing npm packages');
    expect(run('git', ['status', '--porcelain'])).toBe('');
  }, 600_000);
});
