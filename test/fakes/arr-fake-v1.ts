/** The shared part of the v1 fakes (Lidarr, Readarr), on the *arr layer of `arr-fake-base.ts`. */
import {
  field,
  LibraryArrFake,
  nextId,
  notEmpty,
  validationErrors,
  type ArrValidationFailure,
  type FakeLibraryItem,
} from './arr-fake-base.js';
import { empty, json, type FakeRequest, type FakeResponse } from './http-fake.js';

/** What the v1 fakes (Lidarr, Readarr) keep of an item besides its outside id and name. */
export interface FakeNamedItem extends FakeLibraryItem {
  monitorNewItems: string;
  qualityProfileId: number;
  metadataProfileId: number;
  rootFolderPath: string;
  path: string;
  addOptions?: Record<string, unknown>;
}

/**
 * The shared part of the small v1 fakes (Lidarr, Readarr), whose items are a foreign id and a name:
 * `GET /api/v1/<resource>` (optionally filtered), `GET .../lookup` (an id term or words of the name),
 * `POST /api/v1/<resource>` → 201, `PUT .../editor` → 202, `POST /api/v1/command` (the refresh
 * command, which asks `fileExists`) → 201. The subclasses hold the contract and its names.
 */
export abstract class NamedArrFake<Item extends FakeNamedItem, Entry extends object> extends LibraryArrFake<
  Item,
  Entry
> {
  /** The resource below `/api/v1`: `artist`, `author`. */
  protected abstract readonly resource: string;
  /** The query parameter that filters the list by outside id (`mbId`), or `undefined` when there is none. */
  protected abstract readonly listFilter: string | undefined;
  /** A lookup term naming an outside id, capturing it: `/^lidarr:(.+)$/i`. */
  protected abstract readonly idTerm: RegExp;
  /** The ids field of the editor body: `artistIds`. */
  protected abstract readonly editorIdsField: string;
  /** The refresh command (`RefreshArtist`) and its id field (`artistId`). */
  protected abstract readonly refreshCommand: { name: string; idField: string };

  protected async route(req: FakeRequest): Promise<FakeResponse> {
    const items = `/api/v1/${this.resource}`;
    switch (`${req.method} ${req.path}`) {
      case `GET ${items}`:
        return json(this.listed(this.listFilter === undefined ? undefined : req.query[this.listFilter]?.[0]));
      case `GET ${items}/lookup`:
        return json(this.searchCatalog(req.query.term?.[0] ?? '', this.idTerm));
      case `POST ${items}`:
        return this.add(req.body as Record<string, unknown>);
      case `PUT ${items}/editor`:
        return json(this.setMonitored(req.body, this.editorIdsField), 202);
      case 'POST /api/v1/command': {
        const b = req.body as Record<string, unknown>;
        return this.runCommand(this.refreshCommand.name, b, [b[this.refreshCommand.idField]]);
      }
      default:
        return empty(404);
    }
  }

  private add(b: Record<string, unknown>): FakeResponse {
    const failures: ArrValidationFailure[] = [];
    const key = b[this.keyField] as string | undefined;
    if (!key) failures.push(notEmpty(this.keyProperty, null));
    for (const f of ['qualityProfileId', 'metadataProfileId'] as const)
      if (!b[f]) failures.push(notEmpty(f, b[f], f));
    if (!b.rootFolderPath && !b.path) failures.push(notEmpty('Path', null));
    failures.push(...this.existsFailures(key));
    if (failures.length > 0) return validationErrors(failures);
    const known = this.catalog.find((c) => field(c, this.keyField) === key);
    const name =
      (known && (field(known, this.nameField) as string | undefined)) ?? (b[this.nameField] as string);
    const rootFolderPath = (b.rootFolderPath as string | undefined) ?? '';
    const item = {
      id: nextId(this.library),
      [this.keyField]: key,
      [this.nameField]: name,
      monitored: (b.monitored as boolean | undefined) ?? true,
      monitorNewItems: (b.monitorNewItems as string | undefined) ?? 'all',
      hasFile: false,
      qualityProfileId: b.qualityProfileId as number,
      metadataProfileId: b.metadataProfileId as number,
      rootFolderPath,
      path: (b.path as string | undefined) ?? `${rootFolderPath}/${name}`,
      addOptions: b.addOptions as Record<string, unknown> | undefined,
    } as unknown as Item;
    this.library.push(item);
    return json(item, 201);
  }
}
