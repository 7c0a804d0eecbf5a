/**
 * The identity rule on plain names (no I/O): two parsers must agree, the *arr's answer wins, camera
 * names are never placed, multi-episode runs keep every episode. Names here are the tests' own (the
 * bench corpus stays out of the unit tests); known titles are in sort-identity-known-titles.test.ts.
 */
import {
  cleanTitle,
  decideIdentity,
  isCameraName,
  parseName,
  type KnownTitle,
} from '../../activities/sort/identity.js';
import { libraryStem, planRelease } from '../../activities/sort/release-planner.js';
import { approvalProblems } from '../../domain/approval.js';
import type { EpisodeIdentity, VideoIdentity } from '../../domain/media.js';
import { episode, placedAt } from '../helpers/identity.js';

describe('identity by agreement of two parsers', () => {
  test('a name both parsers read alike is placed, with agreement as its source', () => {
    expect(decideIdentity('Halt.and.Catch.Fire.S02E04.1080p.AMZN.WEB-DL.DDP5.1.H.264-GRP')).toEqual({
      kind: 'placed',
      identity: episode('Halt and Catch Fire', 2, [4]),
      source: 'agreement',
    });
    expect(decideIdentity('Gattaca.1997.1080p.BluRay.x264-GRP')).toEqual({
      kind: 'placed',
      identity: { kind: 'movie', title: 'Gattaca', year: 1997 },
      source: 'agreement',
    });
  });

  test('parsers that disagree on the episodes send the name to Unsorted with both readings as suggestions', () => {
    const decided = decideIdentity('Firefly.S01E01.22.720p.BluRay.x264-GRP');
    expect(decided.kind).toBe('unsorted');
    if (decided.kind !== 'unsorted') return;
    expect(decided.reason).toMatch(/^the parsers disagree on "Firefly\.S01E01\.22\.720p\.BluRay\.x264-GRP"/);
    expect(decided.suggestions.map((s) => s.source).sort()).toEqual(['guessit', 'video-filename-parser']);
    expect(decided.suggestions.map((s) => s.identity)).toContainEqual(episode('Firefly', 1, [1]));
  });

  test('title and year alone (no release details) are how home videos are named: Unsorted, with the movie suggested', () => {
    const decided = decideIdentity('Ponyo 2008');
    expect(decided).toMatchObject({
      kind: 'unsorted',
      reason: expect.stringContaining('no release details'),
      suggestions: [{ identity: { kind: 'movie', title: 'Ponyo', year: 2008 } }],
    });
    // A bracketed year is how Plex and Radarr name movie files: enough on its own.
    expect(placedAt('Ponyo (2008)')).toBe('Movies/Ponyo (2008)/Ponyo (2008)');
  });

  test('a site prefix before the release name is not part of the title', () => {
    expect(placedAt('www.example.tc - Gattaca (1997) 1080p BluRay')).toBe(
      'Movies/Gattaca (1997)/Gattaca (1997)',
    );
  });

  test('an episode numbered without a season goes to Unsorted, season 1 suggested', () => {
    const decided = decideIdentity('[SomeSubs] Kaguya-sama - 07 (1080p) [0A1B2C3D]');
    expect(decided.kind).toBe('unsorted');
    if (decided.kind !== 'unsorted') return;
    expect(decided.reason).toContain('without a season');
    expect(decided.suggestions[0]?.identity).toEqual(episode('Kaguya-sama', 1, [7]));
  });

  test('each parser alone can be asked, and says nothing about a name it cannot read strictly', () => {
    expect(parseName('guessit', 'Halt.and.Catch.Fire.S02E04.720p')).toEqual(
      episode('Halt and Catch Fire', 2, [4]),
    );
    expect(parseName('video-filename-parser', 'Halt.and.Catch.Fire.S02E04.720p')).toEqual(
      episode('Halt and Catch Fire', 2, [4]),
    );
    expect(parseName('guessit', 'family_reunion_final_cut')).toBeUndefined();
    expect(parseName('video-filename-parser', 'family_reunion_final_cut')).toBeUndefined();
  });
});

describe('daily shows: the air date is the episode', () => {
  const daily = (series: string, airDate: string): EpisodeIdentity => ({
    kind: 'episode',
    series,
    season: Number(airDate.slice(0, 4)),
    episodes: [],
    airDate,
  });

  test('a dated name both parsers read alike is placed by its air date, in the season of its year', () => {
    expect(decideIdentity('Late.Talk.Tonight.2024.03.05.Guest.Name.1080p.WEB.h264-GRP')).toEqual({
      kind: 'placed',
      identity: daily('Late Talk Tonight', '2024-03-05'),
      source: 'agreement',
    });
    expect(placedAt('Quiz.Hour.2023-11-02.720p.HDTV.x264-GRP')).toBe(
      'Shows/Quiz Hour/Season 2023/Quiz Hour - 2023-11-02',
    );
  });

  test('a date only one parser reads waits in Unsorted with that reading, until a known title confirms it', () => {
    const name = 'Late.Talk.Tonight.240305.720p.HDTV.x264-GRP';
    expect(parseName('video-filename-parser', name)).toBeUndefined();
    expect(decideIdentity(name)).toMatchObject({
      kind: 'unsorted',
      suggestions: [{ identity: daily('Late Talk Tonight', '2024-03-05'), source: 'guessit' }],
    });
    const known: KnownTitle[] = [{ kind: 'episode', title: 'Late Talk Tonight', source: 'library' }];
    expect(decideIdentity(name, { knownTitles: known })).toEqual({
      kind: 'placed',
      identity: daily('Late Talk Tonight', '2024-03-05'),
      source: 'library',
    });
  });

  test('a title and a date without release details is a home video until the library knows the show', () => {
    expect(decideIdentity('Garden.Party.2019.05.12')).toMatchObject({
      kind: 'unsorted',
      reason: expect.stringContaining('a title and a date but no release details'),
    });
    const name = 'Late Talk Tonight - 2011-04-12 - Guest Name';
    expect(placedAt(name)).toBe('Unsorted');
    expect(
      placedAt(name, { knownTitles: [{ kind: 'episode', title: 'Late Talk Tonight', source: 'library' }] }),
    ).toBe('Shows/Late Talk Tonight/Season 2011/Late Talk Tonight - 2011-04-12');
  });

  test("Sonarr's answer for a daily series names the file by air date in Sonarr's season", () => {
    const name = 'Late.Talk.Tonight.2024.03.05.720p.WEB.h264-GRP';
    const identity: VideoIdentity = {
      ...daily('Late Talk Tonight (US)', '2024-03-05'),
      season: 29,
      episodes: [45],
    };
    const decided = decideIdentity(name, { arrAnswers: { [name]: [{ source: 'sonarr', identity }] } });
    expect(decided).toEqual({ kind: 'placed', identity, source: 'sonarr' });
    expect(libraryStem(identity)).toBe(
      'Shows/Late Talk Tonight (US)/Season 29/Late Talk Tonight (US) - 2024-03-05',
    );
  });
});

describe('approving a daily episode', () => {
  test('a daily suggestion is a valid approval as it is; an episode needs numbers or an air date', () => {
    const suggestion = decideIdentity('Late Talk Tonight - 2011-04-12 - Guest Name');
    expect(suggestion.kind).toBe('unsorted');
    if (suggestion.kind !== 'unsorted') return;
    expect(approvalProblems(suggestion.suggestions[0]!.identity)).toEqual([]);
    expect(
      approvalProblems({ kind: 'episode', series: 'Late Talk Tonight', season: 2011, episodes: [] }),
    ).toEqual([expect.stringMatching(/^episodes: at least one episode/)]);
    expect(
      approvalProblems({ kind: 'episode', series: 'X', season: 2011, episodes: [], airDate: '2011-13-40' }),
    ).toEqual([expect.stringMatching(/^airDate: /)]);
  });
});

describe('numbers a name does not settle', () => {
  test('episodes of two seasons in one file have no single library place, known title or not', () => {
    const name = 'Space.Crew.S06E26.S07E01.Descent.720p.BluRay.x264-GRP';
    const known: KnownTitle[] = [{ kind: 'episode', title: 'Space Crew', source: 'sonarr' }];
    expect(decideIdentity(name, { knownTitles: known })).toMatchObject({
      kind: 'unsorted',
      reason: expect.stringContaining('seasons 6 and 7'),
    });
  });

  test('a known title does not confirm numbers only one parser read from bare digits', () => {
    const known: KnownTitle[] = [{ kind: 'episode', title: 'Outpost', source: 'sonarr' }];
    expect(placedAt('outpost.10708.hdtv-grp', { knownTitles: known })).toBe('Unsorted');
  });
});

describe('titles as the release wrote them', () => {
  test('shouted capitals are written in title case, acronyms of up to four letters are kept', () => {
    expect(cleanTitle('WEEDS')).toBe('Weeds');
    expect(cleanTitle('NCIS Los Angeles')).toBe('NCIS Los Angeles');
    expect(cleanTitle('the x-files')).toBe('The X-Files');
  });

  test("an abbreviation's last dot stays in a movie title: the year follows it", () => {
    expect(placedAt('The.Man.from.U.N.C.L.E.2015.1080p.BluRay.x264-GRP')).toBe(
      'Movies/The Man from U.N.C.L.E. (2015)/The Man from U.N.C.L.E. (2015)',
    );
  });
});

describe('reading the parsers where their rules stop short', () => {
  test('a title in Cyrillic is read whole, not cut at its first letter', () => {
    expect(placedAt('Солярис.1972.BDRip.1080p')).toBe('Movies/Солярис (1972)/Солярис (1972)');
  });

  test('a resolution written as width x height is no part of the name to read', () => {
    expect(placedAt('Heat.1995.1920x800.BluRay.x264-GRP')).toBe('Movies/Heat (1995)/Heat (1995)');
  });

  test("an episode's part is not the series' title, a movie's is", () => {
    expect(placedAt('Space.Crew.S01E26.Finale.Part.2.1080p.BluRay.x264-GRP')).toBe(
      'Shows/Space Crew/Season 01/Space Crew - S01E26',
    );
  });

  test('a year after the episode marker is no year of the series', () => {
    expect(placedAt('Car Show - 07x03 - 2005.11.20')).toBe('Shows/Car Show/Season 07/Car Show - S07E03');
  });

  test('a run of NxMM markers keeps every episode', () => {
    expect(placedAt('Office.Crew.2x04.2x05.720p.BluRay-GRP')).toBe(
      'Shows/Office Crew/Season 02/Office Crew - S02E04-E05',
    );
  });

  test('scene-style digits (`213` for S02E13) number an episode in a release, not in any name', () => {
    expect(placedAt('outpost.213.hdtv-grp')).toBe('Shows/Outpost/Season 02/Outpost - S02E13');
    // Two numbers are a run the parsers read only in part; a year makes the digits a movie's.
    expect(placedAt('outpost.101.102.hdtv-grp')).toBe('Unsorted');
    expect(placedAt('300.2006.1080p.BluRay.x264-GRP')).toBe('Movies/300 (2006)/300 (2006)');
    expect(decideIdentity('download-1234')).toMatchObject({
      kind: 'unsorted',
      reason: expect.stringContaining('a title and a number but no release details'),
    });
  });
});

describe("reading guessit's answers", () => {
  test('a date after the SxxEyy marker is the air date: the marker numbers the episode', () => {
    expect(placedAt('Night.Court.S03E05.2024.11.19.1080p.WEB.h264-GRP')).toBe(
      'Shows/Night Court/Season 03/Night Court - S03E05',
    );
  });

  test('a title that starts with a number stays whole', () => {
    expect(placedAt('28.Days.Later.2002.1080p.BluRay.x264-GRP')).toBe(
      'Movies/28 Days Later (2002)/28 Days Later (2002)',
    );
  });

  test('a resolution or a bracketed word alone is not a release detail: such a name waits for a human', () => {
    expect(placedAt('Lake Weekend 2021 1080p')).toBe('Unsorted');
    expect(placedAt('Lake Weekend 2021 (final)')).toBe('Unsorted');
    expect(placedAt('Lake.Weekend.2021.1080p.WEB-DL.x264-GRP')).toBe(
      'Movies/Lake Weekend (2021)/Lake Weekend (2021)',
    );
  });
});

describe('multi-episode files keep every episode', () => {
  test.each([
    ['Mad.Men.S03E01.S03E02.720p.HDTV.x264-GRP', [1, 2], 'S03E01-E02'],
    ['Mad.Men.S6E1-S6E2.720p.HDTV.x264-GRP', [1, 2], 'S06E01-E02'],
    ['Mad.Men.S03E01E02E03.720p.HDTV.x264-GRP', [1, 2, 3], 'S03E01-E03'],
    ['Mad.Men.S03E04-E06.720p.HDTV.x264-GRP', [4, 5, 6], 'S03E04-E06'],
    ['Mad Men - S03E07 - S03E08 - Two Titles [HDTV-720p]', [7, 8], 'S03E07-E08'],
    ['Mad Men - S03E07 - 3x08 - Two Titles [HDTV-720p]', [7, 8], 'S03E07-E08'],
    ['Mad Men Season 03 Episode 05-06 720p', [5, 6], 'S03E05-E06'],
    ['Mad Men - S42 Ep10718 - Ep10722', [10718, 10722], 'S42E10718-E10722'],
  ])('%s → episodes %j', (name, episodes, range) => {
    const decided = decideIdentity(name);
    expect(decided).toMatchObject({ kind: 'placed', identity: { episodes } });
    if (decided.kind === 'placed')
      expect(libraryStem(decided.identity)).toMatch(new RegExp(`Mad Men - ${range}$`));
  });
});

describe('numbers in an episode title', () => {
  test.each([
    ['Captives.S01E04.2-45.PM.720p.HDTV.x264-GRP', 'Captives - S01E04'],
    ['Bar Talk S08E20 50-50 Carla [DVD]', 'Bar Talk - S08E20'],
  ])('%s: the marker says which episode the file holds', (name, stem) => {
    expect(placedAt(name)).toMatch(new RegExp(`/${stem}$`));
  });
});

describe('never a movie: camera, phone and screen-recording names', () => {
  test.each([
    'IMG_4821',
    'VID_20230101_101010',
    'PXL_20240704_201500123',
    'DJI_0173',
    'GOPR0042',
    'GX010211',
    'MVI_5532',
    'DSC_0042',
    'DSCF0042',
    'VID-20230101-WA0001',
    '20230715_123456',
    '2024-07-04 20-15-00',
    'Screen Recording 2024-03-01 at 10.15.22',
    'RPReplay_Final1712345678',
  ])('%s', (name) => {
    expect(isCameraName(name)).toBe(true);
    expect(decideIdentity(name)).toMatchObject({ kind: 'unsorted', suggestions: [] });
  });

  test('a year that is only part of a date is no movie year', () => {
    expect(placedAt('Birthday.Party.2019.05.12.1080p')).toBe('Unsorted');
    expect(placedAt('Birthday Party 12.05.2019 1080p')).toBe('Unsorted');
  });

  test('a camera file inside a folder named like a movie is still not placed', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Holiday.2023.1080p.x264-GRP',
      isFolder: true,
      files: [{ path: 'IMG_0001.MOV', sizeBytes: 1 }],
    });
    expect(plan).toMatchObject({ kind: 'unmatched', reason: expect.stringContaining('camera') });
  });

  test('ordinary release names are not camera names', () => {
    for (const name of [
      'Gattaca.1997.1080p.BluRay.x264-GRP',
      'Dsc.Documentary.2019.1080p',
      'Image.Of.Truth.2020.720p',
    ])
      expect(isCameraName(name)).toBe(false);
  });
});
