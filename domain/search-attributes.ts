import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { MediaItemStatus } from './messages.js';

/** Lifecycle stage (see `Stage`). Keyword: filter with `VaultarrStage = "resident"`. */
export const STAGE_ATTRIBUTE = defineSearchAttributeKey('VaultarrStage', SearchAttributeType.KEYWORD);
/** `movie`, `episode` or `unknown`. */
export const KIND_ATTRIBUTE = defineSearchAttributeKey('VaultarrKind', SearchAttributeType.KEYWORD);
/** Movie title or series name; Text so the Web UI matches words. */
export const TITLE_ATTRIBUTE = defineSearchAttributeKey('VaultarrTitle', SearchAttributeType.TEXT);
/** Library-relative path once sorted, e.g. `Movies/The Matrix (1999)/The Matrix (1999).mkv`. */
export const LIBRARY_PATH_ATTRIBUTE = defineSearchAttributeKey(
  'VaultarrLibraryPath',
  SearchAttributeType.KEYWORD,
);
/** The host whose disk holds the local copy. */
export const HOST_ATTRIBUTE = defineSearchAttributeKey('VaultarrHostId', SearchAttributeType.KEYWORD);

/**
 * Every search attribute vaultarr uses, as `name=Type` pairs for
 * `temporal server start-dev --search-attribute` and `temporal operator search-attribute create`.
 */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Array<{ name: string; type: 'Keyword' | 'Text' }> = [
  { name: STAGE_ATTRIBUTE.name, type: 'Keyword' },
  { name: KIND_ATTRIBUTE.name, type: 'Keyword' },
  { name: TITLE_ATTRIBUTE.name, type: 'Text' },
  { name: LIBRARY_PATH_ATTRIBUTE.name, type: 'Keyword' },
  { name: HOST_ATTRIBUTE.name, type: 'Keyword' },
];

/**
 * An item's search attributes as its status says: stage and host, the kind once known, the title
 * and library path once set. What the item workflow upserts, and what a starter that hands it a
 * carried state sets (the run takes them as shown).
 */
export function itemSearchAttributes(
  status: Pick<MediaItemStatus, 'stage' | 'kind' | 'title' | 'libraryPath'>,
  hostId: string,
) {
  return [
    { key: STAGE_ATTRIBUTE, value: status.stage },
    ...(status.kind !== 'unknown' ? [{ key: KIND_ATTRIBUTE, value: status.kind }] : []),
    { key: HOST_ATTRIBUTE, value: hostId },
    ...(status.title ? [{ key: TITLE_ATTRIBUTE, value: status.title }] : []),
    ...(status.libraryPath ? [{ key: LIBRARY_PATH_ATTRIBUTE, value: status.libraryPath }] : []),
  ];
}
