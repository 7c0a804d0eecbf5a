/**
 * No secret printed or logged: one secret of each kind planted in a config file, then the real CLI
 * (`vaultarr config`, `vaultarr api` started briefly, a component failing), the logger, the REST
 * API's answers and the redaction rule itself are checked for every planted value.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import request from 'supertest';
import { stringify } from 'yaml';
import { apiSettings, createApp } from '../../api/app.js';
import { createPool } from '../../lib/db.js';
import { createToken, TOKEN_SCOPES } from '../../lib/tokens.js';
import { loadConfig } from '../../lib/config.js';
import { freePort } from '../../lib/infra/wait.js';
import { createLogger } from '../../lib/logger.js';
import { redactText } from '../../lib/secrets.js';
import { buildCli, runCli } from '../helpers/cli.js';
import { Component } from '../helpers/component.js';
import { testConfig } from '../helpers/config.js';
import { databaseUrl, freshDatabase, temporalAddress, tempDir } from '../helpers/env.js';

/** One planted secret of each kind, by what it is. */
const SECRETS = {
  plexToken: 'PlexTokenSecret1x',
  autoscanUrlPassword: 'AutoscanUrlPw2x',
  autoscanPassword: 'AutoscanPassword3x',
  radarrApiKey: 'RadarrApiKeySecret4x',
  databasePassword: 'DbSecretPw5x',
  rclonePass: 'RclonePassSecret6x',
  webdavPassFlag: 'WebdavPassFlag7x',
  sftpPassFlag: 'SftpPassFlag8x',
  bearerTokenFlag: 'BearerTokenFlag9x',
};

/** The config file: the run's Temporal and Postgres (trust auth ignores the planted password). */
function plantedConfig(dir: string, apiPort: number, dbUrl = databaseUrl()): string {
  const file = path.join(dir, 'vaultarr.yml');
  writeFileSync(
    file,
    stringify({
      hostId: 'secrets-test',
      dataDir: path.join(dir, 'data'),
      temporal: { address: temporalAddress() },
      database: { url: dbUrl.replace(/\/\/([^@/:]+)@/, `//$1:${SECRETS.databasePassword}@`) },
      api: { host: '127.0.0.1', port: apiPort },
      vault: {
        remote: `:webdav,url='http://127.0.0.1:1',user=me,pass='${SECRETS.rclonePass}':`,
        extraFlags: [
          '--transfers',
          '8',
          '--webdav-pass',
          SECRETS.webdavPassFlag,
          `--sftp-pass=${SECRETS.sftpPassFlag}`,
          '--webdav-bearer-token',
          SECRETS.bearerTokenFlag,
        ],
      },
      mediaServers: [
        { name: 'plex', type: 'plex', url: 'http://127.0.0.1:32400', token: SECRETS.plexToken },
        {
          name: 'autoscan',
          type: 'autoscan',
          url: `http://scan:${SECRETS.autoscanUrlPassword}@127.0.0.1:3030`,
          username: 'scan',
          password: SECRETS.autoscanPassword,
        },
      ],
      arr: {
        radarr: {
          url: 'http://127.0.0.1:7878',
          apiKey: SECRETS.radarrApiKey,
          qualityProfileId: 1,
          rootFolderPath: '/movies',
        },
      },
    }),
  );
  return file;
}

const leaked = (text: string) => Object.values(SECRETS).filter((s) => text.includes(s));

/** Every file under `<dataDir>/logs`, concatenated (what `vaultarr start` writes). */
function logFiles(dir: string): string {
  const logs = path.join(dir, 'data', 'logs');
  if (!existsSync(logs)) return '';
  return readdirSync(logs)
    .map((f) => readFileSync(path.join(logs, f), 'utf8'))
    .join('\n');
}

describe('secrets', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => buildCli());
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  test('vaultarr config prints the configuration with every planted secret redacted', async () => {
    plantedConfig(dir, await freePort());
    const result = runCli(dir, 'config');
    expect(result.status).toBe(0);
    expect(leaked(result.stdout + result.stderr)).toEqual([]);
    const shown = JSON.parse(result.stdout);
    expect(shown.mediaServers[0].token).toBe('***');
    expect(shown.mediaServers[1]).toMatchObject({
      password: '***',
      url: 'http://scan:***@127.0.0.1:3030',
      username: 'scan',
    });
    expect(shown.arr.radarr.apiKey).toBe('***');
    expect(shown.database.url).toMatch(/^postgres:\/\/vaultarr:\*\*\*@localhost\/vaultarr_test\?host=/);
    expect(shown.vault.remote).toBe(":webdav,url='http://127.0.0.1:1',user=me,pass=***:");
    expect(shown.vault.extraFlags).toEqual([
      '--transfers',
      '8',
      '--webdav-pass',
      '***',
      '--sftp-pass=***',
      '--webdav-bearer-token',
      '***',
    ]);
  });

  test('vaultarr api started with the planted config logs no secret', async () => {
    plantedConfig(dir, await freePort());
    const api = new Component('api', { VAULTARR_CONFIG: path.join(dir, 'vaultarr.yml') }, dir);
    try {
      await api.start('API listening');
    } finally {
      await api.kill();
    }
    expect(api.output()).toContain('API listening');
    expect(leaked(api.output() + logFiles(dir))).toEqual([]);
  });

  test('peer add refuses a URL with user:password@ without printing it; peer list hides one stored before', async () => {
    const dbUrl = await freshDatabase();
    plantedConfig(dir, await freePort(), dbUrl);
    const run = (...args: string[]) => runCli(dir, ...args);
    const added = run(
      'peer',
      'add',
      'bob',
      'http://bob:PeerUrlPw7x@127.0.0.1:1',
      '--token',
      'vt_bob-token-0123456789',
    );
    expect(added.status).toBe(1);
    expect(added.stderr).toContain('must not carry a user or password');
    expect(added.stdout + added.stderr).not.toContain('PeerUrlPw7x');
    const pool = createPool(dbUrl);
    try {
      await pool.query(
        `INSERT INTO peers (name, url, token) VALUES ('carol', 'http://carol:PeerUrlPw8x@127.0.0.1:1', 'vt_x')`,
      );
    } finally {
      await pool.end();
    }
    for (const args of [
      ['peer', 'list'],
      ['peer', 'list', '--json'],
    ]) {
      const listed = run(...args);
      expect(listed.status).toBe(0);
      expect(listed.stdout).toContain('http://***@127.0.0.1:1');
      expect(listed.stdout).not.toContain('PeerUrlPw8x');
    }
  });

  test('a component that fails on the planted config prints its error without a secret', async () => {
    // Nothing listens on port 1: migrate fails, and the entry point prints the error.
    plantedConfig(dir, await freePort(), 'postgres://vaultarr@127.0.0.1:1/vaultarr');
    const result = runCli(dir, 'migrate');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('vaultarr:');
    expect(leaked(result.stdout + result.stderr)).toEqual([]);
  });

  test('log lines hide every secret of the loaded config, in fields, messages and error stacks', async () => {
    const config = loadConfig({ env: { VAULTARR_CONFIG: plantedConfig(dir, await freePort()) }, cwd: dir });
    const lines: string[] = [];
    const log = createLogger('test', 'info', { write: (line: string) => lines.push(line) });
    log.info({ servers: config.mediaServers, arr: config.arr }, 'media servers');
    log.warn({ remote: config.vault.remote, databaseUrl: config.database.url }, 'vault');
    log.error(
      { err: new Error(`rclone copy to ${config.vault.remote} failed`) },
      `token ${config.mediaServers[0]!.token} refused by ${config.mediaServers[1]!.url}`,
    );
    log.info({ config }, 'everything');
    expect(lines).toHaveLength(4);
    expect(leaked(lines.join(''))).toEqual([]);
  });

  test('an item reason quoting an rclone error is answered by the REST API without the credential', async () => {
    const connection = await Connection.connect({ address: temporalAddress() });
    const pool = createPool(await freshDatabase());
    try {
      const { token } = await createToken(pool, 'secrets-test', TOKEN_SCOPES);
      await pool.query(
        `INSERT INTO media_items (workflow_id, host_id, stage, library_path, reason)
         VALUES ('media:5ec7e75', 'h', 'failed-needs-attention', 'Movies/X (2000)/X.mkv', $1)`,
        [`rclone copy failed: Failed to create file system for ":webdav,url='http://h',pass='NeverSeen7':"`],
      );
      const app = createApp({
        client: new Client({ connection }),
        pool,
        settings: apiSettings(
          testConfig({ hostId: 'h', library: { localRoot: dir }, api: { authFailureWindowMinutes: 1 } }),
        ),
      });
      const res = await request(app).get('/api/v1/items/5ec7e75').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('NeverSeen7');
      expect(res.body.item.reason).toContain('pass=***');
    } finally {
      await pool.end();
      await connection.close();
    }
  });

  test('credentials nobody configured are still redacted by their shape', () => {
    const text = [
      ":webdav,url='http://h:1',pass='NeverSeen1':",
      'postgres://u:NeverSeen2@db:5432/x',
      'Authorization: Bearer NeverSeen3abcdef',
      'token vt_NeverSeen4abcdefghijklmnop',
      'GET /library/sections/all/refresh?X-Plex-Token=NeverSeen5',
    ].join('\n');
    const redacted = redactText(text);
    for (const n of [1, 2, 3, 4, 5]) expect(redacted).not.toContain(`NeverSeen${n}`);
    expect(redacted).toContain(":webdav,url='http://h:1',pass=***:");
    expect(redacted).toContain('postgres://u:***@db:5432/x');
  });
});
