/**
 * Scenario 8, sort accuracy: every release of `bench/sort-corpus.tsv` through the sort planner
 * (`planRelease`, exactly what the `planSort` activity runs): share placed where a Sonarr/Radarr
 * user expects it, sent to `Unsorted/`, and placed wrongly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { planRelease, type ReleaseFile } from '../../activities/sort/release-planner.js';
import { projectRoot } from '../../lib/project.js';
import { checked, info, round, type Scenario } from '../lib/report.js';

/** One corpus line. */
interface CorpusEntry {
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

/** Plans one corpus release and judges the plan against the expectation. */
export function judge(entry: CorpusEntry): {
  verdict: Verdict;
  got: string[] | 'Unsorted';
  caseOnly: boolean;
} {
  const parts = entry.release.split('|');
  const isFolder = parts[0]!.includes('/');
  const folder = isFolder ? parts[0]!.slice(0, parts[0]!.indexOf('/')) : undefined;
  const files: ReleaseFile[] = parts.map((p) => ({
    path: isFolder ? p.slice(folder!.length + 1) : p,
    // Main videos are big, everything else small (the planner only uses sizes for approvals).
    sizeBytes: /\.(mkv|mp4|avi|m4v)$/i.test(p) ? 1_500_000_000 : 40_000,
  }));
  const plan = planRelease({ releasePath: `Incoming/${folder ?? parts[0]}`, isFolder, files });
  if (plan.kind === 'unmatched')
    return { verdict: entry.expected ? 'unsorted' : 'correct', got: 'Unsorted', caseOnly: false };
  const got = plan.items.flatMap((i) => [i.video.to, ...i.subtitles.map((s) => s.to)]).sort();
  if (!entry.expected) return { verdict: 'wrong', got, caseOnly: false };
  const expected = [...entry.expected].sort();
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (same(got, expected)) return { verdict: 'correct', got, caseOnly: false };
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  return { verdict: 'wrong', got, caseOnly: same(lower(got), lower(expected)) };
}

export const sortScenario: Scenario = {
  number: 8,
  ids: ['sort', 'sort-accuracy'],
  title: 'Sort accuracy: the release-name corpus through the sort planner',
  async run(ctx) {
    const corpus = readCorpus();
    const counts: Record<Verdict, number> = { correct: 0, unsorted: 0, wrong: 0 };
    const misses: Array<{
      release: string;
      expected: string;
      got: string;
      verdict: Verdict;
      caseOnly: boolean;
    }> = [];
    let caseOnly = 0;
    const started = performance.now();
    for (const entry of corpus) {
      const r = judge(entry);
      counts[r.verdict]++;
      if (r.caseOnly) caseOnly++;
      if (r.verdict !== 'correct') {
        misses.push({
          release: entry.release,
          expected: entry.expected?.join('|') ?? 'Unsorted',
          got: r.got === 'Unsorted' ? 'Unsorted' : r.got.join('|'),
          verdict: r.verdict,
          caseOnly: r.caseOnly,
        });
      }
    }
    const ms = performance.now() - started;
    const n = corpus.length;
    const pct = (x: number) => (x / n) * 100;
    ctx.log(`${n} releases: ${counts.correct} correct, ${counts.unsorted} unsorted, ${counts.wrong} wrong`);
    const s = '8 sort';
    return {
      rows: [
        info(s, 'releases in the corpus', n, '', 0),
        checked(s, 'placed correctly', pct(counts.correct), '%', { atLeast: 95 }, 1),
        info(s, 'sent to Unsorted/ (should have been placed)', pct(counts.unsorted), '%', 1),
        checked(s, 'placed wrongly', pct(counts.wrong), '%', { atMost: 1 }, 1),
        info(s, 'placed wrongly, only by letter case', pct(caseOnly), '%', 1),
      ],
      figures: {
        releases: n,
        correct: counts.correct,
        unsorted: counts.unsorted,
        wrong: counts.wrong,
        wrongOnlyByCase: caseOnly,
        correctPercent: round(pct(counts.correct), 2),
        unsortedPercent: round(pct(counts.unsorted), 2),
        wrongPercent: round(pct(counts.wrong), 2),
        planningMsPerRelease: round(ms / n, 3),
        misses,
      },
      notes: misses
        .filter((m) => m.verdict === 'wrong')
        .map((m) => `wrong: ${m.release} → ${m.got} (expected ${m.expected})`),
    };
  },
};
