/**
 * A small fake Lidarr v1 (docs/contracts/ARR.md, "APIs"): artists by MusicBrainz id
 * (`GET /api/v1/artist?mbId=`), lookups (`term=lidarr:<mbid>` or words of the name),
 * `POST /api/v1/artist` → 201, `PUT /api/v1/artist/editor` → 202, `POST /api/v1/command`
 * (`RefreshArtist` with `artistId`) → 201. No Lidarr spec sits in docs/contracts/, so requests
 * are validated against {@link LIDARR_CONTRACT}, a small OpenAPI document written from ARR.md and
 * Lidarr's `ArtistResource`/`AddArtistOptions`.
 */
import type { LibraryFakeOptions } from './arr-fake-base.js';
import { NamedArrFake, type FakeNamedItem } from './arr-fake-v1.js';
import { OpenApiValidator, type OpenApiDocument } from './openapi-validator.js';

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
export interface FakeArtist extends MusicBrainzArtist, FakeNamedItem {}

/** Options of {@link FakeLidarr}: the catalog, and whether an artist has files on disk, asked on `RefreshArtist`. */
export type FakeLidarrOptions = LibraryFakeOptions<FakeArtist, MusicBrainzArtist>;

/** Fake Lidarr v1; see the module comment. */
export class FakeLidarr extends NamedArrFake<FakeArtist, MusicBrainzArtist> {
  protected readonly validator = new OpenApiValidator(LIDARR_CONTRACT, 'Lidarr v1 contract');
  protected readonly keyField = 'foreignArtistId';
  protected readonly nameField = 'artistName';
  protected readonly resource = 'artist';
  protected readonly listFilter = 'mbId';
  protected readonly idTerm = /^lidarr:(.+)$/i;
  protected readonly editorIdsField = 'artistIds';
  protected readonly refreshCommand = { name: 'RefreshArtist', idField: 'artistId' };
  protected readonly alreadyAdded = {
    errorMessage: 'This artist has already been added.',
    errorCode: 'ArtistExistsValidator',
  };

  /** The library; tests may change it while the fake runs. */
  get artists(): FakeArtist[] {
    return this.library;
  }

  /** The artist with this MusicBrainz id, if the library has it. */
  artist(foreignArtistId: string): FakeArtist | undefined {
    return this.inLibrary(foreignArtistId);
  }
}
