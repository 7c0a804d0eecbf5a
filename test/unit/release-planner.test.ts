import { isJunkFile, planRelease, subtitleSuffix } from '../../activities/sort/release-planner.js';
import type { SortPlan } from '../../domain/media.js';

/** Plans a single-file release dropped into Incoming/. */
function planFile(name: string): SortPlan {
  return planRelease({
    releasePath: `Incoming/${name}`,
    isFolder: false,
    files: [{ path: name, sizeBytes: 1 }],
  });
}

/** Library path of the (single) video, or `Unsorted/...` when unmatched. */
function target(plan: SortPlan): string {
  return plan.kind === 'matched' ? plan.items.map((i) => i.video.to).join(' | ') : plan.unsortedPath;
}

// Real-world style release names and where a user expects them in the library.
const SINGLE_FILES: Array<[string, string]> = [
  // Movies: scene style, year bare or in brackets
  ['The.Matrix.1999.1080p.BluRay.x264-GROUP.mkv', 'Movies/The Matrix (1999)/The Matrix (1999).mkv'],
  ['Inception.2010.720p.BRRip.x264.AAC-ETRG.mp4', 'Movies/Inception (2010)/Inception (2010).mp4'],
  [
    'Blade.Runner.2049.2017.2160p.UHD.BluRay.x265-TERMINAL.mkv',
    'Movies/Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv',
  ],
  ['Movie Name (2010) [1080p].mkv', 'Movies/Movie Name (2010)/Movie Name (2010).mkv'],
  [
    'The Godfather (1972) 1080p BrRip x264 - YIFY.mp4',
    'Movies/The Godfather (1972)/The Godfather (1972).mp4',
  ],
  ['Parasite.2019.KOREAN.1080p.BluRay.x264.DTS-FGT.mkv', 'Movies/Parasite (2019)/Parasite (2019).mkv'],
  [
    'Dune.Part.Two.2024.2160p.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-FLUX.mkv',
    'Movies/Dune Part Two (2024)/Dune Part Two (2024).mkv',
  ],
  ['Alien.1979.Directors.Cut.1080p.BluRay.x264-AMIABLE.mkv', 'Movies/Alien (1979)/Alien (1979).mkv'],
  [
    'Spirited.Away.2001.JAPANESE.1080p.BluRay.x264-WiKi.mkv',
    'Movies/Spirited Away (2001)/Spirited Away (2001).mkv',
  ],
  ['Amelie.2001.FRENCH.720p.BluRay.x264-LOST.mkv', 'Movies/Amelie (2001)/Amelie (2001).mkv'],
  [
    'the.shawshank.redemption.1994.remastered.1080p.bluray.x264-amiable.mkv',
    'Movies/The Shawshank Redemption (1994)/The Shawshank Redemption (1994).mkv',
  ],
  ['Toy.Story.1995.REPACK.1080p.BluRay.x264-GROUP.mkv', 'Movies/Toy Story (1995)/Toy Story (1995).mkv'],
  [
    '2001.A.Space.Odyssey.1968.1080p.BluRay.x264-GROUP.mkv',
    'Movies/2001 A Space Odyssey (1968)/2001 A Space Odyssey (1968).mkv',
  ],
  ['Se7en.1995.PROPER.1080p.BluRay.x264-GROUP.mkv', 'Movies/Se7en (1995)/Se7en (1995).mkv'],
  [
    'Mad.Max.Fury.Road.2015.1080p.WEB-DL.DD5.1.H264-FGT.mkv',
    'Movies/Mad Max Fury Road (2015)/Mad Max Fury Road (2015).mkv',
  ],
  [
    'Oppenheimer (2023) (2160p BluRay x265 HEVC 10bit HDR AAC 7.1 Tigole).mkv',
    'Movies/Oppenheimer (2023)/Oppenheimer (2023).mkv',
  ],
  ['Casablanca.1942.720p.BluRay.x264-CiNEFiLE.avi', 'Movies/Casablanca (1942)/Casablanca (1942).avi'],
  ['The.Thing.1982.1080p.BluRay.x264-SiNNERS.m4v', 'Movies/The Thing (1982)/The Thing (1982).m4v'],
  [
    'Heat.1995.UHD.BluRay.2160p.TrueHD.Atmos.7.1.HEVC.REMUX-FraMeSToR.mkv',
    'Movies/Heat (1995)/Heat (1995).mkv',
  ],
  [
    'Everything.Everywhere.All.at.Once.2022.1080p.WEBRip.x264-RARBG.mp4',
    'Movies/Everything Everywhere All at Once (2022)/Everything Everywhere All at Once (2022).mp4',
  ],
  ['Metropolis.1927.RESTORED.720p.BluRay.x264-GROUP.mkv', 'Movies/Metropolis (1927)/Metropolis (1927).mkv'],
  ['Arrival 2016 1080p BluRay x264 DTS-HD MA 7.1-FGT.mkv', 'Movies/Arrival (2016)/Arrival (2016).mkv'],
  ['Her.2013.1080p.BluRay.x264-SPARKS.mkv', 'Movies/Her (2013)/Her (2013).mkv'],
  ['Up.2009.1080p.BluRay.x264-GROUP.mkv', 'Movies/Up (2009)/Up (2009).mkv'],
  // Episodes: SxxEyy, multi-episode, 1x05, years in series names
  ['Breaking.Bad.S01E01.720p.HDTV.x264-CTU.mkv', 'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mkv'],
  [
    'Game.of.Thrones.S08E06.1080p.WEB.H264-MEMENTO.mkv',
    'Shows/Game of Thrones/Season 08/Game of Thrones - S08E06.mkv',
  ],
  // Lowercase scene names get TVDB-style capitals; country codes in brackets; season 0 is Specials
  [
    'house.of.the.dragon.s01e10.1080p.web.h264-cakes.mkv',
    'Shows/House of the Dragon/Season 01/House of the Dragon - S01E10.mkv',
  ],
  [
    'Shameless.US.S11E12.1080p.WEB.H264-GLHF.mkv',
    'Shows/Shameless (US)/Season 11/Shameless (US) - S11E12.mkv',
  ],
  [
    'Sherlock.S00E01.Unaired.Pilot.1080p.BluRay.x264-GRP.mkv',
    'Shows/Sherlock/Specials/Sherlock - S00E01.mkv',
  ],
  // Underscores or dashes as the only separators
  [
    'The_Big_Lebowski_1998_1080p_BluRay_x264.mkv',
    'Movies/The Big Lebowski (1998)/The Big Lebowski (1998).mkv',
  ],
  ['the-big-short-2015-1080p-bluray-x264.mkv', 'Movies/The Big Short (2015)/The Big Short (2015).mkv'],
  ['The.Office.US.S02E03.720p.WEB-DL.mkv', 'Shows/The Office (US)/Season 02/The Office (US) - S02E03.mkv'],
  ['The Office (US) - S02E03 - The Fire.mkv', 'Shows/The Office (US)/Season 02/The Office (US) - S02E03.mkv'],
  [
    'Doctor.Who.2005.S01E01E02.720p.HDTV-GRP.mkv',
    'Shows/Doctor Who (2005)/Season 01/Doctor Who (2005) - S01E01-E02.mkv',
  ],
  ['Show.Name.S01E01-E03.1080p.WEB.h264-GRP.mkv', 'Shows/Show Name/Season 01/Show Name - S01E01-E03.mkv'],
  ['show.name.1x05.hdtv.xvid-lol.avi', 'Shows/Show Name/Season 01/Show Name - S01E05.avi'],
  ['Friends.10x17.The.Last.One.DVDRip.mkv', 'Shows/Friends/Season 10/Friends - S10E17.mkv'],
  [
    'The.Mandalorian.S02E08.Chapter.16.2160p.DSNP.WEB-DL.DDP5.1.Atmos.HDR.HEVC-MZABI.mkv',
    'Shows/The Mandalorian/Season 02/The Mandalorian - S02E08.mkv',
  ],
  [
    'Severance.S02E10.1080p.ATVP.WEB-DL.DDP5.1.H.264-NTb.mkv',
    'Shows/Severance/Season 02/Severance - S02E10.mkv',
  ],
  [
    'The.Simpsons.S35E01.720p.HDTV.x264-SYNCOPY.mkv',
    'Shows/The Simpsons/Season 35/The Simpsons - S35E01.mkv',
  ],
  [
    'Shogun.2024.S01E01.Anjin.1080p.DSNP.WEB-DL.DDP5.1.H.264-NTb.mkv',
    'Shows/Shogun (2024)/Season 01/Shogun (2024) - S01E01.mkv',
  ],
  [
    'Battlestar.Galactica.2003.S04E20.720p.BluRay.x264-GROUP.mkv',
    'Shows/Battlestar Galactica (2003)/Season 04/Battlestar Galactica (2003) - S04E20.mkv',
  ],
  [
    'Stranger Things S04E09 The Piggyback 1080p NF WEB-DL DDP5 1 Atmos x264-TEPES.mkv',
    'Shows/Stranger Things/Season 04/Stranger Things - S04E09.mkv',
  ],
  [
    'true.detective.s01e08.720p.hdtv.x264-killers.mkv',
    'Shows/True Detective/Season 01/True Detective - S01E08.mkv',
  ],
  ['The.Wire.S05E10.-30-.720p.BluRay.x264-GROUP.mkv', 'Shows/The Wire/Season 05/The Wire - S05E10.mkv'],
  ['Sherlock.S04E01.1080p.BluRay.x264-SHORTBREHD.mkv', 'Shows/Sherlock/Season 04/Sherlock - S04E01.mkv'],
  ['The.Bear.S03E01E02.1080p.HULU.WEB-DL.mkv', 'Shows/The Bear/Season 03/The Bear - S03E01-E02.mkv'],
  [
    'Fargo.S05E01.The.Tragedy.of.the.Commons.1080p.AMZN.WEB-DL.mkv',
    'Shows/Fargo/Season 05/Fargo - S05E01.mkv',
  ],
  ['Lost.S06E17E18.720p.BluRay.x264-GROUP.mkv', 'Shows/Lost/Season 06/Lost - S06E17-E18.mkv'],
  [
    'Better.Call.Saul.S06E13.Saul.Gone.1080p.AMZN.WEBRip.DDP5.1.x264-NTb.mp4',
    'Shows/Better Call Saul/Season 06/Better Call Saul - S06E13.mp4',
  ],
  ['Seinfeld.9x23.The.Finale.DVDRip.avi', 'Shows/Seinfeld/Season 09/Seinfeld - S09E23.avi'],
  ['Gladiator.2000.EXTENDED.1080p.BluRay.x264-HD4U.mkv', 'Movies/Gladiator (2000)/Gladiator (2000).mkv'],
  ['Jaws 1975 720p BluRay x264-SiNNERS.mkv', 'Movies/Jaws (1975)/Jaws (1975).mkv'],
  [
    'Chernobyl.S01E05.Vichnaya.Pamyat.1080p.AMZN.WEB-DL.DDP5.1.H.264-NTb.mkv',
    'Shows/Chernobyl/Season 01/Chernobyl - S01E05.mkv',
  ],
  ['the.expanse.s06e06.1080p.web.h264-glhf.mkv', 'Shows/The Expanse/Season 06/The Expanse - S06E06.mkv'],
  ['Westworld.S03E08.720p.HDTV.x264-AVS.mkv', 'Shows/Westworld/Season 03/Westworld - S03E08.mkv'],
  // No strict match: Unsorted/ with the original name
  ['holiday_video.mp4', 'Unsorted/holiday_video.mp4'],
  ['VID_20230514_142233.mp4', 'Unsorted/VID_20230514_142233.mp4'],
  ['Some.Movie.1080p.BluRay.x264-GROUP.mkv', 'Unsorted/Some.Movie.1080p.BluRay.x264-GROUP.mkv'],
  ['Breaking.Bad.S01.COMPLETE.720p.mkv', 'Unsorted/Breaking.Bad.S01.COMPLETE.720p.mkv'],
  ['readme.txt', 'Unsorted/readme.txt'],
  ['abc123xyz.mkv', 'Unsorted/abc123xyz.mkv'],
  ['Family Reunion.mov', 'Unsorted/Family Reunion.mov'],
  // An air date is never a movie's year: a daily show's episode (Sonarr's daily naming), or a
  // recording; fansub absolute numbering is not a movie
  [
    'The.Daily.Show.2024.01.15.Guest.720p.WEB.h264-EDITH.mkv',
    'Shows/The Daily Show/Season 2024/The Daily Show - 2024-01-15.mkv',
  ],
  ['Screen Recording 2024-03-01 at 10.15.22.mov', 'Unsorted/Screen Recording 2024-03-01 at 10.15.22.mov'],
  [
    '[HorribleSubs] Fruits Basket (2019) - 25 [1080p].mkv',
    'Unsorted/[HorribleSubs] Fruits Basket (2019) - 25 [1080p].mkv',
  ],
];

describe('sort planner on single-file releases', () => {
  test.each(SINGLE_FILES)('%s → %s', (name, expected) => {
    expect(target(planFile(name))).toBe(expected);
  });
});

describe('sort planner on release folders', () => {
  test('a movie folder keeps the video and its subtitles and ignores sample, nfo, txt and url files', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Inception.2010.1080p.BluRay.x264-SPARKS',
      isFolder: true,
      files: [
        'inception.2010.1080p.bluray.x264-sparks.mkv',
        'Sample/inception-sample.mkv',
        'inception.2010.1080p.bluray.x264-sparks.nfo',
        'Subs/2_English.srt',
        'Subs/3_French.srt',
        'RARBG.txt',
        'Visit.Site.url',
      ].map((p) => ({ path: p, sizeBytes: 1 })),
    });
    expect(plan.kind).toBe('matched');
    if (plan.kind !== 'matched') return;
    expect(plan.items).toHaveLength(1);
    expect(plan.items[0]!.video.to).toBe('Movies/Inception (2010)/Inception (2010).mkv');
    expect(plan.items[0]!.subtitles.map((s) => s.to)).toEqual([
      'Movies/Inception (2010)/Inception (2010).en.srt',
      'Movies/Inception (2010)/Inception (2010).fr.srt',
    ]);
    expect(plan.ignored.map((i) => [i.path.split('/').pop(), i.reason])).toEqual([
      ['inception-sample.mkv', 'sample'],
      ['inception.2010.1080p.bluray.x264-sparks.nfo', 'junk'],
      ['RARBG.txt', 'junk'],
      ['Visit.Site.url', 'junk'],
    ]);
  });

  test('the junk rule: samples, release info, links, images and OS metadata are junk; subtitles, extras and archives are not', () => {
    for (const junk of [
      'Sample/x.mkv',
      'x-sample.mkv',
      'x.nfo',
      'RARBG.txt',
      'Visit.url',
      'poster.JPG',
      'x.sfv',
      'Thumbs.db',
      '.DS_Store',
      'RARBG_DO_NOT_MIRROR.exe',
    ])
      expect([junk, isJunkFile(junk)]).toEqual([junk, true]);
    for (const kept of [
      'Subs/2_English.srt',
      'Featurettes/Making Of.mkv',
      'x.mkv',
      'x.rar',
      'x.iso',
      'notes.pdf',
      'x.idx',
    ])
      expect([kept, isJunkFile(kept)]).toEqual([kept, false]);
  });

  test('an obfuscated file name in a well-named folder is identified from the folder', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Heat.1995.1080p.BluRay.x264-GROUP',
      isFolder: true,
      files: [{ path: 'a8f3k2j1.mkv', sizeBytes: 1 }],
    });
    expect(target(plan)).toBe('Movies/Heat (1995)/Heat (1995).mkv');
  });

  test('a poorly named folder falls back to the file name', () => {
    const plan = planRelease({
      releasePath: 'Incoming/download-1234',
      isFolder: true,
      files: [{ path: 'Arrival.2016.1080p.BluRay.x264-GROUP.mkv', sizeBytes: 1 }],
    });
    expect(target(plan)).toBe('Movies/Arrival (2016)/Arrival (2016).mkv');
  });

  test('a season pack sorts every episode with its own subtitles', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Breaking.Bad.S01.1080p.BluRay.x264-ROVERS',
      isFolder: true,
      files: [
        'Breaking.Bad.S01E01.1080p.BluRay.x264-ROVERS.mkv',
        'Breaking.Bad.S01E02.1080p.BluRay.x264-ROVERS.mkv',
        'Breaking.Bad.S01E01.1080p.BluRay.x264-ROVERS.eng.srt',
        'Subs/Breaking.Bad.S01E02.1080p.BluRay.x264-ROVERS/2_English.srt',
        'breaking.bad.s01.nfo',
      ].map((p) => ({ path: p, sizeBytes: 1 })),
    });
    expect(plan.kind).toBe('matched');
    if (plan.kind !== 'matched') return;
    expect(plan.items.map((i) => [i.video.to, i.subtitles.map((s) => s.to)])).toEqual([
      [
        'Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.mkv',
        ['Shows/Breaking Bad/Season 01/Breaking Bad - S01E01.en.srt'],
      ],
      [
        'Shows/Breaking Bad/Season 01/Breaking Bad - S01E02.mkv',
        ['Shows/Breaking Bad/Season 01/Breaking Bad - S01E02.en.srt'],
      ],
    ]);
  });

  test('an episode folder with a forced subtitle keeps the flag', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Severance.S02E01.1080p.WEB.H264-SuccessfulCrab',
      isFolder: true,
      files: [
        'severance.s02e01.1080p.web.h264-successfulcrab.mkv',
        'severance.s02e01.eng.forced.srt',
        'sample.mkv',
      ].map((p) => ({
        path: p,
        sizeBytes: 1,
      })),
    });
    expect(plan.kind === 'matched' && plan.items[0]!.subtitles.map((s) => s.to)).toEqual([
      'Shows/Severance/Season 02/Severance - S02E01.en.forced.srt',
    ]);
  });

  test('a two-disc movie keeps both parts', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Lawrence.of.Arabia.1962.DVDRip.XviD-GROUP',
      isFolder: true,
      files: ['lawrence-cd1.avi', 'lawrence-cd2.avi'].map((p) => ({ path: p, sizeBytes: 1 })),
    });
    expect(target(plan)).toBe(
      'Movies/Lawrence of Arabia (1962)/Lawrence of Arabia (1962) - pt1.avi | Movies/Lawrence of Arabia (1962)/Lawrence of Arabia (1962) - pt2.avi',
    );
  });

  test('a folder holding only junk goes to Unsorted with the reason', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Some.Release.2020',
      isFolder: true,
      files: ['info.nfo', 'cover.jpg'].map((p) => ({ path: p, sizeBytes: 1 })),
    });
    expect(plan).toMatchObject({
      kind: 'unmatched',
      unsortedPath: 'Unsorted/Some.Release.2020',
      reason: 'no main video file in the release',
    });
  });

  test('a season pack with an unidentifiable episode goes to Unsorted whole', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Show.S01.1080p',
      isFolder: true,
      files: ['Show.S01E01.mkv', 'bonus-feature.mkv'].map((p) => ({ path: p, sizeBytes: 1 })),
    });
    expect(target(plan)).toBe('Unsorted/Show.S01.1080p');
  });

  test('extras folders never enter the library', () => {
    const plan = planRelease({
      releasePath: 'Incoming/Alien.1979.1080p.BluRay',
      isFolder: true,
      files: ['Alien.1979.1080p.BluRay.mkv', 'Featurettes/Making of.mkv'].map((p) => ({
        path: p,
        sizeBytes: 1,
      })),
    });
    expect(plan.kind === 'matched' && plan.ignored).toEqual([
      { path: 'Incoming/Alien.1979.1080p.BluRay/Featurettes/Making of.mkv', reason: 'extra' },
    ]);
  });
});

describe('subtitle language tags', () => {
  test.each([
    ['Movie.2019.en.srt', 'en'],
    ['Movie.2019.eng.srt', 'en'],
    ['Movie.2019.English.srt', 'en'],
    ['2_English.srt', 'en'],
    ['Movie.2019.ger.forced.srt', 'de'.concat('.forced')],
    ['Movie.2019.spa.sdh.srt', 'es.sdh'],
    ['Movie.2019.forced.eng.srt', 'en.forced'],
    ['Movie.2019.sdh.forced.fre.srt', 'fr.sdh.forced'],
    ['Movie.2019.1080p.srt', ''],
    ['Movie.2019.fre.idx', 'fr'],
  ])('%s → "%s"', (name, expected) => {
    expect(subtitleSuffix(name)).toBe(expected);
  });
});
