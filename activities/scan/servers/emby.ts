/** Emby, as docs/contracts/ARR.md ("Media servers and autoscan") describes. */
import { countRemoteSessions, HttpMediaServer, mediaUpdatedBody, type FolderChange } from './http-base.js';

/** Emby: every change in one `POST /emby/Library/Media/Updated`, `X-Emby-Token` header. */
export class EmbyServer extends HttpMediaServer {
  readonly type = 'emby' as const;

  protected get credentialName(): string {
    return 'API key';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.send('POST', '/emby/Library/Media/Updated', {
      headers: { 'X-Emby-Token': this.config.token ?? '', 'Content-Type': 'application/json' },
      body: mediaUpdatedBody(changes),
    });
  }

  /** Remote streams from `GET /emby/Sessions`, counted as Jellyfin's. */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', '/emby/Sessions', {
      headers: { 'X-Emby-Token': this.config.token ?? '' },
    });
    return countRemoteSessions(this.sessions(answer.text));
  }
}
