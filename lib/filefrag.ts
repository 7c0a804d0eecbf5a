/**
 * Where a file's bytes really are, from the filesystem's extent map (`FIEMAP`) as e2fsprogs'
 * `filefrag -v` prints it: the parts never written — preallocated space (`fallocate`, a download
 * client's "pre-allocate disk space") that reads as zeros, and holes a writer has not reached yet
 * (a sparse file filled out of order). ext4, XFS and btrfs report extents; tmpfs, NFS and most FUSE
 * filesystems do not, and then nothing is known (`supported: false`).
 */
import { execa } from 'execa';

/** One extent of a file, in bytes from its start. */
export interface Extent {
  startBytes: number;
  lengthBytes: number;
  /** Allocated but never written (`unwritten` flag): reads as zeros. */
  unwritten: boolean;
}

/** A file's extent map, or that its filesystem has none to give. */
export type ExtentMap =
  | { supported: false; reason: string }
  | {
      supported: true;
      sizeBytes: number;
      extents: Extent[];
      /** Bytes within the file's size that are allocated but never written. */
      unwrittenBytes: number;
      /** Bytes within the file's size that no extent covers (holes). */
      holeBytes: number;
    };

const HEADER = /^File size of .* is (\d+) \((\d+) blocks? of (\d+) bytes\)$/m;
// "   0:        0..    2559:    3637762..   3640321:   2560:             last,unwritten,eof"
// "   0:     1280..    1535:   40010496..  40010751:    256:       1280: last,eof"
const EXTENT = /^\s*\d+:\s*(\d+)\.\.\s*(\d+):\s*\d+\.\.\s*\d+:\s*\d+:(?:\s*\d+:)?\s*(\S*)\s*$/;

/**
 * Parses `filefrag -v` output for one file.
 *
 * @param stdout - what `filefrag -v <file>` printed (extents in blocks of the header's size)
 * @returns the extent map, with unwritten and hole bytes counted within the file's size (an
 *   extent past the end, as `fallocate --keep-size` leaves, counts for nothing)
 * @throws Error when the output has no `File size of ...` header
 */
export function parseFilefrag(stdout: string): Extract<ExtentMap, { supported: true }> {
  const header = HEADER.exec(stdout);
  if (!header) throw new Error(`unexpected filefrag output: ${stdout.slice(0, 200)}`);
  const sizeBytes = Number(header[1]);
  const blockBytes = Number(header[3]);
  const extents: Extent[] = [];
  for (const line of stdout.split('\n')) {
    const m = EXTENT.exec(line);
    if (!m) continue;
    const first = Number(m[1]);
    const last = Number(m[2]);
    extents.push({
      startBytes: first * blockBytes,
      lengthBytes: (last - first + 1) * blockBytes,
      unwritten: m[3]!.split(',').includes('unwritten'),
    });
  }
  let unwrittenBytes = 0;
  let coveredBytes = 0;
  for (const e of extents) {
    const inside = Math.max(0, Math.min(e.startBytes + e.lengthBytes, sizeBytes) - e.startBytes);
    coveredBytes += inside;
    if (e.unwritten) unwrittenBytes += inside;
  }
  return {
    supported: true,
    sizeBytes,
    extents,
    unwrittenBytes,
    holeBytes: Math.max(0, sizeBytes - coveredBytes),
  };
}

/**
 * Reads a file's extent map with `filefrag -s -v` (`-s`: its dirty pages are written back first,
 * so that data written a moment ago shows as written, not as delayed allocation or still
 * `unwritten`).
 *
 * @param file - absolute path
 * @param options.binary - the `filefrag` command (default `filefrag`, in e2fsprogs)
 * @param options.signal - stops it (an activity's cancellation)
 * @returns the map, or `supported: false` with the reason when the filesystem has no `FIEMAP`
 *   (tmpfs, NFS, FUSE) or `filefrag` is not installed
 * @throws the fs error when the file cannot be read (gone, no permission)
 */
export async function readExtentMap(
  file: string,
  options: { binary?: string; signal?: AbortSignal } = {},
): Promise<ExtentMap> {
  // e2fsprogs installs it in /usr/sbin, which a user's PATH on Debian does not include.
  const candidates = options.binary ? [options.binary] : ['filefrag', '/usr/sbin/filefrag', '/sbin/filefrag'];
  let result;
  for (const binary of candidates) {
    result = await execa(binary, ['-s', '-v', file], {
      reject: false,
      cancelSignal: options.signal,
      env: { LC_ALL: 'C' },
    });
    if ((result as { code?: string }).code !== 'ENOENT') break;
  }
  if (!result) throw new Error('no filefrag command to try');
  if (result.isCanceled) throw new Error(`filefrag ${file} was cancelled`);
  if ((result as { code?: string }).code === 'ENOENT')
    return { supported: false, reason: 'filefrag (e2fsprogs) is not installed' };
  if (result.exitCode === 0 && HEADER.test(result.stdout)) return parseFilefrag(result.stdout);
  const said = `${result.stderr}`.trim();
  if (/FIEMAP|FIBMAP|not supported|Operation not supported|Inappropriate ioctl/i.test(said))
    return { supported: false, reason: 'the filesystem does not report extents (no FIEMAP)' };
  if (/No such file|Permission denied/i.test(said)) throw new Error(`filefrag ${file}: ${said}`);
  return { supported: false, reason: `filefrag failed: ${said || `exit ${result.exitCode}`}` };
}
