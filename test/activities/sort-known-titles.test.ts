import { jest } from '@jest/globals';
import { MockActivityEnvironment } from '@temporalio/testing';
import { existsSync, mkdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { SonarrClient } from '../../activities/arr/sonarr.js';
import { createSortActivities, sortSettings } from '../../activities/sort/activities.js';
import { decideIdentity } from '../../activities/sort/identity.js';
import {
  createTitleSources,
  titleSettings,
  titleSourcesFromConfig,
} from '../../activities/sort/known-titles.js';
import type { ArrConfig } from '../../lib/config.js';
import { testConfig } from '../helpers/config.js';
import { makeLibrary, makeRandomVideo, tempDir } from '../helpers/env.js';
import { FakeRadarr } from '../fakes/radarr.js';
import { FakeSonarr } from '../fakes/sonarr.js';

const SONARR_KEY = 'sonarr-key-0123456789abcdef';
const RADARR_KEY = 'radarr-key-0123456789abcdef';
const THE_OFFICE = { tvdbId: 73244, title: 'The Office (US)', year: 2005, seasons: [1, 2, 3] };

const run = <P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> =>
  new MockActivityEnvironment().run(fn, ...args);

let localRoot: string;
let cleanup: () => void;
let sonarr: FakeSonarr;
let radarr: FakeRadarr;

function arrConfig(): ArrConfig {
  return {
    sonarr: {
      url: sonarr.url,
      apiKey: SONARR_KEY,
      qualityProfileId: 1,
      rootFolderPath: '/media/Shows',
      unmonitorExisting: false,
      seriesType: 'standard',
    },
    radarr: {
      url: radarr.url,
      apiKey: RADARR_KEY,
      qualityProfileId: 1,
      rootFolderPath: '/media/Movies',
      unmonitorExisting: false,
      minimumAvailability: 'released',
    },
  };
}

/** The sort's settings: the config's, for this test's library and a 1 s settle time. */
const settings = () => sortSettings(testConfig({ library: { localRoot }, intake: { settleSeconds: 1 } }));
/** The title sources' settings: the config's, for this test's library (and the config's `arr`, if given). */
const titlesOf = (config: { arr?: ArrConfig; union?: { enabled: boolean; vaultMount: string } } = {}) =>
  titleSettings(testConfig({ library: { localRoot }, ...config }));

/** Drops a finished (settled) video into Incoming/. */
function drop(name: string): string {
  const file = path.join(localRoot, 'Incoming', name);
  makeRandomVideo(file, 4096);
  const old = new Date(Date.now() - 60_000);
  utimesSync(file, old, old);
  return `Incoming/${name}`;
}

beforeEach(async () => {
  const t = tempDir('vaultarr-titles-');
  cleanup = t.cleanup;
  localRoot = path.join(t.dir, '.Local');
  makeLibrary(localRoot);
  sonarr = new FakeSonarr({ apiKey: SONARR_KEY, catalog: [THE_OFFICE] });
  radarr = new FakeRadarr({
    apiKey: RADARR_KEY,
    catalog: [{ tmdbId: 603, title: 'The Matrix', year: 1999 }],
  });
  await sonarr.start();
  await radarr.start();
});

afterEach(async () => {
  for (const fake of [sonarr, radarr]) {
    expect(fake.received.filter((r) => r.authorized && !r.spec?.valid)).toEqual([]);
    await fake.stop();
  }
  cleanup();
});

describe('Sonarr and Radarr as sources of identity', () => {
  test("Sonarr's parse endpoint names its own series, with the season and episodes it maps", async () => {
    sonarr.seedSeries({
      tvdbId: THE_OFFICE.tvdbId,
      title: THE_OFFICE.title,
      year: THE_OFFICE.year,
      alternateTitles: ['The Office'],
    });
    const client = new SonarrClient({ url: sonarr.url, apiKey: SONARR_KEY });
    await expect(client.parseRelease('Office.S01E02.720p.WEB.h264-GRP')).resolves.toEqual({
      series: { title: 'The Office (US)', year: 2005, path: '/media/Shows/The Office (US)' },
      season: 1,
      episodes: [2],
    });
    await expect(client.parseRelease('Parks.and.Recreation.S01E02.720p')).resolves.toBeUndefined();
    expect(sonarr.requestsTo('GET', '/api/v3/parse').map((r) => r.query.title)).toEqual([
      ['Office.S01E02.720p.WEB.h264-GRP'],
      ['Parks.and.Recreation.S01E02.720p'],
    ]);
  });

  test("Sonarr's series list gives each season's size; with it an absolute fansub number finds its season when the parse endpoint does not answer", async () => {
    sonarr.seedSeries({
      tvdbId: 81797,
      title: 'Star Knights',
      year: 2020,
      seriesType: 'anime',
      seasons: [0, 1, 2].map((seasonNumber) => ({ seasonNumber, monitored: true })),
      episodesPerSeason: { 0: 3, 1: 24, 2: 23 },
    });
    const client = new SonarrClient({ url: sonarr.url, apiKey: SONARR_KEY });
    const titles = createTitleSources({ settings: titlesOf(), sonarr: client });
    const known = await titles.knownTitles();
    expect(known.titles).toEqual([
      {
        kind: 'episode',
        title: 'Star Knights',
        source: 'sonarr',
        seasons: [
          { season: 1, episodes: 24 },
          { season: 2, episodes: 23 },
        ],
      },
    ]);
    // What the planner makes of the list alone (Sonarr's parse of this name is not asked here).
    expect(
      decideIdentity('[Grp] Star Knights - 30 (1080p) [0A1B2C3D]', { knownTitles: known.titles }),
    ).toEqual({
      kind: 'placed',
      identity: { kind: 'episode', series: 'Star Knights', season: 2, episodes: [6] },
      source: 'sonarr',
    });
  });

  test("a daily series' release is placed by its air date: in Sonarr's season when Sonarr has the episode, else its year's", async () => {
    sonarr.seedSeries({
      tvdbId: 71256,
      title: 'Late Talk Tonight',
      year: 1996,
      seriesType: 'daily',
      episodesByAirDate: { '2024-03-05': [2024, 31] },
    });
    const client = new SonarrClient({ url: sonarr.url, apiKey: SONARR_KEY });
    await expect(client.parseRelease('Late.Talk.Tonight.2024.03.05.720p.WEB.h264-GRP')).resolves.toEqual({
      series: { title: 'Late Talk Tonight', year: 1996, path: '/media/Shows/Late Talk Tonight' },
      season: 2024,
      episodes: [31],
      airDate: '2024-03-05',
    });
    const sort = createSortActivities({
      settings: settings(),
      titles: titleSourcesFromConfig(titlesOf({ arr: arrConfig() })),
    });
    // A date Sonarr has no episode for yet: the parsed air date, in the season of its year.
    const { plan } = await run(sort.planSort, {
      releasePath: drop('Late Talk Tonight - 2024-03-06 - Guest Name [WEBDL-1080p].mkv'),
    });
    expect(plan).toMatchObject({
      kind: 'matched',
      items: [
        {
          source: 'sonarr',
          identity: { season: 2024, episodes: [], airDate: '2024-03-06' },
          video: { to: 'Shows/Late Talk Tonight/Season 2024/Late Talk Tonight - 2024-03-06.mkv' },
        },
      ],
    });
  });

  test('an absolute anime number is placed in the season and episode Sonarr maps it to', async () => {
    sonarr.seedSeries({
      tvdbId: 424536,
      title: "Frieren: Beyond Journey's End",
      year: 2023,
      alternateTitles: ['Sousou no Frieren'],
      episodesPerSeason: { 1: 28, 2: 10 },
    });
    const sort = createSortActivities({
      settings: settings(),
      titles: titleSourcesFromConfig(titlesOf({ arr: arrConfig() })),
    });
    const releasePath = drop('[SomeSubs] Sousou no Frieren - 31 (1080p) [0A1B2C3D].mkv');
    const { plan } = await run(sort.planSort, { releasePath });
    // Sonarr's folder is its path's last part; ':' is not written in names.
    expect(plan).toMatchObject({
      kind: 'matched',
      items: [
        {
          source: 'sonarr',
          video: {
            to: "Shows/Frieren - Beyond Journey's End/Season 02/Frieren - Beyond Journey's End - S02E03.mkv",
          },
        },
      ],
    });
    // Without Sonarr it waits in Unsorted, season 1 suggested (wrongly here: only Sonarr knows).
    const alone = createSortActivities({ settings: settings() });
    const { plan: unsorted } = await run(alone.planSort, { releasePath });
    expect(unsorted).toMatchObject({
      kind: 'unmatched',
      reason: expect.stringContaining('without a season'),
    });
  });

  test('a release Sonarr knows is planned into the series folder Sonarr uses', async () => {
    sonarr.seedSeries({
      tvdbId: THE_OFFICE.tvdbId,
      title: THE_OFFICE.title,
      year: THE_OFFICE.year,
      alternateTitles: ['The Office'],
    });
    const sort = createSortActivities({
      settings: settings(),
      titles: titleSourcesFromConfig(titlesOf({ arr: arrConfig() })),
    });
    const releasePath = drop('Office.S01E02.720p.WEB.h264-GRP.mkv');
    const { plan } = await run(sort.planSort, { releasePath });
    expect(plan).toMatchObject({
      kind: 'matched',
      items: [
        {
          identity: { kind: 'episode', series: 'The Office (US)', season: 1, episodes: [2] },
          source: 'sonarr',
          video: { to: 'Shows/The Office (US)/Season 01/The Office (US) - S01E02.mkv' },
        },
      ],
    });
  });

  test('a bare "title year" name Radarr has is placed as its movie; without Radarr it waits in Unsorted with that suggestion', async () => {
    radarr.seedMovie({ tmdbId: 603, title: 'The Matrix', year: 1999 });
    const releasePath = drop('The Matrix 1999.mkv');
    const withRadarr = createSortActivities({
      settings: settings(),
      titles: titleSourcesFromConfig(titlesOf({ arr: arrConfig() })),
    });
    const { plan } = await run(withRadarr.planSort, { releasePath });
    expect(plan).toMatchObject({
      kind: 'matched',
      items: [{ source: 'radarr', video: { to: 'Movies/The Matrix (1999)/The Matrix (1999).mkv' } }],
    });
    const alone = createSortActivities({ settings: settings() });
    const { plan: unsorted } = await run(alone.planSort, { releasePath });
    expect(unsorted).toMatchObject({
      kind: 'unmatched',
      suggestions: [{ identity: { kind: 'movie', title: 'The Matrix', year: 1999 } }],
    });
  });

  test('a Sonarr that is down is not fatal, and is not asked again for every item', async () => {
    let clock = 1_000_000;
    const url = sonarr.url;
    await sonarr.stop();
    const client = new SonarrClient({ url, apiKey: SONARR_KEY }, { timeoutMs: 1000 });
    const asked = jest.spyOn(client, 'parseRelease');
    const listed = jest.spyOn(client, 'listSeries');
    const titles = createTitleSources({
      settings: titlesOf(),
      sonarr: client,
      downForMs: 60_000,
      now: () => clock,
    });
    mkdirSync(path.join(localRoot, 'Shows', 'The Office (US)'));
    const first = await titles.arrAnswers(['Office.S01E02.720p', 'Office.S01E03.720p']);
    expect(first.answers).toEqual({});
    expect(first.problems).toHaveLength(1);
    expect(first.problems[0]).toMatch(/^Sonarr is not used for sorting for 60 s: \[Sonarr\] failed to parse/);
    expect(asked).toHaveBeenCalledTimes(1);
    // The library still decides; the down Sonarr's list is not asked for within the minute.
    const known = await titles.knownTitles();
    expect(known.titles).toEqual([{ kind: 'episode', title: 'The Office (US)', source: 'library' }]);
    expect(listed).not.toHaveBeenCalled();
    clock += 30_000;
    await titles.arrAnswers(['Office.S01E04.720p']);
    expect(asked).toHaveBeenCalledTimes(1);
    clock += 31_000;
    const later = await titles.arrAnswers(['Office.S01E04.720p']);
    expect(asked).toHaveBeenCalledTimes(2);
    expect(later.problems).toHaveLength(1);
    // A fresh Sonarr so afterEach has one to check and stop.
    sonarr = new FakeSonarr({ apiKey: SONARR_KEY, catalog: [THE_OFFICE] });
    await sonarr.start();
  });

  test("series and movies only the vault holds (the union view's vault mount) are known titles too", async () => {
    const vaultMount = path.join(path.dirname(localRoot), '.Vault');
    mkdirSync(path.join(vaultMount, 'Shows', 'Doctor Who (2005)'), { recursive: true });
    mkdirSync(path.join(vaultMount, 'Movies', 'Solaris (1972)'), { recursive: true });
    mkdirSync(path.join(localRoot, 'Shows', 'Severance'));
    const { titles, problems } = await createTitleSources({
      settings: titlesOf({ union: { enabled: true, vaultMount } }),
    }).knownTitles();
    expect(problems).toEqual([]);
    expect(titles).toEqual([
      { kind: 'episode', title: 'Severance', source: 'library' },
      { kind: 'episode', title: 'Doctor Who (2005)', source: 'library' },
      { kind: 'movie', title: 'Solaris', year: 1972, source: 'library' },
    ]);
  });

  test('a series folder already in the library names the folder two agreeing parsers place an episode in', async () => {
    mkdirSync(path.join(localRoot, 'Shows', 'Doctor Who (2005)'));
    const sort = createSortActivities({ settings: settings() });
    const releasePath = drop('Doctor.Who.S13E01.1080p.HDTV.H264-FTP.mkv');
    const { plan } = await run(sort.planSort, { releasePath });
    expect(plan).toMatchObject({
      kind: 'matched',
      items: [
        {
          source: 'agreement',
          video: { to: 'Shows/Doctor Who (2005)/Season 13/Doctor Who (2005) - S13E01.mkv' },
        },
      ],
    });
    expect(existsSync(path.join(localRoot, releasePath))).toBe(true);
  });
});
