/**
 * The workflow's approval check (no zod, `domain/approval-check.ts`) gives the same verdict as the
 * zod schema the API and the CLI parse with, on valid and invalid approvals of every kind.
 */
import { approvalProblems as workflowCheck } from '../../domain/approval-check.js';
import { approvalProblems as schemaCheck } from '../../domain/approval.js';

const CASES: unknown[] = [
  { kind: 'movie', title: 'Heat', year: 1995 },
  { kind: 'movie', title: '../../x', year: 2020 },
  { kind: 'movie', title: 'a\\b', year: 2020 },
  { kind: 'movie', title: '..', year: 2020 },
  { kind: 'movie', title: 'Tab\there', year: 2020 },
  { kind: 'movie', title: 'CON', year: 2020 },
  { kind: 'movie', title: 'nul.txt', year: 2020 },
  { kind: 'movie', title: 'Mr. Nobody', year: 2009 },
  { kind: 'movie', title: 'Con Air', year: 1997 },
  { kind: 'episode', series: 'Lost/Found', season: 1, episodes: [2] },
  { kind: 'movie', title: '  ', year: 1995 },
  { kind: 'movie', title: 'x'.repeat(201), year: 1995 },
  { kind: 'movie', title: 'Heat', year: 1887 },
  { kind: 'movie', title: 'Heat', year: 2101 },
  { kind: 'movie', title: 'Heat', year: 1995.5 },
  { kind: 'movie', title: 'Heat', year: '1995' },
  { kind: 'movie', title: 42, year: 1995 },
  { kind: 'movie', title: 'Heat', year: 1995, extra: true },
  { kind: 'movie', title: 'Heat' },
  { kind: 'episode', series: 'Lost', season: 1, episodes: [2] },
  { kind: 'episode', series: 'Lost', season: 1, episodes: [1, 2, 3] },
  { kind: 'episode', series: 'Lost', season: 0, episodes: [0] },
  { kind: 'episode', series: 'Lost', season: -1, episodes: [2] },
  { kind: 'episode', series: 'Lost', season: 2101, episodes: [2] },
  { kind: 'episode', series: 'Lost', season: 1, episodes: [] },
  { kind: 'episode', series: 'Lost', season: 1, episodes: [10000] },
  { kind: 'episode', series: 'Lost', season: 1, episodes: Array.from({ length: 51 }, (_, i) => i) },
  { kind: 'episode', series: 'Lost', season: 1, episodes: ['2'] },
  { kind: 'episode', series: 'Lost', season: 1 },
  { kind: 'episode', series: '', season: 1, episodes: [2] },
  { kind: 'episode', series: 'The Daily Show', season: 2024, episodes: [], airDate: '2024-03-05' },
  { kind: 'episode', series: 'The Daily Show', season: 2024, episodes: [], airDate: '2024-13-05' },
  { kind: 'episode', series: 'The Daily Show', season: 2024, episodes: [], airDate: 20240305 },
  { kind: 'episode', series: 'Lost', season: 1, episodes: [2], year: 2004 },
  { kind: 'show', title: 'Lost' },
  { title: 'Heat', year: 1995 },
  null,
  'Heat (1995)',
  [],
];

describe('the workflow approval check', () => {
  test.each(CASES.map((c) => [JSON.stringify(c), c]))(
    '%s: valid exactly when the zod schema says so',
    (_name, input) => {
      expect(workflowCheck(input).length === 0).toBe(schemaCheck(input).length === 0);
      // Known-valid names stay valid.
      if (
        /^\{"kind":"movie","title":"(Mr\. Nobody|Con Air|Heat)","year":(1995|1997|2009)\}$/.test(
          JSON.stringify(input),
        )
      )
        expect(workflowCheck(input)).toEqual([]);
    },
  );

  test('names what is wrong, as the update validator answers it', () => {
    expect(workflowCheck({ kind: 'episode', series: 'Clips', season: 1, episodes: [] })).toEqual([
      'episodes: at least one episode (or the airDate of a daily show) is required',
    ]);
    expect(workflowCheck({ kind: 'movie', title: 'Heat', year: 1700 })).toEqual([
      'year: a whole number from 1888 to 2100',
    ]);
    expect(workflowCheck({ kind: 'movie', title: '../../x', year: 2020 })).toEqual([
      'title: must not contain "/" or "\\": it becomes one folder and file name',
    ]);
    expect(workflowCheck({ kind: 'movie', title: '..', year: 2020 })).toEqual([
      'title: must not be "." or ".."',
    ]);
  });
});
