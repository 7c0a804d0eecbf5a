/**
 * Scan activities (shared task queue: they only speak HTTP): ask each configured media server
 * (Plex, Jellyfin, Emby, autoscan) to scan the library folders that changed, as
 * docs/contracts/ARR.md ("Media servers and autoscan") describes. Requests for one server
 * within `scan.mergeWindowSeconds` go out as one.
 */
import { Context } from '@temporalio/activity';
import { FailureType } from '../../domain/failures.js';
import type { Config, MediaServerConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';
import { ScanCoalescer } from './scan-coalescer.js';
import { serverPath } from './server-path.js';
import { createMediaServer, UPDATE_TYPES, type MediaServer, type UpdateType } from './servers/index.js';

/**
 * The scan activities' settings: `servers`, the config's `mediaServers` in the order scans are
 * listed; `defaultLibraryRoot`, where servers without `libraryRoot` see the library (the union
 * view, `union.mediaMount`); `mergeWindowMs`, requests for one server within it go out as one
 * (`scan.mergeWindowSeconds`).
 */
export function scanSettings(config: Config) {
  return {
    servers: config.mediaServers,
    defaultLibraryRoot: config.union.mediaMount,
    mergeWindowMs: config.scan.mergeWindowSeconds * 1000,
  };
}

/** What {@link scanSettings} returns. */
export type ScanSettings = ReturnType<typeof scanSettings>;

/** Dependencies of the scan activities: their settings, and a request timeout. */
export interface ScanDeps extends ScanSettings {
  /** Timeout of each HTTP request to a server, in ms; default 30 000. */
  fetchTimeoutMs?: number;
}

/** Input of `scanMediaServer`. */
export interface ScanMediaServerInput {
  /** `mediaServers[].name`. */
  target: string;
  /** Library-relative folders, e.g. `Movies/The Matrix (1999)`. */
  folders: string[];
  /** How the folders changed (one type per call; Plex and autoscan ignore it). */
  updateType: UpdateType;
}

/** Outcome of `scanMediaServer`. */
export interface ScanMediaServerResult {
  target: string;
  /** The distinct folders as the server sees them, in input order, e.g. `/media/Movies/The Matrix (1999)`. */
  scannedPaths: string[];
}

/** Heartbeat details of `scanMediaServer` while it waits for its merged request. */
export interface ScanHeartbeat {
  target: string;
  folderCount: number;
}

const HEARTBEAT_INTERVAL_MS = 1000;

/** The activity context when running as an activity; `undefined` when called directly (tests). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Creates the scan activities. The media server clients (and Plex's cached section list) and the
 * merge windows live as long as the returned object: create it once per worker.
 *
 * @param deps - the configured servers, the default library root, the merge window and the
 *   request timeout, both in ms
 */
export function createScanActivities(deps: ScanDeps) {
  const coalescer = new ScanCoalescer({ mergeWindowMs: deps.mergeWindowMs });
  const targets = new Map<string, { config: MediaServerConfig; server: MediaServer }>(
    deps.servers.map((config) => [
      config.name,
      { config, server: createMediaServer(config, { timeoutMs: deps.fetchTimeoutMs }) },
    ]),
  );

  /**
   * Lists the configured media servers, so a workflow can scan each in parallel and retry only
   * those that failed.
   *
   * @returns `mediaServers[].name` in configuration order (empty when none is configured)
   */
  async function listScanTargets(): Promise<string[]> {
    return deps.servers.map((s) => s.name);
  }

  /**
   * Asks one media server to scan library folders. The folders are mapped to the server's paths
   * (`pathRewrites`, else `libraryRoot`) and merged with other requests for the same server within
   * the merge window into one HTTP request (Plex: one refresh per distinct section and folder);
   * this call resolves or fails with that request. Heartbeats `{ target, folderCount }` every
   * second while waiting, when run as an activity.
   *
   * @returns the target and the server paths scanned for this call's folders
   * @throws ApplicationFailure, not retried: `INVALID_INPUT` for an unknown target, update type or a
   *   folder that is absolute or contains `..`; `MEDIA_SERVER_AUTH_FAILED` when the server refuses
   *   the token or basic auth (401/403); `NO_LIBRARY_SECTION` when no Plex section contains a
   *   folder; `MEDIA_SERVER_REJECTED` for other 4xx answers, redirects or unreadable answers.
   *   A plain `Error` (retried) when the server is unreachable, times out or answers 5xx/408/429;
   *   every message starts with `[type "name"]` and never contains a token.
   */
  async function scanMediaServer(input: ScanMediaServerInput): Promise<ScanMediaServerResult> {
    const entry = targets.get(input.target);
    if (!entry) {
      const known = deps.servers.map((s) => `"${s.name}"`).join(', ') || 'none';
      throw permanentFailure(
        FailureType.INVALID_INPUT,
        `unknown media server "${input.target}" (configured: ${known})`,
      );
    }
    if (!UPDATE_TYPES.includes(input.updateType))
      throw permanentFailure(
        FailureType.INVALID_INPUT,
        `updateType must be one of ${UPDATE_TYPES.join(', ')}, not "${String(input.updateType)}"`,
      );
    const scannedPaths = [
      ...new Set(input.folders.map((f) => serverPath(entry.config, f, deps.defaultLibraryRoot))),
    ];
    const result = { target: input.target, scannedPaths };
    if (scannedPaths.length === 0) return result;
    const done = coalescer.request(
      entry.server,
      scannedPaths.map((path) => ({ path, updateType: input.updateType })),
    );
    const ctx = currentContext();
    if (!ctx) {
      await done;
      return result;
    }
    const details: ScanHeartbeat = { target: input.target, folderCount: scannedPaths.length };
    ctx.heartbeat(details);
    const timer = setInterval(() => ctx.heartbeat(details), HEARTBEAT_INTERVAL_MS);
    try {
      // A cancelled activity stops waiting; the merged request still serves the other callers.
      await Promise.race([done, ctx.cancelled]);
    } finally {
      clearInterval(timer);
    }
    return result;
  }

  return { listScanTargets, scanMediaServer };
}

/** The scan activities' functions, for `proxyActivities<ScanActivities>`. */
export type ScanActivities = ReturnType<typeof createScanActivities>;
