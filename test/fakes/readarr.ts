/**
 * A small fake Readarr v1 (docs/contracts/ARR.md, "APIs"): the author list
 * (`GET /api/v1/author`, no filter query: clients search it for `foreignAuthorId`), lookups
 * (`term=readarr:<id>` or words of the name), `POST /api/v1/author` → 201,
 * `PUT /api/v1/author/editor` → 202, `POST /api/v1/command` (`RefreshAuthor` with `authorId`) → 201.
 * No Readarr spec sits in docs/contracts/, so requests are validated against
 * {@link READARR_CONTRACT}, a small OpenAPI document written from ARR.md and Readarr's
 * `AuthorResource`/`AddAuthorOptions`.
 */
import type { LibraryFakeOptions } from './arr-fake-base.js';
import { NamedArrFake, type FakeNamedItem } from './arr-fake-v1.js';
import { OpenApiValidator, type OpenApiDocument } from './openapi-validator.js';

const int = { type: 'integer', format: 'int32' };
const body = (ref: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

/** The part of Readarr's v1 API the fake serves, as OpenAPI (written from ARR.md, not Readarr's file). */
export const READARR_CONTRACT: OpenApiDocument = {
  paths: {
    '/api/v1/author': {
      get: {},
      post: { requestBody: body('AuthorResource') },
    },
    '/api/v1/author/lookup': {
      get: { parameters: [{ name: 'term', in: 'query', schema: { type: 'string' } }] },
    },
    '/api/v1/author/editor': { put: { requestBody: body('AuthorEditorResource') } },
    '/api/v1/command': { post: { requestBody: body('RefreshAuthorCommand') } },
  },
  components: {
    schemas: {
      AuthorResource: {
        type: 'object',
        properties: {
          id: int,
          authorName: { type: 'string', nullable: true },
          foreignAuthorId: { type: 'string', nullable: true },
          qualityProfileId: int,
          metadataProfileId: int,
          rootFolderPath: { type: 'string', nullable: true },
          path: { type: 'string', nullable: true },
          monitored: { type: 'boolean' },
          monitorNewItems: { enum: ['all', 'none', 'new'], type: 'string' },
          tags: { type: 'array', items: int, uniqueItems: true, nullable: true },
          addOptions: { $ref: '#/components/schemas/AddAuthorOptions' },
        },
        additionalProperties: false,
      },
      AddAuthorOptions: {
        type: 'object',
        properties: {
          monitor: {
            enum: ['all', 'future', 'missing', 'existing', 'latest', 'first', 'none', 'unknown'],
            type: 'string',
          },
          booksToMonitor: { type: 'array', items: { type: 'string' }, nullable: true },
          monitored: { type: 'boolean' },
          searchForMissingBooks: { type: 'boolean' },
        },
        additionalProperties: false,
      },
      AuthorEditorResource: {
        type: 'object',
        properties: {
          authorIds: { type: 'array', items: int, nullable: true },
          monitored: { type: 'boolean', nullable: true },
        },
        additionalProperties: false,
      },
      RefreshAuthorCommand: {
        type: 'object',
        properties: { name: { enum: ['RefreshAuthor'], type: 'string' }, authorId: int },
        additionalProperties: false,
      },
    },
  },
};

/** An author Readarr's metadata source knows. */
export interface ReadarrAuthorInfo {
  foreignAuthorId: string;
  authorName: string;
}

/** An author in the fake's library. */
export interface FakeAuthor extends ReadarrAuthorInfo, FakeNamedItem {}

/** Options of {@link FakeReadarr}: the catalog, and whether an author has files on disk, asked on `RefreshAuthor`. */
export type FakeReadarrOptions = LibraryFakeOptions<FakeAuthor, ReadarrAuthorInfo>;

/** Fake Readarr v1; see the module comment. */
export class FakeReadarr extends NamedArrFake<FakeAuthor, ReadarrAuthorInfo> {
  protected readonly validator = new OpenApiValidator(READARR_CONTRACT, 'Readarr v1 contract');
  protected readonly keyField = 'foreignAuthorId';
  protected readonly nameField = 'authorName';
  protected readonly resource = 'author';
  protected readonly listFilter = undefined;
  protected readonly idTerm = /^readarr:(.+)$/i;
  protected readonly editorIdsField = 'authorIds';
  protected readonly refreshCommand = { name: 'RefreshAuthor', idField: 'authorId' };
  protected readonly alreadyAdded = {
    errorMessage: 'This author has already been added.',
    errorCode: 'AuthorExistsValidator',
  };

  /** The library; tests may change it while the fake runs. */
  get authors(): FakeAuthor[] {
    return this.library;
  }

  /** The author with this foreign id, if the library has it. */
  author(foreignAuthorId: string): FakeAuthor | undefined {
    return this.inLibrary(foreignAuthorId);
  }
}
