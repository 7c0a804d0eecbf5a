import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { LIBRARY_FOLDERS } from '../domain/media.js';

/** Hex digits of the key's sha1 that start an item's workflow ID (64 bits: no two keys of a library share them). */
const ID_HASH_HEX = 16;
/** Most characters of the readable name in an item's workflow ID (longer names end in `…`). */
const ID_NAME_MAX_CHARS = 80;
/** What {@link incomingKey} (and {@link legacyIncomingKey}, and a next ID's `#<n>`) appends to a release's path. */
const ARRIVAL_SUFFIX = /#\d+:\d+(?::c?\d+)?(?:#\d+)?$/;

const sha1 = (key: string) => createHash('sha1').update(key).digest('hex');

/**
 * Workflow ID of a media item, readable in the Web UI's list: `media:<16 hex of the key's sha1>
 * <name>`, e.g. `media:70034d52826dbce5 Alien (1979)`. The name is what a person knows the file by
 * ({@link readableItemName}); the hash comes first, so `vaultarr items show <hash prefix>` finds the
 * item, and the same key always gives the same ID (duplicate triggers share one workflow). Items
 * started before IDs were readable keep theirs ({@link hashOnlyMediaItemWorkflowId}).
 *
 * @param key - {@link incomingKey} of a release, or a library-relative path
 */
export function mediaItemWorkflowId(key: string): string {
  const hash = sha1(key).slice(0, ID_HASH_HEX);
  const name = readableItemName(key);
  return name ? `media:${hash} ${name}` : `media:${hash}`;
}

/**
 * The workflow ID versions before readable IDs gave a key: `media:<sha1>` (all 40 hex digits).
 * Items started then run on under it; only lookups that cannot ask the catalog need it.
 */
export function hashOnlyMediaItemWorkflowId(key: string): string {
  return `media:${sha1(key)}`;
}

/**
 * The name a person knows an item's key by: a library file's name without its extension
 * (`Movies/Alien (1979)/Alien (1979).mkv` → `Alien (1979)`), or a release's name as it arrived in
 * `Incoming/` (`Heat.1995.1080p.BluRay.x264-GROUP.mkv`), without the arrival's identity. Control
 * characters and runs of white space become one space; past {@link ID_NAME_MAX_CHARS} characters
 * it is cut and ends in `…`.
 *
 * @param key - {@link incomingKey} of a release, or a library-relative path
 * @returns the name, or `''` when the key has none
 */
export function readableItemName(key: string): string {
  const incoming = key.startsWith(`${LIBRARY_FOLDERS.incoming}/`);
  const base = (incoming ? key.replace(ARRIVAL_SUFFIX, '') : key).split('/').pop() ?? '';
  const name = (incoming ? base : base.replace(/(?<=.)\.[^.]+$/, ''))
    // eslint-disable-next-line no-control-regex
    .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .trim();
  const chars = [...name];
  return chars.length > ID_NAME_MAX_CHARS
    ? `${chars
        .slice(0, ID_NAME_MAX_CHARS - 1)
        .join('')
        .trimEnd()}…`
    : name;
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
