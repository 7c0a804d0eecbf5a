/**
 * Readarr's webhooks: the zod schemas of the payloads vaultarr acts on and what each asks for, per
 * docs/contracts/ARR.md (Readarr's `src/NzbDrone.Core/Notifications/Webhook/`).
 */
import { z } from 'zod';
import { absPath, defined, fileWithPath, itemName, owner, type WebhookApp } from './common.js';

/** Readarr's foreign ids (Goodreads), a string or a number. */
const goodreadsId = z.union([z.string(), z.number()]).optional();
/** Readarr `author`, in its folder `path`. */
const author = owner('author', { name: itemName, path: absPath, goodreadsId }, (a) => a.path);

/**
 * What vaultarr does about each Readarr event it acts on, by lowercased `eventType`: Download
 * (`bookFiles[]`), Rename (`renamedBookFiles`, when it lists files), BookFileDelete, AuthorDelete
 * (with `book` for a BookDelete).
 */
export const readarrWebhooks: WebhookApp = {
  download: author.download(
    {
      book: z.looseObject({ title: z.string().max(500).optional(), goodreadsId }).optional(),
      bookFiles: z.array(fileWithPath).min(1).max(1000),
    },
    (p) => p.bookFiles,
    (p) => ({
      kind: 'book',
      author: p.author.name,
      book: p.book?.title,
      ids: defined({
        foreignAuthorId: p.author.goodreadsId?.toString(),
        foreignBookId: p.book?.goodreadsId?.toString(),
      }),
    }),
  ),
  rename: author.rename('renamedBookFiles', true),
  bookfiledelete: author.fileDelete('bookFile', 'readarr BookFileDelete'),
  authordelete: author.deleted('readarr AuthorDelete', {
    book: z.looseObject({ title: z.string().optional() }).optional(),
  }),
};
