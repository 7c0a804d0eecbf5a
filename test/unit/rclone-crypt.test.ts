/**
 * What vaultarr reads from `rclone cryptcheck` (rclone v1.76.0, output recorded from real runs
 * against crypt over a local folder and over WebDAV): which hash it compares, whether the one
 * file matched, differed or is missing, and when rclone counted a file it could not hash as a
 * match — which vaultarr never does.
 */
import { parseCryptCheck, parseCryptHashProbe } from '../../activities/vault/rclone/crypt.js';
import { RcloneError } from '../../activities/vault/rclone/errors.js';

const file = 'Movies/A/A.mkv';
const log = (...lines: string[]) => lines.map((l) => `2026/12/07 18:43:39 ${l}`).join('\n') + '\n';
const summary = (differences: number, ...more: string[]) =>
  log(
    'INFO  : Using md5 for hash comparisons',
    ...more,
    `NOTICE: Encrypted drive 'vault:Media': ${differences} differences found`,
  );

describe('a cryptcheck of one file', () => {
  test('that matched gives the hash rclone compared', () => {
    const stderr = summary(0, "NOTICE: Encrypted drive 'vault:Media': 1 matching files");
    expect(parseCryptCheck({ exitCode: 0, stdout: `= ${file}\n`, stderr }, file)).toEqual({
      kind: 'match',
      hashType: 'md5',
    });
  });

  test('whose hashes differ says so in rclone’s words', () => {
    const stderr = summary(
      1,
      `ERROR : ${file}: hashes differ (vault:Media) "b28b919899bae63d33a7574126632cd8" vs (local:local) "4a2d63dfd45365a4499ff3d442794e69"`,
    );
    expect(parseCryptCheck({ exitCode: 1, stdout: `* ${file}\n`, stderr }, file)).toEqual({
      kind: 'differ',
      detail: expect.stringMatching(/^Movies\/A\/A\.mkv: hashes differ \(vault:Media\) "b28b/),
    });
  });

  test('that is not on the vault is missing', () => {
    const stderr = summary(1, `ERROR : ${file}: file not in Encrypted drive 'vault:Media'`);
    expect(parseCryptCheck({ exitCode: 1, stdout: `+ ${file}\n`, stderr }, file)).toEqual({
      kind: 'missing',
    });
  });

  test('that rclone could not hash is unchecked, though rclone lists it as matching', () => {
    const stderr = summary(
      0,
      "NOTICE: Encrypted drive 'vault:Media': 1 hashes could not be checked",
      "NOTICE: Encrypted drive 'vault:Media': 1 matching files",
    );
    expect(parseCryptCheck({ exitCode: 0, stdout: `= ${file}\n`, stderr }, file)).toEqual({
      kind: 'unchecked',
      detail: `the vault has no md5 for ${file}`,
    });
  });

  test('on a crypt remote whose underlying remote has no hash is unchecked', () => {
    const stderr = log(
      'NOTICE: Failed to cryptcheck: under:vault/28fvmccn2rnnhb5mju0vl7sllk does not support any hashes',
    );
    expect(parseCryptCheck({ exitCode: 1, stdout: '', stderr }, file)).toEqual({
      kind: 'unchecked',
      detail: 'Failed to cryptcheck: under:vault/28fvmccn2rnnhb5mju0vl7sllk does not support any hashes',
    });
  });

  test('that rclone lists as matching without saying which hash it compared (its INFO lines silenced) is no verdict', () => {
    const run = { exitCode: 0, stdout: `= ${file}\n`, stderr: '' };
    expect(() => parseCryptCheck(run, file)).toThrow(/did not say which hash it compared/);
  });

  test('that rclone could not check at all is an error to retry, never a verdict', () => {
    const stderr = log(
      `ERROR : ${file}: error computing hash: failed to open object to read nonce: connection refused`,
      "NOTICE: Encrypted drive 'vault:Media': 1 errors while checking",
    );
    const run = { exitCode: 1, stdout: `! ${file}\n`, stderr };
    expect(() => parseCryptCheck(run, file)).toThrow(RcloneError);
    expect(() => parseCryptCheck(run, file)).toThrow(/failed to open object to read nonce/);
  });
});

describe('the hash probe of a crypt remote', () => {
  test('gives the hash of the underlying remote', () => {
    const stderr = summary(0);
    expect(parseCryptHashProbe({ exitCode: 0, stdout: '', stderr })).toBe('md5');
  });

  test('says none when the underlying remote keeps no hash', () => {
    const stderr = log(
      'NOTICE: Failed to cryptcheck: under:vault/41noggd2iasne178npg4mtre00 does not support any hashes',
    );
    expect(parseCryptHashProbe({ exitCode: 1, stdout: '', stderr })).toBe('none');
  });

  test('says nothing of a remote that is no crypt remote', () => {
    const stderr = log('NOTICE: Failed to cryptcheck: under:． is not a crypt remote');
    expect(parseCryptHashProbe({ exitCode: 1, stdout: '', stderr })).toBeUndefined();
  });

  test('fails, to be retried, when the remote cannot be reached', () => {
    const stderr = log(
      'NOTICE: Failed to cryptcheck: couldn’t connect: dial tcp 127.0.0.1:1: connect: connection refused',
    );
    expect(() => parseCryptHashProbe({ exitCode: 1, stdout: '', stderr })).toThrow(RcloneError);
  });
});
