/** Helpers of the identity rule's tests (test/unit/sort-identity*.test.ts). */
import { decideIdentity, type IdentityContext } from '../../activities/sort/identity.js';
import { libraryStem } from '../../activities/sort/release-planner.js';
import type { VideoIdentity } from '../../domain/media.js';

/**
 * Where the identity rule puts a name: its library stem (`Shows/<Series>/Season <NN>/...`,
 * `Movies/<Title> (<Year>)/...`), or `Unsorted` when it does not place it.
 *
 * @param name - a release or file name, without its folder
 * @param context - known titles and *arr answers, as `decideIdentity` takes them
 */
export function placedAt(name: string, context: IdentityContext = {}): string {
  const decided = decideIdentity(name, context);
  return decided.kind === 'placed' ? libraryStem(decided.identity) : 'Unsorted';
}

/** An episode identity: `series`, season number and the episode numbers the file holds. */
export const episode = (series: string, season: number, episodes: number[]): VideoIdentity => ({
  kind: 'episode',
  series,
  season,
  episodes,
});
