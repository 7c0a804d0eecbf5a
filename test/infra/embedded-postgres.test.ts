/**
 * How vaultarr's components reach the embedded Postgres: through the cluster's Unix socket when
 * its path fits in a socket address, else over 127.0.0.1; the TCP port stays open for tools.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { embeddedPostgresUrl } from '../../lib/infra/postgres-server.js';
import { databaseUrl, tempDir } from '../helpers/env.js';

/** Where pg itself connects for a URL (its own parse of it). */
function parse(url: string) {
  const { host, port, user, database } = new pg.Client({ connectionString: url });
  return { host, port: String(port), user, database };
}

describe('the embedded Postgres URL', () => {
  test('names the cluster directory as the socket host, with the port (a path with spaces too)', () => {
    const url = embeddedPostgresUrl('/srv/media data/vaultarr/postgres', 5433, 'vaultarr');
    expect(parse(url)).toMatchObject({
      host: '/srv/media data/vaultarr/postgres',
      port: '5433',
      user: 'vaultarr',
      database: 'vaultarr',
    });
  });

  test('falls back to 127.0.0.1 when the socket path would not fit in a socket address (107 bytes)', () => {
    const dir = `/srv/${'x'.repeat(100)}/postgres`;
    expect(parse(embeddedPostgresUrl(dir, 5433, 'vaultarr'))).toMatchObject({
      host: '127.0.0.1',
      port: '5433',
      database: 'vaultarr',
    });
  });

  test('a cluster directory that does not exist yet (the first start) is named by its socket', () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(parse(embeddedPostgresUrl(path.join(dir, 'data', 'postgres'), 5433, 'vaultarr')).host).toBe(
        path.join(dir, 'data', 'postgres'),
      );
    } finally {
      cleanup();
    }
  });

  test('a cluster directory this process cannot enter is reached over 127.0.0.1', () => {
    // Another user's 0700 directory fails with EACCES; here (tests may run as root, who enters
    // every directory) a path under a regular file fails with ENOTDIR, the same branch.
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(path.join(dir, 'not-a-dir'), '');
      expect(
        parse(embeddedPostgresUrl(path.join(dir, 'not-a-dir', 'postgres'), 5433, 'vaultarr')),
      ).toMatchObject({
        host: '127.0.0.1',
        port: '5433',
      });
    } finally {
      cleanup();
    }
  });

  test('a connection by that URL goes through the socket; 127.0.0.1 still answers', async () => {
    // The test cluster is started by startEmbeddedPostgres (global setup): its URL is this one.
    const socket = new pg.Client({ connectionString: databaseUrl() });
    await socket.connect();
    const { port } = parse(databaseUrl());
    const tcp = new pg.Client({
      host: '127.0.0.1',
      port: Number(port),
      user: 'vaultarr',
      database: 'postgres',
    });
    await tcp.connect();
    try {
      // inet_client_addr() is NULL for a Unix-socket connection.
      expect((await socket.query('SELECT inet_client_addr() AS addr')).rows).toEqual([{ addr: null }]);
      expect((await tcp.query('SELECT inet_client_addr() AS addr')).rows).toEqual([{ addr: '127.0.0.1' }]);
    } finally {
      await socket.end();
      await tcp.end();
    }
  });
});
