/** Emby, as docs/contracts/ARR.md ("Media servers and autoscan") describes. */
import { MediaBrowserServer } from './media-browser.js';

/**
 * Emby: every change in one `POST /emby/Library/Media/Updated`, `X-Emby-Token` header; remote
 * streams from `GET /emby/Sessions`, counted as Jellyfin's.
 */
export class EmbyServer extends MediaBrowserServer {
  readonly type = 'emby' as const;
  protected readonly apiPrefix = '/emby';

  protected get tokenHeader(): Record<string, string> {
    return { 'X-Emby-Token': this.config.token ?? '' };
  }
}
