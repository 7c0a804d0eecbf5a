/**
 * Readarr's registry entry: authors by `foreignAuthorId`, a v1 app (`v1.ts`). See
 * docs/contracts/ARR.md ("APIs").
 */
import { v1App } from './v1.js';

/** Readarr keeps books (by author). */
export const readarrApp = v1App({
  app: 'readarr',
  kind: 'book',
  displayName: 'Readarr',
  noun: 'author',
  keyName: 'foreignAuthorId',
  titleField: 'authorName',
  idsKey: 'foreignAuthorId',
  // Readarr has no filter query: the list is searched.
  listFilter: undefined,
  existsCodes: ['AuthorExistsValidator'],
  editorIdsField: 'authorIds',
  rescanCommandName: 'RefreshAuthor',
  rescanIdField: 'authorId',
  searchOption: 'searchForMissingBooks',
});
