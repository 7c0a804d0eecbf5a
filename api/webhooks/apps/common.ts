/**
 * What every *arr app's webhooks share, per docs/contracts/ARR.md (payload classes under
 * `src/NzbDrone.Core/Notifications/Webhook/` of each app): the pieces of
 * the zod schemas, what a webhook asks for ({@link WebhookIntent}), and how one app's parsers are
 * made ({@link using}). Only the fields vaultarr uses are required; unknown fields pass (the apps
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
/** The files an upgrade replaced (`deletedFiles` of a Download). */
export const deletedFiles = z
  .array(z.looseObject({ path: absPath }))
  .max(1000)
  .optional();

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

/** The paths of the files an upgrade replaced. */
export const replaced = (files?: Array<{ path: string }>) => (files ?? []).map((f) => f.path);

/** The rename intents of a Rename's renamed files (`previousPath` → `path`). */
export const renames = (files?: Array<{ path: string; previousPath: string }>): WebhookIntent[] =>
  (files ?? []).map((f) => ({ kind: 'rename', fromArrPath: f.previousPath, toArrPath: f.path }));

/** A folder delete's intent when the *arr deleted the files too (`deletedFiles: true`), else none. */
export const folderDeleted = (deletedFiles: boolean, arrPath: string, reason: string): WebhookIntent[] =>
  deletedFiles ? [{ kind: 'delete-folder', arrPath, reason }] : [];
