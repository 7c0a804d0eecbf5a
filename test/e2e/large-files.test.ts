/**
 * Real media on a slow host: a 3 GiB file through the whole stack (`vaultarr start`) with host
 * activities' heartbeat timeout at 2 s — what a Raspberry Pi's USB disk does to the 30 s default
 * for a few-GB file. It must become resident with no activity timing out (heartbeat or
 * start-to-close) or failing, save the sort's designed retries while the release is still being
 * written (`RELEASE_INCOMPLETE`), and a byte-identical vault copy: once to a local-directory vault with
 * `Incoming/` on another filesystem (a tmpfs: the move into the library is a copy), once to a
 * WebDAV vault that keeps neither hashes nor modtimes (verification reads the copy back).
 */
import { temporal } from '@temporalio/proto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { FailureType } from '../../domain/failures.js';
import { makeRandomVideo, startWebdav, tempDir, type WebdavServer } from '../helpers/env.js';
import { TestStack } from '../helpers/stack.js';

const GiB = 1024 ** 3;
const SIZE = 3 * GiB;

/**
 * A 3 GiB Matroska video of random frames (every byte written: intake takes no file with holes,
 * and a copy that skipped or reordered anything would differ).
 */
function makeLargeFile(file: string): void {
  makeRandomVideo(file, SIZE);
}

interface ActivityRun {
  type: string;
  attempt: number;
  /** The failure of the attempt before the last (`RELEASE_INCOMPLETE`, `TIMEOUT_TYPE_HEARTBEAT`, ...), if any. */
  lastFailure?: string;
}

/**
 * Activities that ran more than once for another reason than a designed retry: the sort waiting
 * for a release still being written (`RELEASE_INCOMPLETE`) is one; a heartbeat or start-to-close
 * timeout, or any other failure, is not.
 */
const undesignedRetries = (activities: ActivityRun[]) =>
  activities.filter((a) => a.attempt !== 1 && a.lastFailure !== FailureType.RELEASE_INCOMPLETE);

/** Waits for the item at `libraryPath` to be resident; returns its workflow's activities and timeouts. */
async function residentHistory(
  stack: TestStack,
  libraryPath: string,
): Promise<{ activities: ActivityRun[]; timedOut: number; verification: Record<string, unknown> }> {
  const id = await stack.residentId(libraryPath, 9 * 60_000);
  const shown = JSON.parse(stack.cli('items', 'show', id, '--json').stdout) as {
    live: { verification: Record<string, unknown> };
  };
  return stack.withTemporal(async (client) => {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const scheduled = new Map<string, string>();
    const activities: ActivityRun[] = [];
    let timedOut = 0;
    for (const e of history.events ?? []) {
      if (e.activityTaskScheduledEventAttributes)
        scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
      if (e.activityTaskStartedEventAttributes) {
        const failure = e.activityTaskStartedEventAttributes.lastFailure;
        const timeout = failure?.timeoutFailureInfo?.timeoutType;
        activities.push({
          type: scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId)) ?? '?',
          attempt: e.activityTaskStartedEventAttributes.attempt ?? 0,
          lastFailure: failure
            ? (failure.applicationFailureInfo?.type ??
              (timeout !== undefined && timeout !== null
                ? temporal.api.enums.v1.TimeoutType[timeout]
                : (failure.message ?? 'failure')))
            : undefined,
        });
      }
      if (e.activityTaskTimedOutEventAttributes) timedOut++;
    }
    return { activities, timedOut, verification: shown.live.verification };
  });
}

/** `cmp` of two files: true when byte-identical. */
const identical = (a: string, b: string) => spawnSync('cmp', ['-s', a, b]).status === 0;

describe('a 3 GiB file on a slow host (heartbeat timeout 2 s)', () => {
  const name = 'Interstellar.2014.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-GROUP.mkv';
  const libraryPath = 'Movies/Interstellar (2014)/Interstellar (2014).mkv';

  describe('to a local-directory vault, with Incoming/ on another filesystem', () => {
    let stack: TestStack;
    let incoming: string;
    beforeAll(async () => {
      stack = await TestStack.create({
        VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS: '2',
        VAULTARR_HOST_ID: 'pi-tmpfs',
      });
      incoming = stack.incoming;
      mkdirSync(incoming, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3200m', 'vaultarr-incoming', incoming]);
      await stack.start();
    }, 240_000);
    afterAll(async () => {
      await stack?.stop();
      spawnSync('umount', ['-l', incoming]);
      await stack?.destroy();
    });

    test(
      'becomes resident with no activity timed out or retried but by design, and a byte-identical vault copy',
      async () => {
        // Written under an rsync-style temp name on the tmpfs, then renamed: as a download client finishes.
        const temp = path.join(incoming, `.${name}.Ab3dE9`);
        makeLargeFile(temp);
        renameSync(temp, path.join(incoming, name));
        const { activities, timedOut, verification } = await residentHistory(stack, libraryPath);
        expect(timedOut).toBe(0);
        expect(activities.map((a) => a.type)).toEqual(
          expect.arrayContaining(['sortRelease', 'copyAndVerify']),
        );
        expect(undesignedRetries(activities)).toEqual([]);
        const size = statSync(path.join(stack.local, libraryPath)).size;
        expect(size).toBeGreaterThanOrEqual(SIZE);
        expect(verification).toMatchObject({ sizeBytes: size, bytesReadLocally: size, bytesDownloaded: 0 });
        expect(identical(path.join(stack.local, libraryPath), path.join(stack.cloud, libraryPath))).toBe(
          true,
        );
      },
      10 * 60_000,
    );
  });

  describe('to a WebDAV vault (read back once to verify)', () => {
    let stack: TestStack;
    let webdav: WebdavServer;
    const served = tempDir('vaultarr-webdav-');
    beforeAll(async () => {
      webdav = await startWebdav(served.dir);
      stack = await TestStack.create({
        VAULTARR_VAULT__COPY_HEARTBEAT_TIMEOUT_SECONDS: '2',
        VAULTARR_HOST_ID: 'pi-webdav',
        VAULTARR_VAULT__REMOTE: webdav.remote,
      });
      await stack.start();
    }, 240_000);
    afterAll(async () => {
      await stack?.destroy();
      await webdav?.stop();
      served.cleanup();
    });

    test(
      'becomes resident with no activity timed out or retried but by design, read back once, byte-identical',
      async () => {
        stack.drop(name, makeLargeFile);
        const { activities, timedOut, verification } = await residentHistory(stack, libraryPath);
        const size = statSync(path.join(stack.local, libraryPath)).size;
        expect(timedOut).toBe(0);
        expect(undesignedRetries(activities)).toEqual([]);
        expect(verification).toMatchObject({
          method: 'sha256-download',
          sizeBytes: size,
          bytesReadLocally: size,
          bytesDownloaded: size,
        });
        expect(identical(path.join(stack.local, libraryPath), path.join(webdav.dir, libraryPath))).toBe(true);
      },
      10 * 60_000,
    );
  });
});
