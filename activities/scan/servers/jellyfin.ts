/** Jellyfin, as docs/contracts/ARR.md ("Media servers and autoscan") describes. */
import { MediaBrowserServer } from './media-browser.js';

/** Jellyfin: every change in one `POST /Library/Media/Updated`, `Authorization: MediaBrowser Token="..."`. */
export class JellyfinServer extends MediaBrowserServer {
  readonly type = 'jellyfin' as const;
  protected readonly apiPrefix = '';

  protected get tokenHeader(): Record<string, string> {
    return { Authorization: `MediaBrowser Token="${this.config.token ?? ''}"` };
  }
}
