/**
 * The built CLI as the CLI tests run it: compiled from this checkout, started in a test's own
 * directory with nothing of the test's environment but `PATH`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

/** The built entry point, `dist/cli/vaultarr.js`. */
export const CLI = path.resolve('dist/cli/vaultarr.js');

/** Compiles `dist/` (`tsc -b tsconfig.build.json`), so that {@link CLI} is this checkout's code. */
export function buildCli(): void {
  execFileSync('npx', ['--no-install', 'tsc', '-b', 'tsconfig.build.json']);
}

/**
 * Runs `vaultarr <args>` in `cwd` (where it finds its `vaultarr.yml`) and waits for it to exit.
 *
 * @returns its exit `status`, `stdout` and `stderr` (text)
 */
export function runCli(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
}
