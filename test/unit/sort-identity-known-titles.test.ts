/**
 * The identity rule with known titles (no I/O): library folders and the *arr's lists confirm a
 * reading and name its folder, and settle the numbers a name alone does not (absolute and scene
 * numbering). The plain-name rules are in sort-identity.test.ts.
 */
import { decideIdentity, matchKnownTitle, type KnownTitle } from '../../activities/sort/identity.js';
import { episode, placedAt } from '../helpers/identity.js';

describe('numbers only a known series settles', () => {
  const series = (title: string, sizes?: number[]): KnownTitle[] => [
    {
      kind: 'episode',
      title,
      source: 'sonarr',
      ...(sizes ? { seasons: sizes.map((episodes, i) => ({ season: i + 1, episodes })) } : {}),
    },
  ];

  test.each([
    ['[Grp] Star Knights - 07 (1080p) [0A1B2C3D]', [24, 23], 'Star Knights - S01E07'],
    ['[Grp] Star Knights - 30 (1080p) [0A1B2C3D]', [24, 23], 'Star Knights - S02E06'],
    ['[Grp] Star Knights - 48 (1080p) [0A1B2C3D]', [24, 23], 'Unsorted'],
    ['[Grp] Star Knights - 07 (1080p) [0A1B2C3D]', undefined, 'Unsorted'],
  ])('an absolute number (%s) finds its season by the season sizes Sonarr lists %j', (name, sizes, stem) => {
    const at = placedAt(name, { knownTitles: series('Star Knights', sizes) });
    expect(at === 'Unsorted' ? at : at.split('/').pop()).toBe(stem);
  });

  test('a fansub season (`S2 - 05`) is placed under a known series, unless that season is shorter', () => {
    const name = '[Grp] Star Knights S2 - 05 (1080p) [12345678]';
    expect(placedAt(name)).toBe('Unsorted');
    expect(placedAt(name, { knownTitles: series('Star Knights') })).toBe(
      'Shows/Star Knights/Season 02/Star Knights - S02E05',
    );
    expect(placedAt(name, { knownTitles: series('Star Knights', [24, 4]) })).toBe('Unsorted');
  });

  test.each([
    ['harbor.2009.416.hdtv-grp', 'Harbor (2009)', undefined, 'Harbor (2009) - S04E16'],
    ['the.office.101.102.hdtv-grp', 'The Office', undefined, 'The Office - S01E01-E02'],
    ['the.42.110.hdtv-grp', 'The 42', undefined, 'The 42 - S01E10'],
    ['outpost.10708.hdtv-grp', 'Outpost', [13, 13], 'Outpost - S01E07-E08'],
    ['the.office.101.103.hdtv-grp', 'The Office', undefined, 'Unsorted'],
    ['harbor.2009.416.hdtv-grp', 'Harbor (2009)', [12, 12, 12], 'Unsorted'],
  ])('scene digits after a known title: %s with %s %j → %s', (name, title, sizes, stem) => {
    expect(placedAt(name)).toBe('Unsorted');
    const at = placedAt(name, { knownTitles: series(title, sizes) });
    expect(at === 'Unsorted' ? at : at.split('/').pop()).toBe(stem);
  });

  test("a number ending the series' title before the marker stays in the title", () => {
    expect(placedAt('[Grp] Robot Academy 100 - S02E03')).toBe(
      'Shows/Robot Academy 100/Season 02/Robot Academy 100 - S02E03',
    );
  });
});

describe('known titles', () => {
  const library = (...titles: Array<string | [string, number]>): KnownTitle[] =>
    titles.map((t) =>
      typeof t === 'string'
        ? { kind: 'episode', title: t, source: 'library' }
        : { kind: 'movie', title: t[0], year: t[1], source: 'library' },
    );

  test('a series folder in the library names the folder: The Office → The Office (US)', () => {
    expect(
      placedAt('The.Office.S05E01.720p.HDTV.x264-GRP', { knownTitles: library('The Office (US)') }),
    ).toBe('Shows/The Office (US)/Season 05/The Office (US) - S05E01');
    expect(
      placedAt('doctor.who.s10e01.720p.hdtv.x264-grp', { knownTitles: library('Doctor Who (2005)') }),
    ).toBe('Shows/Doctor Who (2005)/Season 10/Doctor Who (2005) - S10E01');
  });

  test('two library series it could be (US and UK) leave it to a human, both named in the suggestions', () => {
    const decided = decideIdentity('The.Office.S02E03.720p.HDTV.x264-GRP', {
      knownTitles: library('The Office (US)', 'The Office (UK)'),
    });
    expect(decided).toMatchObject({ kind: 'unsorted', reason: expect.stringContaining('several titles') });
    if (decided.kind !== 'unsorted') return;
    expect(decided.suggestions.slice(0, 2)).toEqual([
      { identity: episode('The Office (US)', 2, [3]), source: 'library' },
      { identity: episode('The Office (UK)', 2, [3]), source: 'library' },
    ]);
  });

  test('a movie folder matches only with the same year', () => {
    const known = library(['Solaris', 1972]);
    expect(matchKnownTitle({ kind: 'movie', title: 'solaris', year: 1972 }, known)).toMatchObject({
      title: 'Solaris',
    });
    expect(matchKnownTitle({ kind: 'movie', title: 'Solaris', year: 2002 }, known)).toBeUndefined();
    // A bare name the library already has is that movie.
    expect(placedAt('Solaris 1972', { knownTitles: known })).toBe('Movies/Solaris (1972)/Solaris (1972)');
  });

  test('one reading confirmed by a known title is placed when no other reading contradicts it', () => {
    // guessit reads the series as "Sama": the parsers disagree on the title, not on the numbers.
    const name = 'Kaguya-sama.S01E03.1080p.WEB.h264-GRP';
    expect(decideIdentity(name)).toMatchObject({
      kind: 'unsorted',
      reason: expect.stringContaining('disagree'),
    });
    expect(decideIdentity(name, { knownTitles: library('Kaguya-sama') })).toEqual({
      kind: 'placed',
      identity: episode('Kaguya-sama', 1, [3]),
      source: 'library',
    });
    // A reading with other numbers contradicts the confirmed one: a human decides.
    expect(placedAt('Firefly.S01E01.22.720p.BluRay.x264-GRP', { knownTitles: library('Firefly') })).toBe(
      'Unsorted',
    );
  });

  test("the *arr's movie list confirms a reading only one parser has, and is named as the source", () => {
    const name = 'Us.2019.1080p.WEB-DL.DD5.1.H264-GRP';
    expect(placedAt(name)).toBe('Unsorted');
    expect(
      decideIdentity(name, { knownTitles: [{ kind: 'movie', title: 'Us', year: 2019, source: 'radarr' }] }),
    ).toEqual({ kind: 'placed', identity: { kind: 'movie', title: 'Us', year: 2019 }, source: 'radarr' });
  });

  test('a bare name whose movie Radarr lists is placed, Radarr named as the source', () => {
    const decided = decideIdentity('Ponyo 2008', {
      knownTitles: [{ kind: 'movie', title: 'Ponyo', year: 2008, source: 'radarr' }],
    });
    expect(decided).toEqual({
      kind: 'placed',
      identity: { kind: 'movie', title: 'Ponyo', year: 2008 },
      source: 'radarr',
    });
  });

  test("the *arr's parse answer wins when it names one of its own series", () => {
    const name = 'Office.S01E02.720p.WEB.h264-GRP';
    const decided = decideIdentity(name, {
      arrAnswers: { [name]: [{ source: 'sonarr', identity: episode('The Office (US)', 1, [2]) }] },
    });
    expect(decided).toEqual({
      kind: 'placed',
      identity: episode('The Office (US)', 1, [2]),
      source: 'sonarr',
    });
  });
});
