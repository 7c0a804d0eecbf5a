import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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
