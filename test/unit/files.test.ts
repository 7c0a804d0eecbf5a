/**
 * `hashFile`, which every verification compares with the vault: the digests `sha256sum` and
 * `sha1sum` give, for files of any length (empty, one byte past a chunk, many chunks), byte
 * progress in order, and an abort that stops the read; `moveFileNoClobber` across filesystems.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashFile, moveFileNoClobber } from '../../lib/files.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vaultarr-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const digest = (tool: string, file: string) => execFileSync(tool, [file], { encoding: 'utf8' }).split(' ')[0];

describe('hashFile', () => {
  test.each([0, 1, (1 << 20) + 1, 5 * (1 << 20) + 12_345])(
    'gives the digests of sha256sum and sha1sum for %i bytes, with progress up to the size',
    async (size) => {
      const file = path.join(dir, `f${size}`);
      writeFileSync(file, randomBytes(size));
      const progress: number[] = [];
      const hashes = await hashFile(file, ['sha256', 'sha1'], { onBytes: (n) => progress.push(n) });
      expect(hashes).toEqual({ sha256: digest('sha256sum', file), sha1: digest('sha1sum', file) });
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.at(-1) ?? 0).toBe(size);
    },
  );

  test('stops with an AbortError when its signal aborts mid-file', async () => {
    const file = path.join(dir, 'big');
    writeFileSync(file, randomBytes(8 << 20));
    const abort = new AbortController();
    const seen: number[] = [];
    const hashing = hashFile(file, ['sha256'], {
      signal: abort.signal,
      onBytes: (n) => {
        seen.push(n);
        if (n >= 2 << 20) abort.abort();
      },
    });
    await expect(hashing).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen.at(-1)).toBeLessThan(8 << 20);
  });

  test('fails with the fs error for a missing file', async () => {
    await expect(hashFile(path.join(dir, 'missing'), ['sha256'])).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('moveFileNoClobber', () => {
  test('keeps the modification time across filesystems, so a vault copy matched by size and modtime still matches', async () => {
    // /dev/shm is a tmpfs on every Linux: another filesystem than the temp dir's disk.
    const shm = mkdtempSync('/dev/shm/vaultarr-files-');
    try {
      const from = path.join(shm, 'VID_20240612_183000.mp4');
      writeFileSync(from, randomBytes(3 << 20));
      const mtime = new Date('2024-06-12T18:30:00Z');
      utimesSync(from, mtime, mtime);
      const to = path.join(dir, 'Movies/Home (2024)/Home (2024).mp4');
      expect(statSync(shm).dev).not.toBe(statSync(dir).dev);
      expect(await moveFileNoClobber(from, to)).toBe('moved');
      expect(statSync(to).mtimeMs).toBe(mtime.getTime());
      expect(existsSync(from)).toBe(false);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });
});
