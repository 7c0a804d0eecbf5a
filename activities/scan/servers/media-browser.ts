/**
 * What Jellyfin and Emby share (Jellyfin began as a fork of Emby): every change in one
 * `POST <prefix>/Library/Media/Updated`, and the remote streams from `GET <prefix>/Sessions`, as
 * docs/contracts/ARR.md ("Media servers and autoscan") describes. Each server's own file gives its
 * path prefix and the header that carries its API key.
 */
import { z } from 'zod';
import { HttpMediaServer, isLanAddress, type FolderChange } from './http-base.js';

/** Jellyfin's and Emby's `GET /Sessions`: the fields of `SessionInfo` the throttle reads. */
const sessionInfoSchema = z.array(
  z.object({
    NowPlayingItem: z.unknown().optional(),
    PlayState: z.object({ IsPaused: z.boolean().nullish() }).nullish(),
    RemoteEndPoint: z.string().nullish(),
  }),
);

/** Remote streams in a `GET /Sessions` answer: something playing, not paused, from outside the LAN. */
function countRemoteSessions(sessions: z.infer<typeof sessionInfoSchema>): number {
  return sessions.filter(
    (s) => s.NowPlayingItem && !s.PlayState?.IsPaused && !isLanAddress(s.RemoteEndPoint ?? ''),
  ).length;
}

/** A Jellyfin-like server: the `Library/Media/Updated` and `Sessions` calls below its path prefix. */
export abstract class MediaBrowserServer extends HttpMediaServer {
  /** Where the API lives below the base URL: `''` (Jellyfin) or `/emby`. */
  protected abstract readonly apiPrefix: string;
  /** The header that carries the API key. */
  protected abstract get tokenHeader(): Record<string, string>;

  protected get credentialName(): string {
    return 'API key';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.send('POST', `${this.apiPrefix}/Library/Media/Updated`, {
      headers: { ...this.tokenHeader, 'Content-Type': 'application/json' },
      body: mediaUpdatedBody(changes),
    });
  }

  /** Remote streams from `GET /Sessions`: a `NowPlayingItem`, not paused, `RemoteEndPoint` outside the LAN. */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', `${this.apiPrefix}/Sessions`, { headers: this.tokenHeader });
    return countRemoteSessions(this.sessions(answer.text));
  }

  /** A `GET /Sessions` answer (Jellyfin, Emby), parsed. */
  private sessions(text: string): z.infer<typeof sessionInfoSchema> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.unreadable('GET /Sessions did not answer JSON');
    }
    const parsed = sessionInfoSchema.safeParse(json);
    if (!parsed.success) throw this.unreadable('GET /Sessions did not answer a list of sessions');
    return parsed.data;
  }
}

/** The `Updates` body shared by Jellyfin and Emby (ARR.md). */
function mediaUpdatedBody(changes: FolderChange[]): string {
  return JSON.stringify({ Updates: changes.map((c) => ({ Path: c.path, UpdateType: c.updateType })) });
}
