/**
 * The client of the *arr apps on the v1 API that keep one owner per folder (Lidarr's artist,
 * Readarr's author): the same requests and bodies, told apart only by the names in a {@link V1App}.
 * Each app's own file (`lidarr.ts`, `readarr.ts`) holds its {@link V1App} and makes its registry
 * entry with {@link v1App}. Requests and bodies follow docs/contracts/ARR.md ("APIs").
 */
import { z } from 'zod';
import type { MediaKind } from '../../domain/media.js';
import type { PeerNotification } from '../../domain/peers.js';
import type { ArrConfig } from '../../lib/config.js';
import {
  ArrClient,
  arrApp,
  libraryItemSchema,
  sameTitle,
  type ArrApi,
  type ArrAppEntry,
  type ForeignKey,
} from './base.js';
import type { ArrClientOptions, ArrConnection } from './http.js';

/** The v1 apps: their config sections have a `metadataProfileId`. */
export type V1AppName = 'lidarr' | 'readarr';

/**
 * A lookup result of a v1 app: its outside id and its name, both strings, under the fields its
 * {@link V1App} names (`{ foreignArtistId, artistName }`).
 */
type V1Candidate = Record<string, string>;

/**
 * What tells one v1 app from another: the names of {@link ArrApi} (the API root is `/api/v1`; the
 * schemas follow from `keyName`, the outside id's field, e.g. `foreignArtistId`, and `titleField`,
 * the name's field of lookup results and add bodies, e.g. `artistName`), plus the app, the kind of
 * item it keeps and its add option that would search.
 */
export type V1App<A extends V1AppName> = Omit<
  ArrApi<V1Candidate>,
  'itemSchema' | 'candidateSchema' | 'apiRoot'
> & {
  /** The config name of the app (`lidarr`); lookups by outside id are `<app>:<id>`. */
  app: A;
  /** The kind of item the app keeps: a peer's item of this kind goes to this app. */
  kind: MediaKind;
  /** The `addOptions` field that would search for the owner's missing files, sent `false`. */
  searchOption: string;
};

/**
 * A v1 app's client (ARR.md): owners by outside id, lookups by term, adds to `POST /api/v1/<noun>`
 * unmonitored, `PUT /api/v1/<noun>/editor` and refresh commands (which rescan the owner's folder).
 * Failures: see {@link ArrClient}.
 */
class V1Client<A extends V1AppName> extends ArrClient<NonNullable<ArrConfig[A]>, V1Candidate> {
  readonly app: A;
  protected readonly api: ArrApi<V1Candidate>;

  constructor(
    private readonly spec: V1App<A>,
    connection: ArrConnection,
    options?: ArrClientOptions,
  ) {
    super(connection, options);
    const { app, kind: _kind, searchOption: _searchOption, ...names } = spec;
    this.app = app;
    this.api = {
      ...names,
      apiRoot: '/api/v1',
      // The outside id's field is named at run time: the schema checks it, `keyName` reads it.
      itemSchema: libraryItemSchema.extend({ [spec.keyName]: z.string() } as Record<never, z.ZodString>),
      candidateSchema: z.object({
        [spec.keyName]: z.string().min(1),
        [spec.titleField]: z.string(),
      }),
    };
  }

  protected isExactMatch(c: V1Candidate, n: PeerNotification): boolean {
    return sameTitle(c[this.spec.titleField]!, n);
  }

  /** The notification's name when it has one (the app fetches the rest on add), else `<app>:<id>`. */
  protected async candidateByKey(key: ForeignKey, n: PeerNotification): Promise<V1Candidate | undefined> {
    if (n.title) return { [this.spec.keyName]: String(key), [this.spec.titleField]: n.title };
    return this.lookupByKey(key, `${this.app}:${key}`);
  }

  protected addBody(c: V1Candidate, s: NonNullable<ArrConfig[A]>): Record<string, unknown> {
    const { keyName, titleField, searchOption } = this.spec;
    return {
      [titleField]: c[titleField],
      [keyName]: c[keyName],
      qualityProfileId: s.qualityProfileId,
      metadataProfileId: s.metadataProfileId,
      rootFolderPath: s.rootFolderPath,
      monitored: false,
      monitorNewItems: 'none',
      tags: [],
      addOptions: { monitor: 'none', [searchOption]: false },
    };
  }
}

/**
 * The registry entry of a v1 app.
 *
 * @param spec - the app's names (see {@link V1App})
 */
export function v1App<A extends V1AppName>(spec: V1App<A>): ArrAppEntry<A> {
  return arrApp<A>(
    spec.kind,
    class extends V1Client<A> {
      constructor(connection: ArrConnection, options?: ArrClientOptions) {
        super(spec, connection, options);
      }
    },
  );
}
