/**
 * A small fake Lidarr v1 (../shared/contracts/ARR.md, "APIs"): artists by MusicBrainz id
 * (`GET /api/v1/artist?mbId=`), lookups (`term=lidarr:<mbid>` or words of the name),
 * `POST /api/v1/artist` → 201, `PUT /api/v1/artist/editor` → 202, `POST /api/v1/command`
 * (`RefreshArtist` with `artistId`) → 201. No Lidarr spec sits in ../shared/contracts/, so requests
 * are validated against {@link LIDARR_CONTRACT}, a small OpenAPI document written from ARR.md and
 * Lidarr's `ArtistResource`/`AddArtistOptions`.
 */
import {
  ArrFake,
  commandResource,
  nextId,
  OpenApiValidator,
  termMatches,
  validationErrors,
  validationFailure,
  type ArrFakeOptions,
  type ArrValidationFailure,
  type OpenApiDocument,
} from './arr-fake-base.js';
import type { FakeCommand } from './radarr.js';
import { empty, json, type FakeRequest, type FakeResponse } from './http-fake.js';

const int = { type: 'integer', format: 'int32' };
const body = (ref: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/** The part of Lidarr's v1 API the fake serves, as OpenAPI (written from ARR.md, not Lidarr's file). */
export const LIDARR_CONTRACT: OpenApiDocument = {
  paths: {
    '/api/v1/artist': {
      get: { parameters: [{ name: 'mbId', in: 'query', schema: { type: 'string' } }] },
      post: { requestBody: body('ArtistResource') },
    },
    '/api/v1/artist/lookup': {
      get: { parameters: [{ name: 'term', in: 'query', schema: { type: 'string' } }] },
    },
    '/api/v1/artist/editor': { put: { requestBody: body('ArtistEditorResource') } },
    '/api/v1/command': { post: { requestBody: body('RefreshArtistCommand') } },
  },
  components: {
    schemas: {
      ArtistResource: {
        type: 'object',
        properties: {
          id: int,
          artistName: { type: 'string', nullable: true },
          foreignArtistId: { type: 'string', nullable: true },
          qualityProfileId: int,
          metadataProfileId: int,
          rootFolderPath: { type: 'string', nullable: true },
          path: { type: 'string', nullable: true },
          monitored: { type: 'boolean' },
          monitorNewItems: { enum: ['all', 'none', 'new'], type: 'string' },
          tags: { type: 'array', items: int, uniqueItems: true, nullable: true },
          addOptions: { $ref: '#/components/schemas/AddArtistOptions' },
        },
        additionalProperties: false,
      },
      AddArtistOptions: {
        type: 'object',
        properties: {
          monitor: {
            enum: ['all', 'future', 'missing', 'existing', 'latest', 'first', 'none', 'unknown'],
            type: 'string',
          },
          albumsToMonitor: { type: 'array', items: { type: 'string' }, nullable: true },
          monitored: { type: 'boolean' },
          searchForMissingAlbums: { type: 'boolean' },
        },
        additionalProperties: false,
      },
      ArtistEditorResource: {
        type: 'object',
        properties: {
          artistIds: { type: 'array', items: int, nullable: true },
          monitored: { type: 'boolean', nullable: true },
        },
        additionalProperties: false,
      },
      RefreshArtistCommand: {
        type: 'object',
        properties: { name: { enum: ['RefreshArtist'], type: 'string' }, artistId: int },
        additionalProperties: false,
      },
    },
  },
};

/** An artist MusicBrainz knows. */
export interface MusicBrainzArtist {
  foreignArtistId: string;
  artistName: string;
}

/** An artist in the fake's library. */
export interface FakeArtist extends MusicBrainzArtist {
  id: number;
  monitored: boolean;
  monitorNewItems: string;
  hasFile: boolean;
  qualityProfileId: number;
  metadataProfileId: number;
  rootFolderPath: string;
  path: string;
  addOptions?: Record<string, unknown>;
}

/** Options of {@link FakeLidarr}. */
export interface FakeLidarrOptions extends ArrFakeOptions {
  catalog?: MusicBrainzArtist[];
  /** Whether the artist has files on disk, asked on `RefreshArtist`. */
  fileExists?: (artist: FakeArtist) => boolean | Promise<boolean>;
}

/** Fake Lidarr v1; see the module comment. */
export class FakeLidarr extends ArrFake {
  readonly artists: FakeArtist[] = [];
  catalog: MusicBrainzArtist[];
  readonly commands: FakeCommand[] = [];
  fileExists?: (artist: FakeArtist) => boolean | Promise<boolean>;
  protected readonly validator = new OpenApiValidator(LIDARR_CONTRACT, 'Lidarr v1 contract');

  constructor(options: FakeLidarrOptions) {
    super(options);
    this.catalog = options.catalog ?? [];
    this.fileExists = options.fileExists;
  }

  /** The artist with this MusicBrainz id, if the library has it. */
  artist(foreignArtistId: string): FakeArtist | undefined {
    return this.artists.find((a) => a.foreignArtistId === foreignArtistId);
  }

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/v1/artist': {
        const mbId = req.query.mbId?.[0];
        return json(this.artists.filter((a) => mbId === undefined || a.foreignArtistId === mbId));
      }
      case 'GET /api/v1/artist/lookup': {
        const term = req.query.term?.[0] ?? '';
        const byId = /^lidarr:(.+)$/i.exec(term);
        return json(
          this.catalog.filter((c) =>
            byId ? c.foreignArtistId === byId[1] : termMatches(term, c.artistName),
          ),
        );
      }
      case 'POST /api/v1/artist':
        return this.add(req.body as Record<string, unknown>);
      case 'PUT /api/v1/artist/editor': {
        const b = req.body as { artistIds?: number[] | null; monitored?: boolean | null };
        const changed = this.artists.filter((a) => b.artistIds?.includes(a.id));
        for (const a of changed) if (typeof b.monitored === 'boolean') a.monitored = b.monitored;
        return json(changed, 202);
      }
      case 'POST /api/v1/command': {
        const b = req.body as { artistId?: number };
        const id = this.commands.length + 1;
        this.commands.push({ id, name: 'RefreshArtist', body: b });
        const artist = this.artists.find((a) => a.id === b.artistId);
        if (artist && this.fileExists) artist.hasFile = await this.fileExists(artist);
        return json(commandResource(id, b), 201);
      }
      default:
        return empty(404);
    }
  }

  private add(b: Record<string, unknown>): FakeResponse {
    const failures: ArrValidationFailure[] = [];
    const foreignArtistId = b.foreignArtistId as string | undefined;
    if (!foreignArtistId)
      failures.push(
        validationFailure(
          'ForeignArtistId',
          "'Foreign Artist Id' must not be empty.",
          null,
          'NotEmptyValidator',
        ),
      );
    for (const field of ['qualityProfileId', 'metadataProfileId'] as const)
      if (!b[field])
        failures.push(
          validationFailure(field, `'${field}' must not be empty.`, b[field], 'NotEmptyValidator'),
        );
    if (!b.rootFolderPath && !b.path)
      failures.push(validationFailure('Path', "'Path' must not be empty.", null, 'NotEmptyValidator'));
    if (foreignArtistId && this.artist(foreignArtistId))
      failures.push(
        validationFailure(
          'ForeignArtistId',
          'This artist has already been added.',
          foreignArtistId,
          'ArtistExistsValidator',
        ),
      );
    if (failures.length > 0) return validationErrors(failures);
    const known = this.catalog.find((c) => c.foreignArtistId === foreignArtistId);
    const artistName = known?.artistName ?? (b.artistName as string);
    const rootFolderPath = (b.rootFolderPath as string | undefined) ?? '';
    const artist: FakeArtist = {
      id: nextId(this.artists),
      foreignArtistId: foreignArtistId!,
      artistName,
      monitored: (b.monitored as boolean | undefined) ?? true,
      monitorNewItems: (b.monitorNewItems as string | undefined) ?? 'all',
      hasFile: false,
      qualityProfileId: b.qualityProfileId as number,
      metadataProfileId: b.metadataProfileId as number,
      rootFolderPath,
      path: (b.path as string | undefined) ?? `${rootFolderPath}/${artistName}`,
      addOptions: b.addOptions as Record<string, unknown> | undefined,
    };
    this.artists.push(artist);
    return json(artist, 201);
  }
}
