/**
 * The *arr apps vaultarr adds peers' items to, by their name in the `arr` config section. Adding an
 * app is its file (a client on `base.ts`, and its entry made by `arrApp`), its config section in
 * lib/config.ts, and one line here.
 */
import type { ArrAppEntry } from './base.js';
import type { ArrAppName } from './http.js';
import { lidarrApp } from './lidarr.js';
import { radarrApp } from './radarr.js';
import { readarrApp } from './readarr.js';
import { sonarrApp } from './sonarr.js';

/** Every app, by config name: the kind of item it keeps and how to reach it. */
export const ARR_REGISTRY: { readonly [A in ArrAppName]: ArrAppEntry<A> } = {
  radarr: radarrApp,
  sonarr: sonarrApp,
  lidarr: lidarrApp,
  readarr: readarrApp,
};

/** The names of {@link ARR_REGISTRY}. */
export const ARR_APP_NAMES = Object.keys(ARR_REGISTRY) as ArrAppName[];
