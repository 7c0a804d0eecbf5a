/** Jellyfin, as docs/contracts/ARR.md ("Media servers and autoscan") describes. */
import { countRemoteSessions, HttpMediaServer, mediaUpdatedBody, type FolderChange } from './http-base.js';

/** Jellyfin: every change in one `POST /Library/Media/Updated`, `Authorization: MediaBrowser Token="..."`. */
export class JellyfinServer extends HttpMediaServer {
  readonly type = 'jellyfin' as const;

  protected get credentialName(): string {
    return 'API key';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.send('POST', '/Library/Media/Updated', {
      headers: {
        Authorization: `MediaBrowser Token="${this.config.token ?? ''}"`,
        'Content-Type': 'application/json',
      },
      body: mediaUpdatedBody(changes),
    });
  }

  /** Remote streams from `GET /Sessions`: a `NowPlayingItem`, not paused, `RemoteEndPoint` outside the LAN. */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', '/Sessions', {
      headers: { Authorization: `MediaBrowser Token="${this.config.token ?? ''}"` },
    });
    return countRemoteSessions(this.sessions(answer.text));
  }
}
