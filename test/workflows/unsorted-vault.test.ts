/**
 * Vault first for Unsorted, on the real dev server, Postgres and rclone (a local-directory vault):
 * what waits in `Unsorted/` for a person is copied and verified on the vault at once, moved there
 * server-side on approval; a season pack's leftover subtitle is listed and attached to an episode.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { approveSortUpdate, cancelSignal } from '../../domain/messages.js';
import { mediaItemWorkflowId } from '../../lib/workflow-ids.js';
import { makeVideo } from '../helpers/env.js';
import { recordHistory } from '../helpers/histories.js';
import { createTestApi, createWorkflowTestEnv, type WorkflowTestEnv } from '../helpers/workflow-env.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('vault first for Unsorted', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    env = await createWorkflowTestEnv();
  });
  afterAll(async () => {
    await env.close();
  });

  /** Drops a phone video into Incoming/ and waits until its Unsorted/ copy is verified on the vault. */
  const awaitingSafely = async (name: string, seed: number) => {
    makeVideo(path.join(env.localRoot, 'Incoming', name), 1, seed);
    const workflowId = await env.startIncoming(`Incoming/${name}`);
    const status = await env.waitForStatus(
      workflowId,
      'awaiting approval with its vault copy verified',
      (s) => s.stage === 'awaiting-approval' && s.unsortedVault?.state === 'verified',
    );
    return { workflowId, status };
  };

  test('an unmatched phone video waits in awaiting-approval with its Unsorted/ copy on the vault, byte-identical and verified, and items show and the REST item say it is safe', async () => {
    const { workflowId, status } = await awaitingSafely('VID_20240612_183000.mp4', 1);
    const entry = 'Unsorted/VID_20240612_183000.mp4';
    expect(status).toMatchObject({
      libraryPath: entry,
      unsortedVault: { state: 'verified', entry, files: [entry] },
      verification: { method: 'sha256' },
    });
    expect(sha256(path.join(env.vaultDir, entry))).toBe(sha256(path.join(env.localRoot, entry)));

    const { rows } = await env.pool.query(
      'SELECT stage, verified_by, sha256, vaulted_at FROM media_items WHERE workflow_id = $1',
      [workflowId],
    );
    expect(rows[0]).toMatchObject({
      stage: 'awaiting-approval',
      verified_by: 'sha256',
      sha256: sha256(path.join(env.localRoot, entry)),
    });
    expect(rows[0]!.vaulted_at).not.toBeNull();

    const shown = await env.cli('items', 'show', workflowId);
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toMatch(/^stage: +awaiting-approval/m);
    expect(shown.stdout).toContain(
      `vault:      safe in the vault: ${entry} was copied to the vault and verified`,
    );

    const { app, token } = await createTestApi(env);
    const item = await request(app)
      .get(`/api/v1/items/${encodeURIComponent(workflowId)}`)
      .set('Authorization', `Bearer ${token}`);
    expect(item.status).toBe(200);
    expect(item.body.unsortedVault).toMatchObject({ state: 'verified', safe: true, entry });
    expect(item.body.unsortedVault.says).toMatch(/^safe in the vault/);
  });

  test('approving it as a movie moves the vault copy server-side to its library path with no second upload, and the item goes resident', async () => {
    const { workflowId } = await awaitingSafely('VID_20240704_090000.mp4', 2);
    const unsortedOnVault = path.join(env.vaultDir, 'Unsorted/VID_20240704_090000.mp4');
    const before = statSync(unsortedOnVault);

    const handle = env.client.workflow.getHandle(workflowId);
    const libraryPath = 'Movies/Independence Day at the Lake (2024)/Independence Day at the Lake (2024).mp4';
    expect(
      await handle.executeUpdate(approveSortUpdate, {
        args: [{ kind: 'movie', title: 'Independence Day at the Lake', year: 2024 }],
      }),
    ).toEqual({ libraryPath });
    const status = await env.waitForStage(workflowId, 'resident');
    expect(status).toMatchObject({ libraryPath, verification: { method: 'sha256' } });
    expect(status.unsortedVault).toBeUndefined();

    // The same vault file, moved server-side (an upload to the new path would be a new file):
    // same inode and modification time; nothing left under Unsorted/.
    const onVault = path.join(env.vaultDir, libraryPath);
    const after = statSync(onVault);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(existsSync(unsortedOnVault)).toBe(false);
    expect(sha256(onVault)).toBe(sha256(path.join(env.localRoot, libraryPath)));

    // The copy after the approval uploaded no byte (rclone's own count: the local backend would
    // rewrite the moved file in place, keeping its inode, had it uploaded it again).
    const { rows } = await env.pool.query(
      `SELECT stage, outcome, details FROM events WHERE workflow_id = $1 ORDER BY id`,
      [workflowId],
    );
    const placedAt = rows.findIndex((r) => r.outcome === 'placed');
    const copied = rows.slice(placedAt).find((r) => r.stage === 'verifying' && r.outcome === 'entered');
    expect(copied?.details.bytesCopied).toBe(0);
    expect(rows.map((r) => `${r.stage}:${r.outcome}`)).toEqual(
      expect.arrayContaining(['awaiting-approval:needs-approval', 'resident:verified']),
    );

    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('unsorted-vaulted-approved-moved-cancelled', handle);
  });

  test('a season pack lists its unmatched Subs/2_English.srt, and items attach (CLI or REST) puts a subtitle next to an episode, which vaults it', async () => {
    const release = 'Incoming/Lost.S02.720p.BluRay.x264-GROUP';
    const abs = path.join(env.localRoot, release);
    makeVideo(path.join(abs, 'Lost.S02E01.720p.BluRay.x264-GROUP.mkv'), 1, 3);
    makeVideo(path.join(abs, 'Lost.S02E02.720p.BluRay.x264-GROUP.mkv'), 1, 4);
    mkdirSync(path.join(abs, 'Subs'));
    const subtitle = '1\n00:00:01,000 --> 00:00:02,000\nWe have to go back\n';
    writeFileSync(path.join(abs, 'Subs/2_English.srt'), subtitle);
    writeFileSync(
      path.join(abs, 'Subs/3_French.srt'),
      '1\n00:00:01,000 --> 00:00:02,000\nIl faut y retourner\n',
    );
    const first = await env.startIncoming(release);
    const status = await env.waitForStage(first, 'resident');
    const entry = 'Unsorted/Lost.S02.720p.BluRay.x264-GROUP';
    expect(status.leftover).toEqual({
      unsortedPath: entry,
      files: ['Subs/2_English.srt', 'Subs/3_French.srt'],
    });

    const shown = await env.cli('items', 'show', first);
    expect(shown.stdout).toContain(`leftover:   ${entry}/ (kept, not placed)`);
    expect(shown.stdout).toMatch(
      /Subs\/2_English\.srt {2}\(attach: vaultarr items attach \w+ Subs\/2_English\.srt --to <episode-id>\)/,
    );

    const episode = mediaItemWorkflowId('Shows/Lost/Season 02/Lost - S02E02.mkv');
    await env.waitForStage(episode, 'resident');
    const attached = await env.cli('items', 'attach', first, 'Subs/2_English.srt', '--to', episode);
    expect(attached.stderr).toBe('');
    expect(attached.status).toBe(0);
    const subtitlePath = 'Shows/Lost/Season 02/Lost - S02E02.en.srt';
    expect(attached.stdout).toContain(`moved to ${subtitlePath}`);

    const vaulted = await env.waitForStatus(
      episode,
      'resident with the subtitle vaulted',
      (s) =>
        s.stage === 'resident' &&
        s.subtitlePaths.includes(subtitlePath) &&
        existsSync(path.join(env.vaultDir, subtitlePath)),
    );
    expect(vaulted.subtitlePaths).toEqual([subtitlePath]);
    expect(readFileSync(path.join(env.vaultDir, subtitlePath), 'utf8')).toBe(subtitle);
    expect(readFileSync(path.join(env.localRoot, subtitlePath), 'utf8')).toBe(subtitle);
    const { rows } = await env.pool.query('SELECT subtitle_paths FROM media_items WHERE workflow_id = $1', [
      episode,
    ]);
    expect(rows[0]!.subtitle_paths).toEqual([subtitlePath]);
    // Only the subtitle's bytes went up: the video's vault copy matched and was not uploaded again.
    const events = await env.pool.query(
      `SELECT stage, outcome, details FROM events WHERE workflow_id = $1 ORDER BY id`,
      [episode],
    );
    const attachedAt = events.rows.findIndex((r) => r.outcome === 'subtitle-attached');
    expect(attachedAt).toBeGreaterThan(0);
    const copied = events.rows
      .slice(attachedAt)
      .find((r) => r.stage === 'verifying' && r.outcome === 'entered');
    expect(copied?.details.bytesCopied).toBe(Buffer.byteLength(subtitle));
    await env.waitForStatus(first, 'the English subtitle no longer listed', (s) =>
      Boolean(s.leftover && !s.leftover.files.includes('Subs/2_English.srt')),
    );

    // The REST route, with the token every item action needs: the French one to the first episode.
    const { app, token } = await createTestApi(env);
    const attach = (body: object) =>
      request(app)
        .post(`/api/v1/items/${encodeURIComponent(first)}/attach`)
        .send(body);
    expect((await attach({ file: 'Subs/3_French.srt', to: first })).status).toBe(401);
    const withToken = (body: object) => attach(body).set('Authorization', `Bearer ${token}`);
    expect((await withToken({ file: 'Subs/3_French.srt' })).status).toBe(400);
    const gone = await withToken({ file: 'Subs/2_English.srt', to: first });
    expect(gone.status).toBe(409);
    expect(JSON.stringify(gone.body)).toContain("Subs/2_English.srt is not among the item's leftover files");
    const french = await withToken({ file: `${entry}/Subs/3_French.srt`, to: first });
    expect(french.status).toBe(200);
    expect(french.body).toEqual({
      id: first,
      to: first,
      subtitlePath: 'Shows/Lost/Season 02/Lost - S02E01.fr.srt',
    });
    const firstVaulted = await env.waitForStatus(
      first,
      'resident with the French subtitle vaulted and no leftover',
      (s) =>
        s.stage === 'resident' &&
        s.leftover === undefined &&
        existsSync(path.join(env.vaultDir, 'Shows/Lost/Season 02/Lost - S02E01.fr.srt')),
    );
    expect(firstVaulted.subtitlePaths).toEqual(['Shows/Lost/Season 02/Lost - S02E01.fr.srt']);
    expect(existsSync(path.join(env.localRoot, entry))).toBe(false); // nothing else was left in it

    const again = await env.cli('items', 'attach', first, 'Subs/2_English.srt', '--to', episode);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('the item lists no leftover files');

    for (const [id, name] of [
      [episode, 'episode-subtitle-attached-cancelled'],
      [first, 'season-pack-leftover-attached-to-itself-cancelled'],
    ] as const) {
      const handle = env.client.workflow.getHandle(id);
      await handle.signal(cancelSignal);
      await handle.result();
      await recordHistory(name, handle);
    }
  });
});

describe('vault first for Unsorted, with a copy that does not finish', () => {
  let env: WorkflowTestEnv;
  beforeAll(async () => {
    // Real rclone behind a wrapper on which every copy of an Unsorted/ entry hangs (an upload of
    // hours); the library's copies go through.
    const wrapper = `/tmp/vaultarr-rclone-slow-unsorted-${process.pid}.sh`;
    writeFileSync(
      wrapper,
      `#!/bin/bash\nif [ "$1" = copy ]; then\n  list=$(cat)\n  if grep -q '^Unsorted/' <<<"$list"; then exec sleep 600; fi\n  printf '%s\\n' "$list" | rclone "$@"; exit $?\nfi\nexec rclone "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    env = await createWorkflowTestEnv({ config: { vault: { rcloneBinary: wrapper, rcloneDaemon: false } } });
  });
  afterAll(async () => {
    await env.close();
  });

  test('an approval while the Unsorted/ copy still runs stops that copy and places the item, which is then copied and verified from its library path', async () => {
    const name = 'Screen Recording 2024-06-12 at 18.30.00.mov';
    makeVideo(path.join(env.localRoot, 'Incoming', name), 1, 5);
    const workflowId = await env.startIncoming(`Incoming/${name}`);
    const waiting = await env.waitForStage(workflowId, 'awaiting-approval');
    expect(waiting.unsortedVault).toEqual({ state: 'copying', entry: `Unsorted/${name}` });
    const shown = await env.cli('items', 'show', workflowId);
    expect(shown.stdout).toContain(
      `vault:      not yet safe: its copy to the vault (Unsorted/${name}) is still running`,
    );

    const handle = env.client.workflow.getHandle(workflowId);
    const libraryPath = 'Movies/Demo Day (2024)/Demo Day (2024).mov';
    expect(
      await handle.executeUpdate(approveSortUpdate, {
        args: [{ kind: 'movie', title: 'Demo Day', year: 2024 }],
      }),
    ).toEqual({ libraryPath });
    const status = await env.waitForStage(workflowId, 'resident');
    expect(status).toMatchObject({ libraryPath, verification: { method: 'sha256' } });
    expect(status.unsortedVault).toBeUndefined();
    expect(sha256(path.join(env.vaultDir, libraryPath))).toBe(sha256(path.join(env.localRoot, libraryPath)));
    expect(existsSync(path.join(env.vaultDir, 'Unsorted', name))).toBe(false);

    await handle.signal(cancelSignal);
    await handle.result();
    await recordHistory('unsorted-copy-stopped-by-approval-cancelled', handle);
  });
});
