/**
 * The built `vaultarr config` command on a bad configuration (it compiles `dist/` first): the
 * problems a person sees, one per wrong key, and the exit status.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCli, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/env.js';

describe('configuration', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  test('a bad config makes the CLI name every wrong key and exit 1', () => {
    buildCli();
    writeFileSync(path.join(dir, 'vaultarr.yml'), 'vault:\n  verifyAttempts: "three"\nnope: true\n');
    const result = runCli(dir, 'config');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('invalid configuration');
    expect(result.stderr).toContain('vault.verifyAttempts:');
    expect(result.stderr).toContain('nope: unknown key');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
  });
});
