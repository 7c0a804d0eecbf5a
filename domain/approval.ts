/**
 * The `approveSort` update's input: what a human says an `Unsorted/` item is. One zod schema,
 * used by the workflow's update validator (so invalid input never reaches history), the API and the CLI.
 */
import { z } from 'zod';

/** A movie: title and year. */
export const MovieApprovalSchema = z.strictObject({
  kind: z.literal('movie'),
  title: z.string().trim().min(1, 'title is required').max(200),
  year: z.number().int().min(1888, 'year must be 1888 or later').max(2100, 'year must be 2100 or earlier'),
});

/** An episode (or several of one season): series, season, episodes. */
export const EpisodeApprovalSchema = z.strictObject({
  kind: z.literal('episode'),
  series: z.string().trim().min(1, 'series is required').max(200),
  season: z.number().int().min(0, 'season must be 0 or more').max(999),
  episodes: z.array(z.number().int().min(0).max(9999)).min(1, 'at least one episode is required').max(50),
});

/** Input of `approveSort`: `{ kind: "movie", title, year }` or `{ kind: "episode", series, season, episodes }`. */
export const ApprovalSchema = z.discriminatedUnion('kind', [MovieApprovalSchema, EpisodeApprovalSchema], {
  error: 'kind must be "movie" or "episode"',
});

/** A validated approval. */
export type Approval = z.infer<typeof ApprovalSchema>;

/** Every problem of an approval as `path: message`; empty when valid. */
export function approvalProblems(input: unknown): string[] {
  const result = ApprovalSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
}

/** Approval by suggestion: the Nth (1-based) of the item's `suggestions`, as it is. */
export const SuggestionChoiceSchema = z.strictObject({
  suggestion: z
    .number()
    .int('suggestion must be a whole number')
    .min(1, 'suggestion must be 1 or more')
    .max(3, 'suggestion must be 3 or less'),
});

/** A choice of suggestion: `{ suggestion: N }`. */
export type SuggestionChoice = z.infer<typeof SuggestionChoiceSchema>;

/**
 * What an approval request may be: a full identity, or `{ suggestion: N }`. A body with a
 * `suggestion` field is read as a choice of suggestion, anything else as an identity, so each
 * answers with its own messages.
 *
 * @throws ZodError listing every problem of the request
 */
export function parseApprovalRequest(body: unknown): Approval | SuggestionChoice {
  const isChoice = typeof body === 'object' && body !== null && 'suggestion' in body;
  return isChoice ? SuggestionChoiceSchema.parse(body) : ApprovalSchema.parse(body);
}
