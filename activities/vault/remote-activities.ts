/**
 * Vault activities that touch only the remote, never a host's disk, so they run on the shared task
 * queue (any host): server-side moves for renames, the vault trash, and its purge.
 */
import type { Config } from '../../lib/config.js';
import { Rclone } from './rclone/client.js';

/**
 * The remote activities' settings: the vault trash (config `vault.trash`), its `folder` at the
 * remote's root and the `retentionDays` a trashed file is kept before the purge removes it.
 */
export function remoteSettings(config: Config) {
  return { trash: config.vault.trash };
}

/** What {@link remoteSettings} returns. */
export type RemoteSettings = ReturnType<typeof remoteSettings>;

/** Dependencies of the remote activities. */
export interface RemoteDeps {
  rclone: Rclone;
  settings: RemoteSettings;
  /** Clock, for tests. */
  now?: () => Date;
}

/** One server-side move. */
export interface VaultMove {
  from: string;
  to: string;
}

/**
 * Creates the remote activities.
 *
 * @param deps - rclone client and trash settings
 */
export function createRemoteActivities(deps: RemoteDeps) {
  const { rclone } = deps;
  const { folder: trashFolder, retentionDays } = deps.settings.trash;
  const now = deps.now ?? (() => new Date());

  /**
   * Moves vault copies to new library paths (server-side where the backend can). Safe to retry:
   * a source already moved is skipped.
   *
   * @returns the moves done and the sources that were not on the vault
   * @throws rclone failures (retried)
   */
  async function moveVaultCopy(input: {
    moves: VaultMove[];
  }): Promise<{ moved: string[]; missing: string[] }> {
    const moved: string[] = [];
    const missing: string[] = [];
    for (const m of input.moves) {
      ((await rclone.move(m.from, m.to)) === 'moved' ? moved : missing).push(m.from);
    }
    return { moved, missing };
  }

  /**
   * Moves vault copies into the vault trash, `<trashFolder>/<YYYY-MM-DD>/<library path>`, where the
   * purge removes them after the retention. Safe to retry.
   *
   * @returns where each file went, and the paths that were not on the vault
   * @throws rclone failures (retried)
   */
  async function trashVaultCopies(input: {
    libraryPaths: string[];
  }): Promise<{ trashed: VaultMove[]; missing: string[] }> {
    const day = now().toISOString().slice(0, 10);
    const trashed: VaultMove[] = [];
    const missing: string[] = [];
    for (const p of input.libraryPaths) {
      const to = `${trashFolder}/${day}/${p}`;
      if ((await rclone.move(p, to)) === 'moved') trashed.push({ from: p, to });
      else missing.push(p);
    }
    return { trashed, missing };
  }

  /**
   * Moves a whole library folder's vault copy into the vault trash (an *arr deleted a movie,
   * series, artist or author with its files). Safe to retry.
   *
   * @returns `moved`, or `missing` when the vault holds no such folder
   */
  async function trashVaultFolder(input: {
    folder: string;
  }): Promise<{ outcome: 'moved' | 'missing'; to: string }> {
    const to = `${trashFolder}/${now().toISOString().slice(0, 10)}/${input.folder}`;
    return { outcome: await rclone.moveFolder(input.folder, to), to };
  }

  /**
   * Deletes trash folders older than the retention (`<trashFolder>/<YYYY-MM-DD>/`).
   *
   * @returns the dates purged
   */
  async function purgeVaultTrash(): Promise<{ purged: string[] }> {
    const cutoff = now().getTime() - retentionDays * 86_400_000;
    const purged: string[] = [];
    for (const day of await rclone.listFolders(trashFolder)) {
      const at = Date.parse(`${day}T00:00:00Z`);
      if (Number.isNaN(at) || at >= cutoff) continue;
      await rclone.purge(`${trashFolder}/${day}`);
      purged.push(day);
    }
    return { purged };
  }

  return { moveVaultCopy, trashVaultCopies, trashVaultFolder, purgeVaultTrash };
}

/** The remote activities' functions, for `proxyActivities<RemoteActivities>`. */
export type RemoteActivities = ReturnType<typeof createRemoteActivities>;
