import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';

/**
 * Workflow ID of a media item: `media:<sha1>` of its library-relative path, or of its `Incoming/`
 * path plus what identifies that one arrival (see {@link incomingKey}).
 *
 * @param key - {@link incomingKey} of a release, or a library-relative path
 */
export function mediaItemWorkflowId(key: string): string {
  return `media:${createHash('sha1').update(key).digest('hex')}`;
}

/**
 * What tells one arrival in `Incoming/` from any other, even under the same name and inode: the
 * device and inode, and the inode's birth time in ns (its change time, prefixed `c`, where the
 * filesystem records no birth time). An inode freed by an eviction and reused by a later file
 * gets a new birth time; the same file seen twice (watcher restart, duplicate event) does not.
 */
export interface ArrivalIdentity {
  dev: number;
  ino: number;
  /** Birth time in ns since the epoch as a decimal string, or `c<ctime ns>` without one. */
  bornNs: string;
}

/**
 * The {@link ArrivalIdentity} of a file or folder, read with `stat` (statx birth time).
 *
 * @param absolutePath - the release's absolute path
 * @throws the fs error (`ENOENT` when it is gone)
 */
export async function arrivalIdentity(absolutePath: string): Promise<ArrivalIdentity> {
  const s = await stat(absolutePath, { bigint: true });
  return {
    dev: Number(s.dev),
    ino: Number(s.ino),
    bornNs: s.birthtimeNs > 0n ? s.birthtimeNs.toString() : `c${s.ctimeNs.toString()}`,
  };
}

/** The key {@link mediaItemWorkflowId} takes for a release in `Incoming/`: `Incoming/<name>#<dev>:<ino>:<bornNs>`. */
export function incomingKey(releasePath: string, arrival: ArrivalIdentity): string {
  return `${releasePath}#${arrival.dev}:${arrival.ino}:${arrival.bornNs}`;
}

/** The key releases got before arrivals carried a birth time (`Incoming/<name>#<dev>:<ino>`): still looked up, so an item sorting across an upgrade is found. */
export function legacyIncomingKey(
  releasePath: string,
  arrival: Pick<ArrivalIdentity, 'dev' | 'ino'>,
): string {
  return `${releasePath}#${arrival.dev}:${arrival.ino}`;
}
