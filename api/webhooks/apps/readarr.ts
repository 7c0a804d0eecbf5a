/**
 * Readarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Readarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import {
  absPath,
  BaseEventSchema,
  defined,
  deletedFiles,
  fileWithPath,
  folderDeleted,
  renames,
  replaced,
  using,
  type WebhookApp,
} from './common.js';

const ReadarrAuthor = z.looseObject({
  id: z.number().int(),
  name: z.string().min(1).max(500),
  path: absPath,
  /** Readarr's foreign author id (Goodreads). */
  goodreadsId: z.union([z.string(), z.number()]).optional(),
});
/** Readarr Download (`bookFiles[]`). */
export const ReadarrDownloadSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  book: z
    .looseObject({
      title: z.string().max(500).optional(),
      goodreadsId: z.union([z.string(), z.number()]).optional(),
    })
    .optional(),
  bookFiles: z.array(fileWithPath).min(1).max(1000),
  isUpgrade: z.boolean().optional(),
  deletedFiles,
});
/** Readarr Rename (when it lists files). */
export const ReadarrRenameSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  renamedBookFiles: z
    .array(fileWithPath.extend({ previousPath: absPath }))
    .max(1000)
    .optional(),
});
/** Readarr BookFileDelete. */
export const ReadarrFileDeleteSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  bookFile: fileWithPath,
});
/** Readarr AuthorDelete / BookDelete. */
export const ReadarrDeleteSchema = BaseEventSchema.extend({
  author: ReadarrAuthor,
  book: z.looseObject({ title: z.string().optional() }).optional(),
  deletedFiles: z.boolean(),
});

/** What vaultarr does about each Readarr event it acts on, by lowercased `eventType`. */
export const readarrWebhooks: WebhookApp = {
  download: using(ReadarrDownloadSchema, (p) =>
    p.bookFiles.map((f) => ({
      kind: 'import' as const,
      arrPath: f.path,
      identity: {
        kind: 'book' as const,
        author: p.author.name,
        book: p.book?.title,
        ids: defined({
          foreignAuthorId: p.author.goodreadsId?.toString(),
          foreignBookId: p.book?.goodreadsId?.toString(),
        }),
      },
      replaces: replaced(p.deletedFiles),
    })),
  ),
  rename: using(ReadarrRenameSchema, (p) => renames(p.renamedBookFiles)),
  bookfiledelete: using(ReadarrFileDeleteSchema, (p) => [
    { kind: 'delete', arrPath: p.bookFile.path, reason: 'readarr BookFileDelete' },
  ]),
  authordelete: using(ReadarrDeleteSchema, (p) =>
    folderDeleted(p.deletedFiles, p.author.path, 'readarr AuthorDelete'),
  ),
};
