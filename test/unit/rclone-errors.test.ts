/**
 * How rclone's error messages (recorded from rclone 1.60 against `rclone serve webdav`, a
 * read-only bind mount, and from the backends' documented answers) are classified.
 */
import { rcloneErrorKind, rcloneFailure } from '../../activities/vault/rclone/errors.js';

describe('rclone errors on a write', () => {
  test.each([
    // rclone serve webdav --read-only: a PUT into an existing folder, a MKCOL of a new one.
    ['copy', 'Not Found: 404 Not Found'],
    ['copy', 'Update mkParentDir failed: Conflict: 409 Conflict'],
    // A local or SFTP vault mounted read-only, without permission, full.
    ['copy', 'open /srv/vault/Movies/Heat (1995)/Heat (1995).mkv: read-only file system'],
    ['copy', 'mkdir /srv/vault/Movies/Heat (1995): permission denied'],
    ['copy', 'write /srv/vault/Movies/Heat (1995)/Heat (1995).mkv: no space left on device'],
    // WebDAV servers that refuse the write, whoever asks.
    ['copy', 'Forbidden: 403 Forbidden'],
    ['copy', 'Method Not Allowed: 405 Method Not Allowed'],
    ['copy', 'Insufficient Storage: 507 Insufficient Storage'],
    ['copy', 'googleapi: Error 403: The user has exceeded their Drive storage quota, storageQuotaExceeded'],
    ['moveto', 'Forbidden: 403 Forbidden'],
  ])('%s "%s" means the vault refuses writes', (command, message) => {
    expect(rcloneErrorKind(command, message, message)).toBe('refused');
  });

  test.each([
    ['copy', 'Unauthorized: 401 Unauthorized', 'auth'],
    [
      'copy',
      'SignatureDoesNotMatch: The request signature we calculated does not match: 403 Forbidden',
      'auth',
    ],
    ['copy', 'failed to open source object: open /library/Movies/x.mkv: permission denied', 'other'],
    [
      'copy',
      'Put "http://127.0.0.1:8080/x.mkv": dial tcp 127.0.0.1:8080: connect: connection refused',
      'other',
    ],
    ['moveto', 'object not found', 'not-found'],
  ])('%s "%s" is %s', (command, message, kind) => {
    expect(rcloneErrorKind(command, message, message)).toBe(kind);
  });
});

describe('rclone errors on a read', () => {
  test.each([
    ['lsjson', 'Forbidden: 403 Forbidden', 'auth'],
    ['lsjson', 'Not Found: 404 Not Found', 'not-found'],
    ['cat', 'open /srv/vault/x.mkv: permission denied', 'other'],
  ])('%s "%s" is %s', (command, message, kind) => {
    expect(rcloneErrorKind(command, message, message)).toBe(kind);
  });
});

describe('one classification whichever way rclone ran', () => {
  const said = 'Forbidden: 403 Forbidden';
  const stderr = [
    JSON.stringify({ level: 'notice', msg: 'Transferred: 0 B' }),
    JSON.stringify({ level: 'error', msg: said }),
  ].join('\n');

  test('a refused write reads the same from a process (its last error line) and from the daemon', () => {
    const fromProcess = rcloneFailure('copy', { exitCode: 1, stderr });
    const fromDaemon = rcloneFailure('copy', { daemonMessage: said, status: 500 });
    expect([fromProcess.kind, fromProcess.message]).toEqual([
      'refused',
      `rclone copy failed (exit 1): ${said}`,
    ]);
    expect([fromDaemon.kind, fromDaemon.message]).toEqual(['refused', `rclone copy failed: ${said}`]);
  });

  test('"not found" is exit code 3 or 4 from a process and HTTP 404 from the daemon', () => {
    const missing = 'directory not present';
    for (const exitCode of [3, 4])
      expect(rcloneFailure('lsjson', { exitCode, stderr: `ERROR : ${missing}` }).kind).toBe('not-found');
    expect(rcloneFailure('lsjson', { exitCode: 1, stderr: `ERROR : ${missing}` }).kind).toBe('other');
    expect(rcloneFailure('lsjson', { daemonMessage: missing, status: 404 }).kind).toBe('not-found');
    expect(rcloneFailure('lsjson', { daemonMessage: missing, status: 500 }).kind).toBe('other');
  });
});
