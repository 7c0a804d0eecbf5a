/**
 * An S3 vault (`rclone serve s3` of the pinned rclone on loopback, multipart above 5 MiB): a movie
 * above the cutoff goes up in parts and reaches `resident` verified against its MD5 (the record
 * holds the MD5 of the local file), nothing downloaded; an object overwritten through the S3 API
 * with other bytes of the same size fails the re-verification before eviction, and the item is
 * recopied instead of evicted. Real Temporal, Postgres, rclone and S3 server.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rclone } from '../../activities/vault/rclone/client.js';
import { evictSignal } from '../../domain/messages.js';
import { waitFor } from '../../lib/infra/wait.js';
import { makeRandomVideo, tempDir } from '../helpers/env.js';
import { startS3, writeVaultConfig, type VaultServer } from '../helpers/vault-servers.js';
import { createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const MULTIPART_CUTOFF_MIB = 5;
const digest = (algorithm: string, file: string) =>
  createHash(algorithm).update(readFileSync(file)).digest('hex');

describe(`an S3 vault with multipart uploads above ${MULTIPART_CUTOFF_MIB} MiB`, () => {
  let dirs: ReturnType<typeof tempDir>;
  let s3: VaultServer;
  let config: string;
  let env: WorkflowTestEnv;
  const libraryPath = 'Movies/Big Buck Bunny (2008)/Big Buck Bunny (2008).mkv';
  let workflowId: string;

  beforeAll(async () => {
    dirs = tempDir('vaultarr-s3-');
    s3 = await startS3(path.join(dirs.dir, 'server'), MULTIPART_CUTOFF_MIB);
    config = writeVaultConfig(path.join(dirs.dir, 'rclone.conf'), s3.section, {
      crypt: false,
      folder: 'vault',
    });
    env = await createWorkflowTestEnv({
      rcloneClient: (settings) => new Rclone({ ...settings, remote: 'vault:', configFile: config }),
    });
  });
  afterAll(async () => {
    await env?.close();
    await s3?.stop();
    dirs?.cleanup();
  });

  test('a 40 MiB movie goes up in parts and reaches resident verified against its MD5, nothing downloaded', async () => {
    const release = 'Incoming/Big.Buck.Bunny.2008.1080p.BluRay.x264-GROUP.mkv';
    const sizeBytes = makeRandomVideo(path.join(env.localRoot, release), 40 * 1024 * 1024);
    workflowId = await env.startIncoming(release);
    const status = await env.waitForStage(workflowId, 'resident', 180_000);
    const local = path.join(env.localRoot, libraryPath);
    expect(digest('sha256', path.join(s3.dir, libraryPath))).toBe(digest('sha256', local));
    // The server put the object together from its parts.
    expect(s3.log()).toMatch(
      /\.rclone_temp_multipart_[\w-]+: Moved \(server-side\) to: vault\/Movies\/Big Buck Bunny \(2008\)\/Big Buck Bunny \(2008\)\.mkv/,
    );
    expect(status.verification).toMatchObject({
      method: 'md5',
      remoteValue: digest('md5', local),
      sizeBytes,
      bytesDownloaded: 0,
    });
    const { rows } = await env.pool.query(
      'SELECT verified_by, vault_value FROM media_items WHERE workflow_id = $1',
      [workflowId],
    );
    expect(rows).toEqual([{ verified_by: 'md5', vault_value: digest('md5', local) }]);
  });

  test('an object overwritten through the S3 API with other bytes of the same size fails re-verification: the local copy stays and the item is recopied', async () => {
    expect(workflowId).toBeDefined();
    const local = path.join(env.localRoot, libraryPath);
    const other = path.join(dirs.dir, 'other.mkv');
    writeFileSync(other, randomBytes(readFileSync(local).length));
    execFileSync('rclone', ['--config', config, 'copyto', other, `under:vault/${libraryPath}`]);
    expect(digest('md5', path.join(s3.dir, libraryPath))).toBe(digest('md5', other));

    await env.client.workflow.getHandle(workflowId).signal(evictSignal);
    let reason: string | undefined;
    await waitFor(
      'the recopy after the failed re-verification',
      async () => {
        const { rows } = await env.pool.query<{
          stage: string;
          outcome: string;
          details: { reason?: string };
        }>('SELECT stage, outcome, details FROM events WHERE workflow_id = $1 ORDER BY id', [workflowId]);
        const failed = rows.findIndex((r) => r.outcome === 'reverify-failed');
        reason = rows[failed]?.details.reason;
        return (
          failed >= 0 && rows.slice(failed).some((r) => r.stage === 'resident' && r.outcome === 'verified')
        );
      },
      120_000,
    );
    expect(reason).toBe(
      `${libraryPath}: md5 differs (vault ${digest('md5', other)}, expected ${digest('md5', local)})`,
    );
    expect(existsSync(local)).toBe(true);
    expect(digest('sha256', path.join(s3.dir, libraryPath))).toBe(digest('sha256', local));
  });
});
