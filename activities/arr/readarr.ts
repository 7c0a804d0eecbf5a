/** Readarr's client and registry entry: authors by `foreignAuthorId`. See docs/contracts/ARR.md ("APIs"). */
import { z } from 'zod';
import type { PeerNotification } from '../../domain/peers.js';
import type { ArrConfig } from '../../lib/config.js';
import { ArrClient, arrApp, libraryItemSchema, sameTitle, type ForeignKey } from './base.js';

/** `arr.readarr` of the config: connection, quality and metadata profiles, root folder. */
export type ReadarrSettings = NonNullable<ArrConfig['readarr']>;

const readarrAuthorSchema = libraryItemSchema.extend({ foreignAuthorId: z.string() });
const readarrCandidateSchema = z.object({ foreignAuthorId: z.string().min(1), authorName: z.string() });
type ReadarrCandidate = z.infer<typeof readarrCandidateSchema>;

/**
 * Readarr v1 (ARR.md): authors by `foreignAuthorId` (Readarr has no filter query: the list is
 * searched), lookups by term, adds to `POST /api/v1/author` unmonitored, `PUT /api/v1/author/editor`
 * and `RefreshAuthor` commands (which rescan the author's folder).
 */
export class ReadarrClient extends ArrClient<ReadarrSettings, ReadarrCandidate> {
  readonly app = 'readarr' as const;
  protected readonly displayName = 'Readarr';
  protected readonly noun = 'author';
  protected readonly keyName = 'foreignAuthorId';
  protected readonly titleField = 'authorName';
  protected readonly idsKey = 'foreignAuthorId';
  protected readonly listFilter = undefined;
  protected readonly itemSchema = readarrAuthorSchema;
  protected readonly apiRoot = '/api/v1';
  protected readonly existsCodes = ['AuthorExistsValidator'];
  protected readonly candidateSchema = readarrCandidateSchema;
  protected readonly editorIdsField = 'authorIds';
  protected readonly rescanCommandName = 'RefreshAuthor';
  protected readonly rescanIdField = 'authorId';

  protected isExactMatch(c: ReadarrCandidate, n: PeerNotification): boolean {
    return sameTitle(c.authorName, n);
  }

  /** The notification's name when it has one (Readarr fetches the rest on add), else `readarr:<id>`. */
  protected async candidateByKey(
    key: ForeignKey,
    n: PeerNotification,
  ): Promise<ReadarrCandidate | undefined> {
    if (n.title) return { foreignAuthorId: String(key), authorName: n.title };
    return this.lookupByKey(key, `readarr:${key}`);
  }

  protected addBody(c: ReadarrCandidate, s: ReadarrSettings): Record<string, unknown> {
    return {
      authorName: c.authorName,
      foreignAuthorId: c.foreignAuthorId,
      qualityProfileId: s.qualityProfileId,
      metadataProfileId: s.metadataProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      tags: [],
      addOptions: { monitor: 'none', searchForMissingBooks: false },
    };
  }
}

/** Readarr keeps books (by author). */
export const readarrApp = arrApp<'readarr'>('book', ReadarrClient);
