/**
 * Scenario 8, sort accuracy: every release of `bench/sort-corpus.tsv` through the sort planner
 * (`planRelease`, exactly what the `planSort` activity runs with an empty library and no *arr):
 * share placed where a Sonarr/Radarr user expects it, sent to `Unsorted/`, and placed wrongly; the
 * share correct when an Unsorted release whose first suggestion is right counts as correct; the
 * figures per source of decision; the same corpus with *arr lists that know the corpus's titles
 * (as a user's Sonarr and Radarr know what they download); and each parser alone, for comparison.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PARSERS, type IdentityContext, type KnownTitle } from '../../activities/sort/identity.js';
import { libraryStem, planRelease, type ReleaseFile } from '../../activities/sort/release-planner.js';
import type { SeasonSize, SortPlan } from '../../domain/media.js';
import { projectRoot } from '../../lib/project.js';
import { checked, info, round, type Scenario, type TableRow } from '../lib/report.js';

/** One corpus line. */
export interface CorpusEntry {
  release: string;
  /** Expected library paths, or `undefined` for `Unsorted`. */
  expected?: string[];
}

/** Reads the corpus (`release<TAB>expected`, `#` comments). */
export function readCorpus(file = path.join(projectRoot(), 'bench', 'sort-corpus.tsv')): CorpusEntry[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [release, expected] = l.split('\t');
      if (!release || !expected) throw new Error(`bad corpus line: ${l}`);
      return { release, expected: expected === 'Unsorted' ? undefined : expected.split('|') };
    });
}

/** Verdict on one release. */
export type Verdict = 'correct' | 'unsorted' | 'wrong';

/** Judgement of one planned release. */
export interface Judgement {
  verdict: Verdict;
  got: string[] | 'Unsorted';
  caseOnly: boolean;
  /** How the placement was decided (`agreement`, `library`, `sonarr`, ...), for placed releases. */
  source?: string;
  /** For an Unsorted release that should have been placed: its first suggestion names the expected video path. */
  firstSuggestionRight: boolean;
}

/** The release's files as the planner sees them. */
function releaseOf(entry: CorpusEntry): { releasePath: string; isFolder: boolean; files: ReleaseFile[] } {
  const parts = entry.release.split('|');
  const isFolder = parts[0]!.includes('/');
  const folder = isFolder ? parts[0]!.slice(0, parts[0]!.indexOf('/')) : undefined;
  const files: ReleaseFile[] = parts.map((p) => ({
    path: isFolder ? p.slice(folder!.length + 1) : p,
    // Main videos are big, everything else small (the planner only uses sizes for approvals).
    sizeBytes: /\.(mkv|mp4|avi|m4v)$/i.test(p) ? 1_500_000_000 : 40_000,
  }));
  return { releasePath: `Incoming/${folder ?? parts[0]}`, isFolder, files };
}

/** Plans one corpus release and judges the plan against the expectation. */
export function judge(entry: CorpusEntry, context?: IdentityContext): Judgement {
  const plan: SortPlan = planRelease({ ...releaseOf(entry), context });
  if (plan.kind === 'unmatched') {
    const first = plan.suggestions?.[0];
    const stem = first && libraryStem(first.identity);
    const firstSuggestionRight = !!stem && !!entry.expected?.some((e) => e.replace(/\.[^./]+$/, '') === stem);
    return {
      verdict: entry.expected ? 'unsorted' : 'correct',
      got: 'Unsorted',
      caseOnly: false,
      firstSuggestionRight,
    };
  }
  const got = plan.items.flatMap((i) => [i.video.to, ...i.subtitles.map((s) => s.to)]).sort();
  const source = [...new Set(plan.items.map((i) => i.source ?? 'unknown'))].join('+');
  if (!entry.expected) return { verdict: 'wrong', got, caseOnly: false, source, firstSuggestionRight: false };
  const expected = [...entry.expected].sort();
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (same(got, expected))
    return { verdict: 'correct', got, caseOnly: false, source, firstSuggestionRight: false };
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  return {
    verdict: 'wrong',
    got,
    caseOnly: same(lower(got), lower(expected)),
    source,
    firstSuggestionRight: false,
  };
}

/** Season sizes by series folder (`bench/sort-seasons.tsv`), as Sonarr lists them with its series. */
export function readSeasonSizes(
  file = path.join(projectRoot(), 'bench', 'sort-seasons.tsv'),
): Map<string, SeasonSize[]> {
  return new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => {
        const [series, sizes] = l.split('\t');
        if (!series || !sizes) throw new Error(`bad season-size line: ${l}`);
        return [series, sizes.split(',').map((n, i) => ({ season: i + 1, episodes: Number(n) }))];
      }),
  );
}

/**
 * What a user's Sonarr and Radarr would list if they knew every title of the corpus: the series
 * and movie folders of its expected paths, as *arr list entries (never its release names), each
 * series with its season sizes where `bench/sort-seasons.tsv` gives them.
 */
export function arrListsOf(corpus: CorpusEntry[], seasonSizes = readSeasonSizes()): KnownTitle[] {
  const titles = new Map<string, KnownTitle>();
  for (const e of corpus)
    for (const p of e.expected ?? []) {
      const [root, folder] = p.split('/');
      const seasons = folder ? seasonSizes.get(folder) : undefined;
      if (root === 'Shows' && folder)
        titles.set(`s:${folder}`, {
          kind: 'episode',
          title: folder,
          source: 'sonarr',
          ...(seasons ? { seasons } : {}),
        });
      const movie = root === 'Movies' && folder ? /^(.*\S)\s+\((\d{4})\)$/.exec(folder) : null;
      if (movie)
        titles.set(`m:${folder}`, {
          kind: 'movie',
          title: movie[1]!,
          year: Number(movie[2]),
          source: 'radarr',
        });
    }
  return [...titles.values()];
}

/** Counts of one run over the corpus. */
interface Tally {
  counts: Record<Verdict, number>;
  caseOnly: number;
  /** Unsorted releases (that should have been placed) whose first suggestion is right. */
  suggestedRight: number;
  /** Per source of decision: correct and wrong placements. */
  bySource: Record<string, { correct: number; wrong: number }>;
  misses: Array<{
    release: string;
    expected: string;
    got: string;
    verdict: Verdict;
    caseOnly: boolean;
    source?: string;
  }>;
}

function tally(corpus: CorpusEntry[], context?: IdentityContext): Tally {
  const t: Tally = {
    counts: { correct: 0, unsorted: 0, wrong: 0 },
    caseOnly: 0,
    suggestedRight: 0,
    bySource: {},
    misses: [],
  };
  for (const entry of corpus) {
    const r = judge(entry, context);
    t.counts[r.verdict]++;
    if (r.caseOnly) t.caseOnly++;
    if (r.verdict === 'unsorted' && r.firstSuggestionRight) t.suggestedRight++;
    if (r.source && r.verdict !== 'unsorted') {
      const s = (t.bySource[r.source] ??= { correct: 0, wrong: 0 });
      if (r.verdict === 'correct') s.correct++;
      else s.wrong++;
    }
    if (r.verdict !== 'correct')
      t.misses.push({
        release: entry.release,
        expected: entry.expected?.join('|') ?? 'Unsorted',
        got: r.got === 'Unsorted' ? 'Unsorted' : r.got.join('|'),
        verdict: r.verdict,
        caseOnly: r.caseOnly,
        source: r.source,
      });
  }
  return t;
}

export const sortScenario: Scenario = {
  number: 8,
  ids: ['sort', 'sort-accuracy'],
  title: 'Sort accuracy: the release-name corpus through the sort planner',
  async run(ctx) {
    const corpus = readCorpus();
    const n = corpus.length;
    const pct = (x: number) => (x / n) * 100;
    const started = performance.now();
    const main = tally(corpus);
    const ms = performance.now() - started;
    const withArr = tally(corpus, { knownTitles: arrListsOf(corpus) });
    const alone = Object.fromEntries(PARSERS.map((p) => [p, tally(corpus, { parserAlone: p })]));
    ctx.log(
      `${n} releases: ${main.counts.correct} correct, ${main.counts.unsorted} unsorted, ${main.counts.wrong} wrong` +
        ` (${main.suggestedRight} Unsorted with a right first suggestion)`,
    );
    const s = '8 sort';
    const sourceRows = (t: Tally, prefix: string): TableRow[] =>
      Object.entries(t.bySource)
        .sort()
        .map(([source, c]) =>
          info(s, `${prefix}decided by ${source}: correct / wrong`, `${c.correct} / ${c.wrong}`),
        );
    const parserRows: TableRow[] = PARSERS.flatMap((p) => [
      info(
        s,
        `${p} alone: correct / Unsorted / wrong`,
        `${round(pct(alone[p]!.counts.correct), 1)} / ${round(pct(alone[p]!.counts.unsorted), 1)} / ${round(pct(alone[p]!.counts.wrong), 1)} %`,
      ),
    ]);
    return {
      rows: [
        info(s, 'releases in the corpus', n, '', 0),
        info(s, 'placed correctly', pct(main.counts.correct), '%', 1),
        checked(
          s,
          'correct, counting Unsorted with a right first suggestion',
          pct(main.counts.correct + main.suggestedRight),
          '%',
          { atLeast: 95 },
          1,
        ),
        info(s, 'sent to Unsorted/ (should have been placed)', pct(main.counts.unsorted), '%', 1),
        checked(s, 'placed wrongly', pct(main.counts.wrong), '%', { atMost: 0.5 }, 2),
        info(s, 'placed wrongly, only by letter case', pct(main.caseOnly), '%', 2),
        ...sourceRows(main, ''),
        checked(
          s,
          'with *arr lists knowing the titles: placed correctly',
          pct(withArr.counts.correct),
          '%',
          { atLeast: 98 },
          1,
        ),
        checked(
          s,
          'with *arr lists knowing the titles: placed wrongly',
          pct(withArr.counts.wrong),
          '%',
          { atMost: 0.5 },
          2,
        ),
        ...sourceRows(withArr, 'with *arr lists: '),
        ...parserRows,
      ],
      figures: {
        releases: n,
        correct: main.counts.correct,
        unsorted: main.counts.unsorted,
        wrong: main.counts.wrong,
        wrongOnlyByCase: main.caseOnly,
        unsortedWithRightFirstSuggestion: main.suggestedRight,
        correctPercent: round(pct(main.counts.correct), 2),
        correctOrSuggestedPercent: round(pct(main.counts.correct + main.suggestedRight), 2),
        unsortedPercent: round(pct(main.counts.unsorted), 2),
        wrongPercent: round(pct(main.counts.wrong), 2),
        bySource: main.bySource,
        withArrLists: {
          correct: withArr.counts.correct,
          unsorted: withArr.counts.unsorted,
          wrong: withArr.counts.wrong,
          bySource: withArr.bySource,
          misses: withArr.misses.filter((m) => m.verdict === 'wrong'),
        },
        parserAlone: Object.fromEntries(
          PARSERS.map((p) => [p, { ...alone[p]!.counts, wrongOnlyByCase: alone[p]!.caseOnly }]),
        ),
        planningMsPerRelease: round(ms / n, 3),
        misses: main.misses,
      },
      notes: [
        ...main.misses
          .filter((m) => m.verdict === 'wrong')
          .map((m) => `wrong: ${m.release} → ${m.got} (expected ${m.expected})`),
        ...withArr.misses
          .filter((m) => m.verdict === 'wrong')
          .map((m) => `wrong with *arr lists: ${m.release} → ${m.got} (expected ${m.expected})`),
      ],
    };
  },
};
