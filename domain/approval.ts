/**
 * The `approveSort` update's input: what a human says an `Unsorted/` item is. One zod schema,
 * used by the workflow's update validator (so invalid input never reaches history), the API and the CLI.
 */
import { z } from 'zod';
import { libraryNameProblem } from './approval-check.js';

/** A trimmed 1-200 character name that can become a library folder and file name. */
const libraryName = (field: string) =>
  z
    .string()
    .trim()
    .min(1, `${field} is required`)
    .max(200)
    .superRefine((name, ctx) => {
      const problem = libraryNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** A movie: title and year. */
export const MovieApprovalSchema = z.strictObject({
  kind: z.literal('movie'),
  title: libraryName('title'),
  year: z.number().int().min(1888, 'year must be 1888 or later').max(2100, 'year must be 2100 or earlier'),
});

/**
 * An episode (or several of one season): series, season, episodes; or a daily show's episode by its
 * `airDate` (season = its year, or Sonarr's season; episodes may then be empty).
 */
export const EpisodeApprovalSchema = z
  .strictObject({
    kind: z.literal('episode'),
    series: libraryName('series'),
    season: z.number().int().min(0, 'season must be 0 or more').max(2100),
    episodes: z.array(z.number().int().min(0).max(9999)).max(50),
    airDate: z
      .string()
      .regex(/^(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/, 'airDate must be YYYY-MM-DD')
      .optional(),
  })
  .refine((e) => e.episodes.length > 0 || e.airDate !== undefined, {
    message: 'at least one episode (or the airDate of a daily show) is required',
    path: ['episodes'],
  });

/** Input of `approveSort`: `{ kind: "movie", title, year }` or `{ kind: "episode", series, season, episodes[, airDate] }`. */
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
