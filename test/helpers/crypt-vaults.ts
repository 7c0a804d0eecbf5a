/**
 * rclone crypt vaults for the tests, as users have them (the Saltbox `gcrypt:` over `gdrive:`
 * shape): `vault:` = crypt over `under:`, either a local folder or a WebDAV server
 * (`rclone serve webdav` of the pinned rclone). The WebDAV server is reached through a
 * pass-through proxy that logs every request and the bytes of each answer, so a test can tell
 * what verification downloaded.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, portOpen, stopChild, waitFor } from '../../lib/infra/wait.js';
import { writeVaultConfig } from './vault-servers.js';

/** A crypt vault: vaultarr's remote is `vault:` with `vault.rcloneConfig` = `configFile`. */
export interface CryptVault {
  remote: 'vault:';
  configFile: string;
  /** Where the encrypted objects land on this machine (the underlying folder). */
  underDir: string;
  /** Requests the underlying WebDAV server answered (empty for a local folder). */
  requests: () => WebdavRequest[];
  stop(): Promise<void>;
}

/** One request to the WebDAV server, as the proxy in front of it saw it. */
export interface WebdavRequest {
  method: string;
  /** Decoded path on the server (`/vault/<encrypted names>`). */
  path: string;
  /** The `Range` header asked, if any (`bytes=0-31`). */
  range?: string;
  status: number;
  /** Bytes of the answer's body. */
  bytesSent: number;
}

/**
 * A pass-through HTTP proxy (`node -e PROXY <listen port> <upstream port> <log file>`): each answer
 * is logged, once its body has gone out, as a JSON line of {@link WebdavRequest}.
 */
const PROXY = `
const http = require('node:http');
const fs = require('node:fs');
const [listen, upstreamPort, log] = process.argv.slice(1);
http.createServer((req, res) => {
  const upstream = http.request(
    { host: '127.0.0.1', port: Number(upstreamPort), path: req.url, method: req.method, headers: req.headers },
    (up) => {
      const entry = { method: req.method, path: decodeURIComponent(req.url), status: up.statusCode, bytesSent: 0 };
      if (req.headers.range) entry.range = req.headers.range;
      up.on('data', (chunk) => (entry.bytesSent += chunk.length));
      up.on('end', () => fs.appendFileSync(log, JSON.stringify(entry) + '\\n'));
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}).listen(Number(listen), '127.0.0.1');
`;

/** Crypt over a local folder `<root>/under` (the vault's objects in `<root>/under/vault`). */
export function cryptOverLocal(root: string): CryptVault {
  const under = path.join(root, 'under');
  mkdirSync(under, { recursive: true });
  const configFile = writeVaultConfig(
    path.join(root, 'rclone.conf'),
    { type: 'local' },
    {
      crypt: true,
      folder: path.join(under, 'vault'),
    },
  );
  return {
    remote: 'vault:',
    configFile,
    underDir: path.join(under, 'vault'),
    requests: () => [],
    stop: async () => undefined,
  };
}

/**
 * Crypt over `rclone serve webdav <root>/dav` on loopback. With `hashes`, the server answers
 * ownCloud-style MD5 checksums (`--etag-hash MD5`) and the remote reads them (`vendor =
 * owncloud`), as ownCloud and Nextcloud do; without, the remote knows no vendor and the WebDAV
 * vault has neither hashes nor modification times.
 */
export async function cryptOverWebdav(root: string, options: { hashes: boolean }): Promise<CryptVault> {
  const served = path.join(root, 'dav');
  mkdirSync(served, { recursive: true });
  const port = await freePort();
  const server = spawn(
    'rclone',
    [
      'serve',
      'webdav',
      served,
      '--addr',
      `127.0.0.1:${port}`,
      ...(options.hashes ? ['--etag-hash', 'MD5'] : []),
    ],
    { stdio: 'ignore' },
  );
  await waitFor(`rclone serve webdav on ${port}`, () => portOpen('127.0.0.1', port), 20_000);
  // The proxy runs as its own process: the test's own event loop stalls on every synchronous
  // call (a CLI run, a hash), and would stall the vault with it.
  const logFile = path.join(root, 'webdav-requests.jsonl');
  const proxyPort = await freePort();
  const proxy = spawn(process.execPath, ['-e', PROXY, String(proxyPort), String(port), logFile], {
    stdio: 'ignore',
  });
  await waitFor(`the WebDAV proxy on ${proxyPort}`, () => portOpen('127.0.0.1', proxyPort), 20_000);
  const configFile = writeVaultConfig(
    path.join(root, 'rclone.conf'),
    {
      type: 'webdav',
      url: `http://127.0.0.1:${proxyPort}`,
      ...(options.hashes ? { vendor: 'owncloud' } : {}),
    },
    { crypt: true, folder: 'vault' },
  );
  return {
    remote: 'vault:',
    configFile,
    underDir: path.join(served, 'vault'),
    requests: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as WebdavRequest)
        : [],
    stop: async () => {
      await stopChild(proxy, 5000);
      await stopChild(server, 5000);
    },
  };
}

/**
 * Where a library file's encrypted object lies on this machine (rclone's `backend encode` of its
 * path). Asynchronous: over WebDAV, rclone reaches the server through this process's proxy.
 */
export async function underlyingFile(vault: CryptVault, libraryPath: string): Promise<string> {
  const { stdout } = await promisify(execFile)('rclone', [
    '--config',
    vault.configFile,
    'backend',
    'encode',
    vault.remote,
    libraryPath,
  ]);
  return path.join(vault.underDir, stdout.trim());
}

/**
 * Flips one byte in the middle of a file, in place: the same size and, with `keepMtime`, the
 * same modification time, so only its content tells it changed.
 */
export function flipByte(file: string, options: { keepMtime: boolean }): void {
  // `touch -r` keeps the time to the nanosecond, as rclone compares it.
  const times = `${file}.times`;
  execFileSync('touch', ['-r', file, times]);
  const at = Math.floor(statSync(file).size / 2);
  const fd = openSync(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
  if (options.keepMtime) execFileSync('touch', ['-r', times, file]);
  rmSync(times);
}
