import { createHash } from 'node:crypto';

/**
 * Workflow ID of a media item: `media:<sha1>` of its library-relative path, or of its `Incoming/`
 * path plus the file's device and inode (a release dropped again later is a new item; the same
 * file seen twice — watcher restart, duplicate event — is not).
 *
 * @param key - `Incoming/<name>#<dev>:<ino>` or a library-relative path
 */
export function mediaItemWorkflowId(key: string): string {
  return `media:${createHash('sha1').update(key).digest('hex')}`;
}

/** The key {@link mediaItemWorkflowId} takes for a release in `Incoming/`. */
export function incomingKey(releasePath: string, dev: number, ino: number): string {
  return `${releasePath}#${dev}:${ino}`;
}
