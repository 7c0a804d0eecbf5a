/**
 * The media server registry: one class per `mediaServers[].type`, each in its own file beside
 * this one. Adding a server is its file (a subclass of {@link HttpMediaServer}) and one line in
 * {@link SERVERS} (plus its name in the `type` enum of `mediaServers` in lib/config.ts, which the
 * `Record` below holds to).
 */
import type { MediaServerConfig } from '../../../lib/config.js';
import { AutoscanServer } from './autoscan.js';
import { EmbyServer } from './emby.js';
import type { MediaServer, MediaServerOptions } from './http-base.js';
import { JellyfinServer } from './jellyfin.js';
import { PlexServer } from './plex.js';

export * from './http-base.js';

/** The client class of each server type. */
const SERVERS: Record<
  MediaServerConfig['type'],
  new (config: MediaServerConfig, options: MediaServerOptions) => MediaServer
> = {
  plex: PlexServer,
  jellyfin: JellyfinServer,
  emby: EmbyServer,
  autoscan: AutoscanServer,
};

/**
 * Creates the client of one configured media server.
 *
 * @param config - one entry of `mediaServers` (lib/config.ts)
 * @param options - the request timeout, in ms
 */
export function createMediaServer(config: MediaServerConfig, options: MediaServerOptions = {}): MediaServer {
  return new SERVERS[config.type](config, options);
}
