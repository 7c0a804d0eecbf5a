/**
 * Plex: partial scans of a library section's folder, and the remote streams playing (for the
 * stream throttle), as docs/contracts/ARR.md ("Media servers and autoscan") describes.
 */
import { z } from 'zod';
import { FailureType } from '../../../domain/failures.js';
import { permanentFailure } from '../../failures.js';
import { HttpMediaServer, trimTrailingSlashes, type FolderChange } from './http-base.js';

/** How long the section list is reused before it is fetched again, in ms. */
const SECTION_CACHE_MS = 60_000;

const plexSectionsSchema = z.object({
  MediaContainer: z.object({
    Directory: z
      .array(
        z.object({
          key: z.union([z.string(), z.number()]).transform(String),
          title: z.string(),
          type: z.string(),
          Location: z.array(z.object({ path: z.string() })).default([]),
        }),
      )
      .default([]),
  }),
});

/** The part of Plex's `GET /status/sessions` the throttle reads (one `Metadata` entry per session). */
const plexSessionsSchema = z.object({
  MediaContainer: z.object({
    Metadata: z
      .array(
        z.object({
          Player: z
            .object({
              state: z.string().optional(),
              local: z.union([z.boolean(), z.number(), z.string()]).optional(),
            })
            .optional(),
          Session: z.object({ location: z.string().optional() }).optional(),
        }),
      )
      .default([]),
  }),
});

/** A Plex library section as `GET /library/sections` lists it (ARR.md). */
export interface PlexSection {
  key: string;
  title: string;
  /** `movie`, `show`, `artist`, ... */
  type: string;
  /** Absolute folder paths on the Plex host. */
  locations: string[];
}

/** True when `prefix` is `folder` or one of its parents, on whole path segments. */
function isWithin(folder: string, prefix: string): boolean {
  const p = trimTrailingSlashes(prefix);
  return p === '/' || folder === p || folder.startsWith(`${p}/`);
}

/**
 * The sections whose longest matching `Location` is the longest of all: usually one; several only
 * when two sections share the folder, and then each of them should scan it.
 */
function sectionsForFolder(sections: PlexSection[], folder: string): PlexSection[] {
  let best = -1;
  let found: PlexSection[] = [];
  for (const section of sections) {
    const lengths = section.locations
      .filter((l) => isWithin(folder, l))
      .map((l) => trimTrailingSlashes(l).length);
    if (lengths.length === 0) continue;
    const length = Math.max(...lengths);
    if (length > best) [best, found] = [length, [section]];
    else if (length === best) found.push(section);
  }
  return found;
}

/**
 * Plex: partial scans with `GET /library/sections/{key}/refresh?path=<folder>`, once per distinct
 * (section, folder). The section is the one whose `Location` is the longest whole-segment prefix
 * of the folder; the section list is cached for a minute and fetched again once when no
 * section matches (a library added since).
 */
export class PlexServer extends HttpMediaServer {
  readonly type = 'plex' as const;
  private cache?: { fetchedAtMs: number; sections: Promise<PlexSection[]> };

  protected get credentialName(): string {
    return 'X-Plex-Token';
  }

  private get headers(): Record<string, string> {
    return { 'X-Plex-Token': this.config.token ?? '', Accept: 'application/json' };
  }

  /**
   * The library sections: the cached list when it was fetched at or after `notBeforeMs`, else a
   * new one. Concurrent scans share one fetch; a failed fetch is not kept.
   */
  private sections(notBeforeMs: number): Promise<PlexSection[]> {
    if (this.cache && this.cache.fetchedAtMs >= notBeforeMs) return this.cache.sections;
    const entry = { fetchedAtMs: Date.now(), sections: this.fetchSections() };
    this.cache = entry;
    entry.sections.catch(() => {
      if (this.cache === entry) this.cache = undefined;
    });
    return entry.sections;
  }

  private async fetchSections(): Promise<PlexSection[]> {
    const answer = await this.send('GET', '/library/sections', { headers: this.headers });
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw this.unreadable(
        'GET /library/sections did not answer JSON; is mediaServers[].url a Plex server?',
      );
    }
    const parsed = plexSectionsSchema.safeParse(json);
    if (!parsed.success)
      throw this.unreadable('GET /library/sections did not answer a MediaContainer with Directory[]');
    return parsed.data.MediaContainer.Directory.map((d) => ({
      key: d.key,
      title: d.title,
      type: d.type,
      locations: d.Location.map((l) => l.path),
    }));
  }

  /**
   * Remote streams from `GET /status/sessions`: each `MediaContainer.Metadata[]` whose
   * `Player.state` is `playing` or `buffering` and whose `Session.location` is `wan` (or, from
   * servers that do not send it, whose `Player.local` is false).
   */
  async remoteStreams(): Promise<number> {
    const answer = await this.send('GET', '/status/sessions', { headers: this.headers });
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw this.unreadable('GET /status/sessions did not answer JSON; is mediaServers[].url a Plex server?');
    }
    const parsed = plexSessionsSchema.safeParse(json);
    if (!parsed.success) throw this.unreadable('GET /status/sessions did not answer a MediaContainer');
    return parsed.data.MediaContainer.Metadata.filter((m) => {
      const state = m.Player?.state;
      if (state !== 'playing' && state !== 'buffering') return false;
      if (m.Session?.location) return m.Session.location === 'wan';
      const local = m.Player?.local;
      return local === false || local === 0 || local === '0';
    }).length;
  }

  /**
   * Refreshes each distinct (section, folder) once, one request after the other.
   *
   * @throws ApplicationFailure `NO_LIBRARY_SECTION` (not retried) when no section contains a folder
   *   even after fetching the list again; otherwise see {@link MediaServer.scan}
   */
  async scan(changes: FolderChange[]): Promise<void> {
    const startedAtMs = Date.now();
    const refreshes = new Map<string, { key: string; folder: string }>();
    for (const change of changes) {
      const folder = trimTrailingSlashes(change.path);
      let list = await this.sections(startedAtMs - SECTION_CACHE_MS);
      let matched = sectionsForFolder(list, folder);
      if (matched.length === 0) {
        // A section added since the list was cached: look once more, unless this scan fetched it.
        list = await this.sections(startedAtMs);
        matched = sectionsForFolder(list, folder);
      }
      if (matched.length === 0) {
        const known = list.map((s) => `${s.title} (${s.locations.join(', ') || 'no folders'})`).join('; ');
        throw permanentFailure(
          FailureType.NO_LIBRARY_SECTION,
          `${this.label} no library section contains ${folder}; sections: ${known || 'none'}`,
          { server: this.name, folder },
        );
      }
      for (const section of matched) refreshes.set(`${section.key}\0${folder}`, { key: section.key, folder });
    }
    for (const { key, folder } of refreshes.values()) {
      const answer = await this.send('GET', `/library/sections/${encodeURIComponent(key)}/refresh`, {
        query: [['path', folder]],
        headers: this.headers,
        passStatuses: [404],
      });
      if (answer.status === 404) {
        this.cache = undefined;
        throw new Error(
          `${this.label} library section ${key} is gone (404); the next attempt looks it up again`,
        );
      }
    }
  }
}
