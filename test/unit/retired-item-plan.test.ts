/**
 * How an item of the retired workflow type is moved to the current one, stage by stage, from its
 * catalog row (`planMigration`): what the new run is started with.
 */
import { planMigration, type CatalogItem } from '../../lib/items/index.js';

const libraryPath = 'Movies/Brazil (1985)/Brazil (1985).mkv';
const started = { hostId: 'pi', origin: { kind: 'library' as const, libraryPath } };
const row = (overrides: Partial<CatalogItem>): CatalogItem => ({
  stage: 'resident',
  hostId: 'pi',
  releaseName: 'Brazil.1985.1080p.BluRay.x264-GROUP.mkv',
  libraryPath,
  subtitlePaths: [],
  kind: 'movie',
  title: 'Brazil',
  year: 1985,
  season: null,
  episodes: null,
  reason: null,
  pinned: false,
  sizeBytes: 1000,
  sha256: 'ab'.repeat(32),
  verifiedBy: 'md5',
  vaultValue: 'cd'.repeat(16),
  vaultedAt: new Date('2026-01-02T03:04:05Z'),
  mtime: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

describe('the move of a retired item, by its catalog stage', () => {
  test('a resident item resumes at resident with its identity, pin and verification, and re-verifies its copy without announcing it again', () => {
    const plan = planMigration(started, row({ pinned: true }));
    expect(plan).toMatchObject({ kind: 'resumed', stage: 'resident' });
    if (plan.kind === 'ended') throw new Error('resumed');
    expect(plan.input.carried).toEqual({
      status: {
        stage: 'resident',
        hostId: 'pi',
        kind: 'movie',
        title: 'Brazil',
        identity: { kind: 'movie', title: 'Brazil', year: 1985 },
        releaseName: 'Brazil.1985.1080p.BluRay.x264-GROUP.mkv',
        libraryPath,
        subtitlePaths: [],
        copyRounds: 0,
        pinned: true,
        verification: {
          method: 'md5',
          sizeBytes: 1000,
          sha256: 'ab'.repeat(32),
          remoteValue: 'cd'.repeat(16),
          verifiedAt: '2026-01-02T03:04:05.000Z',
          mtimeMs: Date.parse('2026-01-01T00:00:00Z'),
        },
      },
      announced: true,
      pending: { needsCopy: true, contentChanged: false, evictRequested: false },
    });
  });

  test('an evicted item resumes at evicted and copies nothing (its local copy is gone)', () => {
    const plan = planMigration(started, row({ stage: 'evicted' }));
    expect(plan).toMatchObject({
      kind: 'resumed',
      stage: 'evicted',
      input: { carried: { announced: true, pending: { needsCopy: false, evictRequested: false } } },
    });
  });

  test('an item caught evicting resumes resident, re-verifies, then evicts', () => {
    expect(planMigration(started, row({ stage: 'evicting' }))).toMatchObject({
      kind: 'resumed',
      stage: 'resident',
      input: {
        carried: { status: { stage: 'resident' }, pending: { needsCopy: true, evictRequested: true } },
      },
    });
  });

  test('an item copying, or parked after its library path was set, copies and announces once verified', () => {
    for (const stage of ['copying', 'verifying', 'failed-needs-attention']) {
      expect(planMigration(started, row({ stage, verifiedBy: null, reason: 'rclone failed' }))).toMatchObject(
        {
          kind: 'resumed',
          input: {
            carried: {
              status: { stage },
              announced: false,
              pending: { needsCopy: true, contentChanged: true },
            },
          },
        },
      );
    }
  });

  test('an item awaiting approval in Unsorted/ waits for it again, for the reason the catalog gives', () => {
    const unsorted = 'Unsorted/brazil.final.cut.mkv';
    const plan = planMigration(
      { hostId: 'pi', origin: { kind: 'incoming', releasePath: 'Incoming/brazil.final.cut.mkv' } },
      row({
        stage: 'awaiting-approval',
        libraryPath: unsorted,
        kind: 'unknown',
        title: null,
        reason: 'no match',
      }),
    );
    expect(plan).toMatchObject({
      kind: 'resumed',
      stage: 'awaiting-approval',
      input: {
        carried: {
          status: { stage: 'awaiting-approval', libraryPath: unsorted, reason: 'no match' },
          awaitingApproval: { reason: 'no match', unsortedPath: unsorted },
          pending: { needsCopy: true },
        },
      },
    });
  });

  test('an item still sorting, or without a catalog row, starts again from its start input', () => {
    const incoming = { hostId: 'pi', origin: { kind: 'incoming' as const, releasePath: 'Incoming/x.mkv' } };
    const again = { kind: 'restarted', stage: 'sorting', input: { ...incoming, revision: 2 } };
    expect(planMigration(incoming, row({ stage: 'sorting', libraryPath: null }))).toEqual(again);
    expect(planMigration(incoming, undefined)).toEqual(again);
  });

  test('an item whose catalog says it ended is not started again', () => {
    for (const stage of ['deleted', 'skipped', 'duplicate'])
      expect(planMigration(started, row({ stage }))).toEqual({ kind: 'ended' });
  });
});
