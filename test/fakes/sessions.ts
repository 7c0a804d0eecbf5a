/**
 * Playback sessions for the media-server fakes (`GET /status/sessions` on Plex, `GET /Sessions` on
 * Jellyfin and Emby), so that tests can start and end streams. Shapes follow the servers' APIs:
 * Plex's `MediaContainer.Metadata[]` with `Player` and `Session`, Jellyfin's and Emby's
 * `SessionInfo` (`RemoteEndPoint`, `NowPlayingItem`, `PlayState`).
 */

/** One stream a fake reports. */
export interface FakeStream {
  user: string;
  title: string;
  /** Played from outside the LAN (a public address, Plex `location: wan`). */
  remote: boolean;
  state: 'playing' | 'paused' | 'buffering';
}

const address = (stream: FakeStream, i: number): string =>
  stream.remote ? `203.0.113.${10 + i}` : `192.168.1.${10 + i}`;

/** Plex `GET /status/sessions` (JSON) for the streams. */
export function plexSessions(streams: FakeStream[]): unknown {
  return {
    MediaContainer: {
      size: streams.length,
      ...(streams.length
        ? {
            Metadata: streams.map((s, i) => ({
              sessionKey: String(i + 1),
              type: 'movie',
              title: s.title,
              viewOffset: 120_000,
              duration: 7_200_000,
              User: { id: String(i + 1), title: s.user },
              Player: {
                address: address(s, i),
                device: 'Chrome',
                machineIdentifier: `player-${i + 1}`,
                platform: 'Chrome',
                product: 'Plex Web',
                state: s.state,
                title: 'Chrome',
                local: !s.remote,
                relayed: false,
                secure: true,
              },
              Session: { id: `session-${i + 1}`, bandwidth: 8000, location: s.remote ? 'wan' : 'lan' },
            })),
          }
        : {}),
    },
  };
}

/**
 * Jellyfin/Emby `GET /Sessions` for the streams, plus the idle session of the dashboard the
 * administrator has open (no `NowPlayingItem`), as real servers list it.
 */
export function sessionInfos(streams: FakeStream[]): unknown[] {
  const idle = {
    Id: 'idle-dashboard',
    UserName: 'admin',
    Client: 'Jellyfin Web',
    DeviceName: 'Firefox',
    RemoteEndPoint: '203.0.113.200',
    IsActive: true,
    PlayState: { CanSeek: false, IsPaused: false, IsMuted: false, RepeatMode: 'RepeatNone' },
    SupportsRemoteControl: true,
  };
  return [
    idle,
    ...streams.map((s, i) => ({
      Id: `session-${i + 1}`,
      UserName: s.user,
      Client: 'Jellyfin Android',
      DeviceName: 'Phone',
      RemoteEndPoint: address(s, i),
      IsActive: true,
      NowPlayingItem: { Name: s.title, Id: `item-${i + 1}`, Type: 'Movie', RunTimeTicks: 72_000_000_000 },
      PlayState: {
        PositionTicks: 1_200_000_000,
        CanSeek: true,
        IsPaused: s.state === 'paused',
        IsMuted: false,
        PlayMethod: 'DirectStream',
        RepeatMode: 'RepeatNone',
      },
      SupportsRemoteControl: true,
    })),
  ];
}
