/**
 * A small fake Readarr v1 (../shared/contracts/ARR.md, "APIs"): the author list
 * (`GET /api/v1/author`, no filter query: clients search it for `foreignAuthorId`), lookups
 * (`term=readarr:<id>` or words of the name), `POST /api/v1/author` → 201,
 * `PUT /api/v1/author/editor` → 202, `POST /api/v1/command` (`RefreshAuthor` with `authorId`) → 201.
 * No Readarr spec sits in ../shared/contracts/, so requests are validated against
 * {@link READARR_CONTRACT}, a small OpenAPI document written from ARR.md and Readarr's
 * `AuthorResource`/`AddAuthorOptions`.
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
export interface FakeAuthor extends ReadarrAuthorInfo {
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

/** Options of {@link FakeReadarr}. */
export interface FakeReadarrOptions extends ArrFakeOptions {
  catalog?: ReadarrAuthorInfo[];
  /** Whether the author has files on disk, asked on `RefreshAuthor`. */
  fileExists?: (author: FakeAuthor) => boolean | Promise<boolean>;
}

/** Fake Readarr v1; see the module comment. */
export class FakeReadarr extends ArrFake {
  readonly authors: FakeAuthor[] = [];
  catalog: ReadarrAuthorInfo[];
  readonly commands: FakeCommand[] = [];
  fileExists?: (author: FakeAuthor) => boolean | Promise<boolean>;
  protected readonly validator = new OpenApiValidator(READARR_CONTRACT, 'Readarr v1 contract');

  constructor(options: FakeReadarrOptions) {
    super(options);
    this.catalog = options.catalog ?? [];
    this.fileExists = options.fileExists;
  }

  /** The author with this foreign id, if the library has it. */
  author(foreignAuthorId: string): FakeAuthor | undefined {
    return this.authors.find((a) => a.foreignAuthorId === foreignAuthorId);
  }

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/v1/author':
        return json(this.authors);
      case 'GET /api/v1/author/lookup': {
        const term = req.query.term?.[0] ?? '';
        const byId = /^readarr:(.+)$/i.exec(term);
        return json(
          this.catalog.filter((c) =>
            byId ? c.foreignAuthorId === byId[1] : termMatches(term, c.authorName),
          ),
        );
      }
      case 'POST /api/v1/author':
        return this.add(req.body as Record<string, unknown>);
      case 'PUT /api/v1/author/editor': {
        const b = req.body as { authorIds?: number[] | null; monitored?: boolean | null };
        const changed = this.authors.filter((a) => b.authorIds?.includes(a.id));
        for (const a of changed) if (typeof b.monitored === 'boolean') a.monitored = b.monitored;
        return json(changed, 202);
      }
      case 'POST /api/v1/command': {
        const b = req.body as { authorId?: number };
        const id = this.commands.length + 1;
        this.commands.push({ id, name: 'RefreshAuthor', body: b });
        const author = this.authors.find((a) => a.id === b.authorId);
        if (author && this.fileExists) author.hasFile = await this.fileExists(author);
        return json(commandResource(id, b), 201);
      }
      default:
        return empty(404);
    }
  }

  private add(b: Record<string, unknown>): FakeResponse {
    const failures: ArrValidationFailure[] = [];
    const foreignAuthorId = b.foreignAuthorId as string | undefined;
    if (!foreignAuthorId)
      failures.push(
        validationFailure(
          'ForeignAuthorId',
          "'Foreign Author Id' must not be empty.",
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
    if (foreignAuthorId && this.author(foreignAuthorId))
      failures.push(
        validationFailure(
          'ForeignAuthorId',
          'This author has already been added.',
          foreignAuthorId,
          'AuthorExistsValidator',
        ),
      );
    if (failures.length > 0) return validationErrors(failures);
    const known = this.catalog.find((c) => c.foreignAuthorId === foreignAuthorId);
    const authorName = known?.authorName ?? (b.authorName as string);
    const rootFolderPath = (b.rootFolderPath as string | undefined) ?? '';
    const author: FakeAuthor = {
      id: nextId(this.authors),
      foreignAuthorId: foreignAuthorId!,
      authorName,
      monitored: (b.monitored as boolean | undefined) ?? true,
      monitorNewItems: (b.monitorNewItems as string | undefined) ?? 'all',
      hasFile: false,
      qualityProfileId: b.qualityProfileId as number,
      metadataProfileId: b.metadataProfileId as number,
      rootFolderPath,
      path: (b.path as string | undefined) ?? `${rootFolderPath}/${authorName}`,
      addOptions: b.addOptions as Record<string, unknown> | undefined,
    };
    this.authors.push(author);
    return json(author, 201);
  }
}
