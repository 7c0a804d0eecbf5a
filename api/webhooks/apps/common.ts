/**
 * What every *arr app's webhooks share, per docs/contracts/ARR.md (payload classes under
 * `src/NzbDrone.Core/Notifications/Webhook/` of each app): the pieces of the zod schemas, what a
 * webhook asks for ({@link WebhookIntent}), how one app's parsers are made ({@link using}), and
 * the events every app sends alike about its items ({@link owner}). Only the fields vaultarr uses are required; unknown fields pass (the apps
 * add fields between versions); null fields are absent in real payloads, so `null` is rejected as
 * malformed.
 */
import { z } from 'zod';
import type { MediaIdentity } from '../../../domain/media.js';
import type { MediaIds } from '../../../domain/peers.js';

/** An *arr's absolute path of a file or folder. */
export const absPath = z.string().min(1).max(4096);
/** A file with its path (and size, when sent). */
export const fileWithPath = z.looseObject({ path: absPath, size: z.number().int().nonnegative().optional() });
/**
 * What every Download says about an upgrade: `isUpgrade`, and the files it replaced
 * (`deletedFiles`).
 */
const upgradeFields = {
  isUpgrade: z.boolean().optional(),
  deletedFiles: z
    .array(z.looseObject({ path: absPath }))
    .max(1000)
    .optional(),
};
/** The files a Rename lists: each one's new `path` and its `previousPath`. */
const renamedFiles = z.array(fileWithPath.extend({ previousPath: absPath })).max(1000);

/** Every payload: `eventType` (PascalCase, matched case-insensitively). */
export const BaseEventSchema = z.looseObject({
  eventType: z.string().min(1).max(100),
  instanceName: z.string().max(500).optional(),
});

/** One thing a webhook asks for; paths are the *arr's absolute paths, mapped later. */
export type WebhookIntent =
  | { kind: 'import'; arrPath: string; identity?: MediaIdentity; replaces: string[] }
  | { kind: 'rename'; fromArrPath: string; toArrPath: string }
  | { kind: 'delete'; arrPath: string; reason: string }
  | { kind: 'delete-folder'; arrPath: string; reason: string };

/** The interpretation of a webhook. */
export type Interpretation =
  | { ok: true; eventType: string; test: boolean; intents: WebhookIntent[] }
  | { ok: false; problems: string[] };

/** Every issue of a failed parse, as `path: message`. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

/** Interprets the body of one event type (`eventType` as sent). */
export type Parser = (body: unknown, eventType: string) => Interpretation;

/** An app's parsers, by lowercased `eventType`; an event type not listed is only recorded. */
export type WebhookApp = Record<string, Parser>;

/**
 * A parser that checks the body against `schema` and builds the intents from the parsed payload.
 *
 * @param schema - the event's payload schema
 * @param build - the intents of a valid payload
 * @returns a parser answering every problem as `path: message` when the body does not fit
 */
export function using<T extends z.ZodType>(
  schema: T,
  build: (payload: z.infer<T>, eventType: string) => WebhookIntent[],
): Parser {
  return (body, eventType) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    return { ok: true, eventType, test: false, intents: build(parsed.data, eventType) };
  };
}

/** The ids an *arr sent, without the absent ones. */
export function defined(ids: MediaIds): MediaIds {
  return Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined && v !== '')) as MediaIds;
}

/** An app's item: its `id`, and the fields of `shape`. */
const itemSchema = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.looseObject({ id: z.number().int(), ...shape });

/** An item's name or title as the apps send it. */
export const itemName = z.string().min(1).max(500);

/**
 * An app's item that holds files (`movie`, `series`, `artist`, `author`) and the events every app
 * sends alike about it: each builds its payload schema (the item under `key`) and what the event
 * asks for.
 *
 * @param key - the item's field in every payload (`movie`)
 * @param shape - the item's fields besides its `id` (an integer)
 * @param folderOf - the item's folder (`movie.folderPath`, `series.path`)
 */
export function owner<K extends string, T extends z.core.$ZodLooseShape>(
  key: K,
  shape: T,
  folderOf: (item: z.infer<ReturnType<typeof itemSchema<T>>>) => string,
) {
  const item = itemSchema(shape);
  const base = BaseEventSchema.extend({ [key]: item } as { [P in K]: typeof item });
  const downloadSchema = <D extends z.core.$ZodLooseShape>(shape: D) =>
    base.extend(shape).extend(upgradeFields);
  type Download<D extends z.core.$ZodLooseShape> = ReturnType<typeof downloadSchema<D>>;
  return {
    /**
     * The Download event: the item, the fields of `shape` (its files, ...) and the upgrade's; an
     * import intent per file of `filesOf`, each with the identity of `identityOf` and the paths of
     * the files the upgrade replaced (`deletedFiles`).
     *
     * @param check - a further rule on the whole payload (`refine`), none by default
     */
    download<D extends z.core.$ZodLooseShape>(
      shape: D,
      filesOf: (p: z.infer<Download<D>>) => Array<{ path: string }>,
      identityOf: (p: z.infer<Download<D>>) => MediaIdentity | undefined,
      check: (s: Download<D>) => z.ZodType<z.infer<Download<D>>> = (s) => s,
    ): Parser {
      return using(check(downloadSchema(shape)), (p) => {
        const identity = identityOf(p);
        const { deletedFiles } = p as { deletedFiles?: Array<{ path: string }> };
        const replaces = (deletedFiles ?? []).map((d) => d.path);
        return filesOf(p).map((f) => ({ kind: 'import', arrPath: f.path, identity, replaces }));
      });
    },

    /**
     * The Rename event: the item's renamed files under `filesKey` (`renamedMovieFiles`), each a
     * rename intent (`previousPath` → `path`).
     *
     * @param optional - true when the app may send a Rename without the list (then nothing to do)
     */
    rename(filesKey: string, optional = false): Parser {
      const schema = base.extend({ [filesKey]: optional ? renamedFiles.optional() : renamedFiles });
      return using(schema, (p) => {
        const files = (p as Record<string, z.infer<typeof renamedFiles> | undefined>)[filesKey] ?? [];
        return files.map((f) => ({ kind: 'rename', fromArrPath: f.previousPath, toArrPath: f.path }));
      });
    },

    /**
     * The event of one deleted file (`MovieFileDelete`): the file under `fileKey` (`movieFile`), a
     * delete intent with `reason`.
     *
     * @param withDeleteReason - true when the app sends `deleteReason`: the reason then ends with
     *   it in parentheses (`unknown` when absent)
     */
    fileDelete(fileKey: string, reason: string, withDeleteReason = false): Parser {
      const schema = base.extend({
        [fileKey]: fileWithPath,
        ...(withDeleteReason ? { deleteReason: z.string().optional() } : {}),
      });
      return using(schema, (p) => {
        const payload = p as Record<string, unknown> & { deleteReason?: string };
        const file = payload[fileKey] as z.infer<typeof fileWithPath>;
        const why = withDeleteReason ? `${reason} (${payload.deleteReason ?? 'unknown'})` : reason;
        return [{ kind: 'delete', arrPath: file.path, reason: why }];
      });
    },

    /**
     * The event of the deleted item (`MovieDelete`): when the app deleted its files too
     * (`deletedFiles: true`), a folder delete of the item's folder with `reason`, else nothing.
     *
     * @param extra - further fields the app sends (checked when present)
     */
    deleted(reason: string, extra: z.core.$ZodLooseShape = {}): Parser {
      const schema = base.extend({ ...extra, deletedFiles: z.boolean() });
      return using(schema, (p) => {
        const arrPath = folderOf((p as Record<K, z.infer<typeof item>>)[key]);
        return p.deletedFiles ? [{ kind: 'delete-folder', arrPath, reason }] : [];
      });
    },
  };
}
