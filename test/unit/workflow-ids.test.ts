import { createHash } from 'node:crypto';
import {
  hashOnlyMediaItemWorkflowId,
  incomingKey,
  legacyIncomingKey,
  mediaItemWorkflowId,
} from '../../lib/workflow-ids.js';

const sha1 = (key: string) => createHash('sha1').update(key).digest('hex');

describe('media item workflow IDs', () => {
  test('a file reusing a freed inode under the same name gets a new ID: the birth time differs', () => {
    const first = { dev: 2049, ino: 12, bornNs: '1795951350855609089' };
    const later = { dev: 2049, ino: 12, bornNs: '1795951353171609016' };
    expect(mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', later))).not.toBe(
      mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', first)),
    );
  });

  test('the same arrival seen twice gets the same ID', () => {
    const arrival = { dev: 2049, ino: 12, bornNs: 'c1795951350855609089' };
    expect(mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', { ...arrival }))).toBe(
      mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', arrival)),
    );
  });

  test("a library file's ID is the first 16 hex digits of its path's sha1, then its name without the extension", () => {
    const movie = 'Movies/Alien (1979)/Alien (1979).mkv';
    expect(mediaItemWorkflowId(movie)).toBe(`media:${sha1(movie).slice(0, 16)} Alien (1979)`);
    expect(mediaItemWorkflowId('Shows/Breaking Bad/Season 01/Breaking Bad - S01E03.mkv')).toMatch(
      /^media:[0-9a-f]{16} Breaking Bad - S01E03$/,
    );
  });

  test("a release's ID names the release as it arrived, without its device, inode and birth time", () => {
    const key = incomingKey('Incoming/Heat.1995.1080p.BluRay.x264-GROUP.mkv', {
      dev: 2049,
      ino: 12,
      bornNs: 'c1795951350855609089',
    });
    expect(mediaItemWorkflowId(key)).toBe(
      `media:${sha1(key).slice(0, 16)} Heat.1995.1080p.BluRay.x264-GROUP.mkv`,
    );
    expect(mediaItemWorkflowId(`${key}#2`)).toMatch(
      /^media:[0-9a-f]{16} Heat\.1995\.1080p\.BluRay\.x264-GROUP\.mkv$/,
    );
    expect(mediaItemWorkflowId(`${key}#2`)).not.toBe(mediaItemWorkflowId(key));
    const folder = incomingKey('Incoming/Breaking.Bad.S01.720p.WEB-GRP', { dev: 1, ino: 2, bornNs: '3' });
    expect(mediaItemWorkflowId(folder)).toMatch(/^media:[0-9a-f]{16} Breaking\.Bad\.S01\.720p\.WEB-GRP$/);
  });

  test('a long name is cut to 80 characters ending in "…"; control characters and runs of spaces become one space', () => {
    const long = `Incoming/${'The.Lord.of.the.Rings.'.repeat(6)}mkv#1:2:3`;
    const name = mediaItemWorkflowId(long).slice('media:0123456789abcdef '.length);
    expect([...name]).toHaveLength(80);
    expect(name.endsWith('…')).toBe(true);
    expect(mediaItemWorkflowId('Movies/Odd/Odd\n\t  Name.mkv')).toMatch(/^media:[0-9a-f]{16} Odd Name$/);
  });

  test('the hash-only IDs of earlier versions and their keys stay computable', () => {
    expect(legacyIncomingKey('Incoming/Heat.1995.mkv', { dev: 2049, ino: 12 })).toBe(
      'Incoming/Heat.1995.mkv#2049:12',
    );
    expect(hashOnlyMediaItemWorkflowId('Movies/Heat (1995)/Heat (1995).mkv')).toBe(
      `media:${sha1('Movies/Heat (1995)/Heat (1995).mkv')}`,
    );
  });
});
