/**
 * Webhook payloads of Radarr, Sonarr, Lidarr and Readarr built as docs/contracts/ARR.md
 * describes them: camelCase, PascalCase `eventType`, null fields absent, the fields real
 * payloads carry besides the ones vaultarr reads.
 */
import path from 'node:path';

const base = (eventType: string, app: string) => ({
  eventType,
  instanceName: app.charAt(0).toUpperCase() + app.slice(1),
  applicationUrl: `http://${app}.local`,
});

/** A Radarr `movie`. */
export function radarrMovie(title: string, year: number, folderPath: string) {
  return {
    id: 7,
    title,
    year,
    releaseDate: `${year}-03-31`,
    folderPath,
    tmdbId: 603,
    imdbId: 'tt0133093',
    genres: ['Action', 'Science Fiction'],
    images: [
      {
        coverType: 'poster',
        url: '/MediaCover/7/poster.jpg',
        remoteUrl: 'https://image.tmdb.org/t/p/original/x.jpg',
      },
    ],
    tags: [],
    originalLanguage: { id: 1, name: 'English' },
  };
}

/** A Radarr `movieFile` at an absolute path. */
export function radarrMovieFile(filePath: string, size = 1000) {
  return {
    id: 11,
    relativePath: path.basename(filePath),
    path: filePath,
    quality: 'Bluray-1080p',
    qualityVersion: 1,
    releaseGroup: 'GROUP',
    sceneName: 'The.Matrix.1999.1080p.BluRay.x264-GROUP',
    indexerFlags: '0',
    size,
    dateAdded: '2026-11-21T10:00:00Z',
    languages: [{ id: 1, name: 'English' }],
    mediaInfo: {
      audioChannels: 2,
      audioCodec: 'AAC',
      audioLanguages: ['eng'],
      height: 120,
      width: 160,
      subtitles: [],
      videoCodec: 'x264',
      videoDynamicRange: '',
      videoDynamicRangeType: '',
    },
  };
}

/** Radarr Download (import); an upgrade when `deleted` is given. */
export function radarrDownload(o: {
  title: string;
  year: number;
  folderPath: string;
  filePath: string;
  deleted?: string[];
}) {
  return {
    ...base('Download', 'radarr'),
    movie: radarrMovie(o.title, o.year, o.folderPath),
    remoteMovie: { tmdbId: 603, imdbId: 'tt0133093', title: o.title, year: o.year },
    movieFile: radarrMovieFile(o.filePath),
    isUpgrade: Boolean(o.deleted?.length),
    downloadClient: 'qBittorrent',
    downloadClientType: 'qBittorrent',
    downloadId: 'ABCDEF0123456789',
    ...(o.deleted?.length
      ? { deletedFiles: o.deleted.map((p) => ({ path: p, recycleBinPath: `/recycle/${path.basename(p)}` })) }
      : {}),
    customFormatInfo: { customFormats: [], customFormatScore: 0 },
    release: {
      releaseTitle: 'The.Matrix.1999.1080p.BluRay.x264-GROUP',
      indexer: 'Indexer',
      size: 1000,
      indexerFlags: [],
    },
  };
}

/** A Radarr Download of `filePath` (any path, hostile ones too) for `title (year)` in `/data/media/movies`. */
export const radarrDownloadOf = (filePath: string, title: string, year: number) =>
  radarrDownload({ title, year, folderPath: `/data/media/movies/${title} (${year})`, filePath });

export const radarrRename = (o: {
  title: string;
  year: number;
  folderPath: string;
  from: string;
  to: string;
}) => ({
  ...base('Rename', 'radarr'),
  movie: radarrMovie(o.title, o.year, o.folderPath),
  renamedMovieFiles: [
    { ...radarrMovieFile(o.to), previousRelativePath: path.basename(o.from), previousPath: o.from },
  ],
});

export const radarrMovieFileDelete = (o: {
  title: string;
  year: number;
  folderPath: string;
  filePath: string;
}) => ({
  ...base('MovieFileDelete', 'radarr'),
  movie: radarrMovie(o.title, o.year, o.folderPath),
  movieFile: radarrMovieFile(o.filePath),
  deleteReason: 'manual',
});

export const radarrMovieDelete = (o: {
  title: string;
  year: number;
  folderPath: string;
  deletedFiles: boolean;
}) => ({
  ...base('MovieDelete', 'radarr'),
  movie: radarrMovie(o.title, o.year, o.folderPath),
  deletedFiles: o.deletedFiles,
  movieFolderSize: 1000,
});

/** A Sonarr `series`. */
export function sonarrSeries(title: string, seriesPath: string) {
  return {
    id: 3,
    title,
    titleSlug: title.toLowerCase().replace(/\W+/g, '-'),
    path: seriesPath,
    tvdbId: 81189,
    tvMazeId: 169,
    tmdbId: 1396,
    imdbId: 'tt0903747',
    type: 'standard',
    year: 2008,
    genres: ['Drama'],
    images: [],
    tags: [],
    originalLanguage: { id: 1, name: 'English' },
  };
}

const episodes = (season: number, numbers: number[]) =>
  numbers.map((n) => ({
    id: 100 + n,
    episodeNumber: n,
    seasonNumber: season,
    title: `Episode ${n}`,
    airDate: '2008-01-20',
    airDateUtc: '2008-01-21T02:00:00Z',
    seriesId: 3,
    tvdbId: 349232 + n,
  }));

const sonarrEpisodeFile = (filePath: string) => ({
  id: 21,
  relativePath: path.basename(filePath),
  path: filePath,
  quality: 'HDTV-720p',
  qualityVersion: 1,
  releaseGroup: 'CTU',
  sceneName: 'Breaking.Bad.S01E01.720p.HDTV.x264-CTU',
  size: 1000,
  dateAdded: '2026-11-21T10:00:00Z',
  languages: [{ id: 1, name: 'English' }],
});

/** Sonarr Download, per-file shape (`episodeFile`). */
export const sonarrDownload = (o: {
  title: string;
  seriesPath: string;
  season: number;
  episodes: number[];
  filePath: string;
  deleted?: string[];
}) => ({
  ...base('Download', 'sonarr'),
  series: sonarrSeries(o.title, o.seriesPath),
  episodes: episodes(o.season, o.episodes),
  episodeFile: sonarrEpisodeFile(o.filePath),
  isUpgrade: Boolean(o.deleted?.length),
  downloadClient: 'SABnzbd',
  downloadClientType: 'SABnzbd',
  downloadId: 'SABnzbd_nzo_abc',
  ...(o.deleted?.length ? { deletedFiles: o.deleted.map((p) => ({ path: p })) } : {}),
  customFormatInfo: { customFormats: [], customFormatScore: 0 },
  release: {
    releaseTitle: 'Breaking.Bad.S01E01.720p.HDTV.x264-CTU',
    indexer: 'Indexer',
    size: 1000,
    releaseType: 'singleEpisode',
  },
});

/** Sonarr Download, import-complete shape (`episodeFiles[]`, no `episodeFile`, no `isUpgrade`). */
export const sonarrDownloadComplete = (o: {
  title: string;
  seriesPath: string;
  season: number;
  episodes: number[];
  filePaths: string[];
}) => ({
  ...base('Download', 'sonarr'),
  series: sonarrSeries(o.title, o.seriesPath),
  episodes: episodes(o.season, o.episodes),
  episodeFiles: o.filePaths.map(sonarrEpisodeFile),
  downloadClient: 'SABnzbd',
  downloadClientType: 'SABnzbd',
  downloadId: 'SABnzbd_nzo_def',
  release: {
    releaseTitle: 'Breaking.Bad.S01.720p.HDTV.x264-CTU',
    indexer: 'Indexer',
    size: 2000,
    releaseType: 'seasonPack',
  },
  fileCount: o.filePaths.length,
  sourcePath: '/downloads/complete/Breaking.Bad.S01',
  destinationPath: o.seriesPath,
});

export const sonarrRename = (o: { title: string; seriesPath: string; from: string; to: string }) => ({
  ...base('Rename', 'sonarr'),
  series: sonarrSeries(o.title, o.seriesPath),
  renamedEpisodeFiles: [
    { ...sonarrEpisodeFile(o.to), previousRelativePath: path.basename(o.from), previousPath: o.from },
  ],
});

export const sonarrEpisodeFileDelete = (o: {
  title: string;
  seriesPath: string;
  season: number;
  episodes: number[];
  filePath: string;
}) => ({
  ...base('EpisodeFileDelete', 'sonarr'),
  series: sonarrSeries(o.title, o.seriesPath),
  episodes: episodes(o.season, o.episodes),
  episodeFile: sonarrEpisodeFile(o.filePath),
  deleteReason: 'manual',
});

export const sonarrSeriesDelete = (o: { title: string; seriesPath: string; deletedFiles: boolean }) => ({
  ...base('SeriesDelete', 'sonarr'),
  series: sonarrSeries(o.title, o.seriesPath),
  deletedFiles: o.deletedFiles,
});

const artist = (name: string, artistPath: string) => ({
  id: 5,
  name,
  disambiguation: '',
  path: artistPath,
  mbId: 'a74b1b7f-71a5-4011-9441-d0b5e4122711',
  type: 'Group',
  genres: [],
  images: [],
  tags: [],
});

export const lidarrDownload = (o: { name: string; artistPath: string; filePaths: string[] }) => ({
  ...base('Download', 'lidarr'),
  artist: artist(o.name, o.artistPath),
  album: {
    id: 9,
    mbId: 'b1392450-e666-3926-a536-22c65f834433',
    title: 'OK Computer',
    disambiguation: '',
    overview: '',
    albumType: 'Album',
    releaseDate: '1997-05-21T00:00:00Z',
    genres: [],
    images: [],
  },
  tracks: [{ id: 1, title: 'Airbag', trackNumber: '1', quality: 'FLAC', qualityVersion: 1 }],
  trackFiles: o.filePaths.map((p, i) => ({
    id: 30 + i,
    path: p,
    quality: 'FLAC',
    qualityVersion: 1,
    releaseGroup: '',
    sceneName: '',
    size: 1000,
    dateAdded: '2026-11-21T10:00:00Z',
  })),
  isUpgrade: false,
  downloadClient: 'qBittorrent',
  downloadId: 'LIDARR123',
});

export const lidarrArtistDelete = (o: { name: string; artistPath: string; deletedFiles: boolean }) => ({
  ...base('ArtistDelete', 'lidarr'),
  artist: artist(o.name, o.artistPath),
  deletedFiles: o.deletedFiles,
});

const author = (name: string, authorPath: string) => ({
  id: 2,
  name,
  path: authorPath,
  goodreadsId: '1077326',
});

/** Readarr payloads have no `applicationUrl`. */
const readarrBase = (eventType: string) => ({ eventType, instanceName: 'Readarr' });

export const readarrDownload = (o: { name: string; authorPath: string; filePaths: string[] }) => ({
  ...readarrBase('Download'),
  author: author(o.name, o.authorPath),
  book: { id: 4, title: 'Dune', goodreadsId: '234225', releaseDate: '1965-08-01T00:00:00Z' },
  bookFiles: o.filePaths.map((p, i) => ({
    id: 40 + i,
    path: p,
    quality: 'EPUB',
    qualityVersion: 1,
    size: 1000,
    dateAdded: '2026-11-21T10:00:00Z',
  })),
  isUpgrade: false,
  downloadClient: 'qBittorrent',
  downloadId: 'READARR123',
});

export const readarrBookFileDelete = (o: { name: string; authorPath: string; filePath: string }) => ({
  ...readarrBase('BookFileDelete'),
  author: author(o.name, o.authorPath),
  book: { id: 4, title: 'Dune' },
  bookFile: { id: 40, path: o.filePath, quality: 'EPUB', size: 1000 },
  deleteReason: 'manual',
});

export const readarrAuthorDelete = (o: { name: string; authorPath: string; deletedFiles: boolean }) => ({
  ...readarrBase('AuthorDelete'),
  author: author(o.name, o.authorPath),
  deletedFiles: o.deletedFiles,
});

/** A Test event of an app (the Grab shape with fake data, as the *arr UI's Test button sends). */
export const testEvent = (app: string) =>
  app === 'readarr'
    ? { ...readarrBase('Test'), author: author('Test Author', 'C:\\testpath') }
    : { ...base('Test', app), movie: radarrMovie('Test Title', 1970, 'C:\\testpath') };
