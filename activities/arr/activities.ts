/**
 * *arr activities (shared task queue: they only speak HTTP): put a peer's item into this instance's
 * own *arr app for its kind (the apps of `registry.ts`) as unmonitored, so it shows as present
 * without ever being searched or grabbed, and have the app rescan it after a rename or delete on the peer. The
 * requests are those of docs/contracts/ARR.md ("APIs") and the Radarr/Sonarr v3 OpenAPI specs;
 * see `base.ts` and one file per app, listed in `registry.ts`.
 */
import { FailureType } from '../../domain/failures.js';
import type { PeerNotification } from '../../domain/peers.js';
import type { ArrConfig } from '../../lib/config.js';
import { permanentFailure } from '../failures.js';
import type { ArrEnsureResult, ArrRescanResult, ConnectedArrApp } from './base.js';
import type { ArrAppName } from './http.js';
import { ARR_APP_NAMES, ARR_REGISTRY } from './registry.js';

export type { ArrEnsureResult, ArrRescanResult } from './base.js';
export type { ArrAppName } from './http.js';

/** Dependencies of the *arr activities. */
export interface ArrDeps {
  /** The `arr` config section; an app left out is skipped, not an error. */
  arr: ArrConfig;
  /** Timeout of each HTTP request to an app, in ms; default `DEFAULT_ARR_TIMEOUT_MS` (`http.ts`). */
  fetchTimeoutMs?: number;
}

/** Input of `addToArrUnmonitored` and `rescanArrItem`. */
export interface ArrItemInput {
  /** The peer's notification; `kind` picks the app, `ids`/`title`/`year` find the item. */
  notification: PeerNotification;
}

/** The app was not asked at all: not configured here, or the item's kind has no *arr app. */
export interface ArrSkipped {
  action: 'skipped';
  /** E.g. `no radarr configured`. */
  reason: string;
}

/**
 * Outcome of the *arr activities, an expected branch, so a value: `added`, `present` or
 * `unmonitored` (from `addToArrUnmonitored`), `rescanned` or `absent` (from `rescanArrItem`), or
 * `skipped` (either). Everything but `skipped` and `absent` carries the app's `id` and
 * `rescanned: true`.
 */
export type ArrOutcome = ArrEnsureResult | ArrRescanResult | ArrSkipped;

/** Rejects input that can never succeed (the workflow passes what the API validated, so rarely). */
function checkInput(input: ArrItemInput | undefined): PeerNotification {
  const n = input?.notification;
  if (!n || typeof n !== 'object' || typeof n.kind !== 'string' || typeof n.ids !== 'object' || !n.ids)
    throw permanentFailure(
      FailureType.INVALID_INPUT,
      'an *arr activity needs { notification } with kind and ids',
    );
  return n;
}

/**
 * Creates the *arr activities with one client per configured app (they keep no state between
 * calls).
 *
 * @param deps - the `arr` config section and the per-request timeout in ms
 */
export function createArrActivities(deps: ArrDeps) {
  const options = { timeoutMs: deps.fetchTimeoutMs };
  const apps: Partial<Record<ArrAppName, ConnectedArrApp>> = {};
  const connect = <A extends ArrAppName>(name: A): void => {
    const settings = deps.arr[name];
    if (settings) apps[name] = ARR_REGISTRY[name].connect(settings, options);
  };
  for (const name of ARR_APP_NAMES) connect(name);

  /** The app for the notification's kind, or why there is none. */
  function route(n: PeerNotification): ConnectedArrApp | ArrSkipped {
    const name = ARR_APP_NAMES.find((app) => ARR_REGISTRY[app].kind === n.kind);
    if (!name) return { action: 'skipped', reason: `kind ${n.kind} has no *arr app` };
    return apps[name] ?? { action: 'skipped', reason: `no ${name} configured` };
  }

  /**
   * Makes sure this instance's *arr app for the item's kind (the app whose registry entry keeps
   * that kind: a movie goes to Radarr) has the peer's item, unmonitored and never searched: added
   * unmonitored when absent; when present, its monitoring is left alone unless
   * `arr.<app>.unmonitorExisting`. Then the app is asked to rescan it so the file shows as present.
   * Safe to retry: a second run finds the item present.
   *
   * @param input - `{ notification }`: the peer's notification (`kind`, `ids`, `title`, `year`)
   * @returns `{ app, action: 'added' | 'present' | 'unmonitored', id, rescanned: true }`, or
   *   `{ action: 'skipped', reason }` when no app is configured for the kind or the kind is `unknown`
   * @throws ApplicationFailure, none retried: `ARR_AUTH_FAILED` (401: wrong `apiKey`);
   *   `ARR_REJECTED` (a 400 validation array, whose `propertyName: errorMessage` pairs are the
   *   message, other 4xx, redirects, answers that are not the app's API); `NO_MEDIA_MATCH` (no ids
   *   and no single exact title/year match in the app's lookup, or an id the app does not know);
   *   `INVALID_INPUT`. A plain `Error`, retried, when the app is unreachable, times out or answers
   *   5xx/408/429.
   */
  async function addToArrUnmonitored(input: ArrItemInput): Promise<ArrOutcome> {
    const n = checkInput(input);
    const app = route(n);
    return 'action' in app ? app : app.ensurePresentUnmonitored(n);
  }

  /**
   * Asks this instance's *arr app for the item's kind to rescan the peer's item (after a rename or
   * delete on the peer), found by outside id or an exact title/year lookup match. An item the app
   * does not have is not an error.
   *
   * @param input - `{ notification }`: the peer's notification
   * @returns `{ app, action: 'rescanned', id, rescanned: true }`, `{ app, action: 'absent', reason }`,
   *   or `{ action: 'skipped', reason }` as for `addToArrUnmonitored`
   * @throws ApplicationFailure `ARR_AUTH_FAILED`, `ARR_REJECTED`, `INVALID_INPUT` (none retried);
   *   a plain `Error` (retried) as for `addToArrUnmonitored`
   */
  async function rescanArrItem(input: ArrItemInput): Promise<ArrOutcome> {
    const n = checkInput(input);
    const app = route(n);
    return 'action' in app ? app : app.rescan(n);
  }

  return { addToArrUnmonitored, rescanArrItem };
}

/** The *arr activities' functions, for `proxyActivities<ArrActivities>`. */
export type ArrActivities = ReturnType<typeof createArrActivities>;
