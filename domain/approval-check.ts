/**
 * The `approveSort` update's validator check, without zod: workflow code imports it, and the
 * workflow sandbox evaluates every module a workflow imports for each workflow it creates (zod's
 * schema construction cost about a third of the worker's workflow-thread CPU per item). It checks
 * exactly what `ApprovalSchema` in `approval.ts` checks (a test holds them to the same answers);
 * the API and the CLI parse with that schema.
 */

const AIR_DATE = /^(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

const isInt = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Device names Windows (and so an SMB share a media server reads) refuses as file or folder names. */
const RESERVED = /^(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\..*)?$/i;

/**
 * Why a title or series name cannot become a library folder and file name, or undefined when it
 * can: it names one folder (`Movies/<title> (<year>)`), so no `/` or `\`, no control character,
 * not `.` or `..` (nor only dots), not a reserved device name (`CON`, `NUL`, `COM1`, ...).
 *
 * @param name - the trimmed name
 */
export function libraryNameProblem(name: string): string | undefined {
  if (/[/\\]/.test(name)) return 'must not contain "/" or "\\": it becomes one folder and file name';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters';
  if (/^\.+$/.test(name)) return 'must not be "." or ".."';
  if (RESERVED.test(name)) return `"${name}" is a reserved device name (Windows, SMB shares)`;
  return undefined;
}

/** Problems of a required, trimmed, 1-200 character string field that names a library folder. */
function textProblems(input: Record<string, unknown>, key: string, problems: string[]): void {
  const v = input[key];
  if (typeof v !== 'string') problems.push(`${key}: expected a string`);
  else if (v.trim().length === 0) problems.push(`${key}: ${key} is required`);
  else if (v.trim().length > 200) problems.push(`${key}: at most 200 characters`);
  else {
    const problem = libraryNameProblem(v.trim());
    if (problem) problems.push(`${key}: ${problem}`);
  }
}

/**
 * Every problem of an approval (`{ kind: "movie", title, year }` or `{ kind: "episode", series,
 * season, episodes[, airDate] }`) as `path: message`; empty when valid.
 */
export function approvalProblems(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return ['(input): kind must be "movie" or "episode"'];
  const a = input as Record<string, unknown>;
  const problems: string[] = [];
  const allowed =
    a.kind === 'movie'
      ? ['kind', 'title', 'year']
      : a.kind === 'episode'
        ? ['kind', 'series', 'season', 'episodes', 'airDate']
        : undefined;
  if (!allowed) return ['kind: kind must be "movie" or "episode"'];
  const unknown = Object.keys(a).filter((k) => !allowed.includes(k));
  if (unknown.length) problems.push(`(input): unrecognized keys: ${unknown.join(', ')}`);
  if (a.kind === 'movie') {
    textProblems(a, 'title', problems);
    if (!isInt(a.year, 1888, 2100)) problems.push('year: a whole number from 1888 to 2100');
    return problems;
  }
  textProblems(a, 'series', problems);
  if (!isInt(a.season, 0, 2100)) problems.push('season: a whole number from 0 to 2100');
  const episodes = a.episodes;
  if (!Array.isArray(episodes) || episodes.length > 50 || !episodes.every((e) => isInt(e, 0, 9999)))
    problems.push('episodes: a list of at most 50 whole numbers from 0 to 9999');
  if (a.airDate !== undefined && (typeof a.airDate !== 'string' || !AIR_DATE.test(a.airDate)))
    problems.push('airDate: airDate must be YYYY-MM-DD');
  if (problems.length === 0 && (episodes as unknown[]).length === 0 && a.airDate === undefined)
    problems.push('episodes: at least one episode (or the airDate of a daily show) is required');
  return problems;
}
