/**
 * The long-lived `rclone rcd` a client starts on first use: copies, stats, moves, backend features
 * and read-backs go to it instead of an rclone process each (a process costs about 0.1 CPU second
 * and 80 ms, more than the work itself for small files). It listens on a loopback port with a
 * random user and password passed in its environment (never on its command line), and dies with
 * the process that started it: on a normal exit through an exit hook, and on a crash or SIGKILL
 * through the kernel's parent-death signal (util-linux `setpriv --pdeathsig`) and a small watchdog
 * that outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat as statFile } from 'node:fs/promises';
import { freePort } from '../../../lib/infra/wait.js';
import { rcloneFailure, rcloneStopped, unlessNotFound, RcloneDaemonError, RcloneError } from './errors.js';
import {
  remoteObject,
  type BackendFeatures,
  type CopyOptions,
  type CopyProgress,
  type ListedObject,
  type RcloneOperations,
  type RemoteObject,
} from './operations.js';
import { daemonRemote, trashPlacement, type VaultTrash } from './remote-spec.js';

const live = new Set<ChildProcess>();
const SETPRIV = '/usr/bin/setpriv';
let exitHookInstalled = false;

/** A running daemon; `call` runs one rc command, `get` streams a remote object. */
export class RcloneDaemon implements RcloneOperations {
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly stderrTail: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
    private readonly auth: string,
    /** The fs string of the vault remote as the daemon knows it. */
    readonly remote: string,
    private readonly trash: VaultTrash,
  ) {
    child.once('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      live.delete(child);
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail.push(d.toString());
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
  }

  /**
   * Starts `rclone rcd` with the global flags of every copy (config file, `--bwlimit`, ...).
   *
   * @param options.remote - the vault remote spec; an on-the-fly one is defined to the daemon
   *   through environment variables (see `daemonRemote`), so that its URL survives in the object
   *   paths `get` requests
   * @param options.trash - the vault trash, for copies and moves that would replace an object
   * @throws Error when the daemon does not answer within 10 s
   */
  static async start(options: {
    binary: string;
    remote: string;
    flags: string[];
    /** Secret flags as rclone environment variables (see `splitRcloneFlags`). */
    env: Record<string, string>;
    trash: VaultTrash;
  }): Promise<RcloneDaemon> {
    const port = await freePort();
    const user = `vaultarr-${randomBytes(6).toString('hex')}`;
    const pass = randomBytes(24).toString('base64url');
    const { remote, env: remoteEnv } = daemonRemote(options.remote);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      RCLONE_RC_USER: user,
      RCLONE_RC_PASS: pass,
      ...remoteEnv,
    };
    const rcd = [options.binary, 'rcd', '--rc-addr', `127.0.0.1:${port}`, '--rc-serve', ...options.flags];
    // util-linux's setpriv asks the kernel to SIGTERM the daemon when this process dies, however it
    // dies: nothing can stop that the way a killed watchdog can.
    const command = existsSync(SETPRIV) ? [SETPRIV, '--pdeathsig', 'TERM', '--', ...rcd] : rcd;
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    live.add(child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const c of live) c.kill();
      });
    }
    if (child.pid) {
      // Kills the daemon once this process is gone, however it went (kill -9 included).
      spawn(
        'sh',
        [
          '-c',
          'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done; kill "$2" 2>/dev/null',
          'vaultarr-rcd-watchdog',
          String(process.pid),
          String(child.pid),
        ],
        { stdio: 'ignore', detached: true },
      ).unref();
    }
    const auth = Buffer.from(`${user}:${pass}`).toString('base64');
    const daemon = new RcloneDaemon(child, port, auth, remote, options.trash);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (daemon.exitInfo) throw new Error(`rclone rcd exited: ${daemon.stderrTail.join('').trim()}`);
      try {
        await daemon.call('rc/noop', {});
        return daemon;
      } catch (err) {
        if (Date.now() > deadline) {
          child.kill();
          throw new Error(`rclone rcd did not answer: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Resolves once the daemon has exited, or after `ms`. */
  async waitExit(ms: number): Promise<void> {
    if (this.exitInfo) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** How the daemon ended, once it has. */
  get exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /**
   * Runs an rc command.
   *
   * @throws RcloneDaemonError with rclone's message and the HTTP status (404 for "not found");
   *   the fetch error when the daemon is unreachable
   */
  async call<T = Record<string, unknown>>(command: string, input: object, signal?: AbortSignal): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.port}/${command}`, {
      method: 'POST',
      headers: { authorization: `Basic ${this.auth}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
      signal,
    });
    const body = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (!res.ok) throw new RcloneDaemonError(body.error ?? `HTTP ${res.status}`, res.status);
    return body;
  }

  /** Streams a remote object (`--rc-serve`); `undefined` when the daemon cannot serve that path. */
  async get(relativePath: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array> | undefined> {
    if (this.remote.includes('//')) return undefined; // the HTTP server would clean the URL's "//"
    const encoded = relativePath.split('/').map(encodeURIComponent).join('/');
    const res = await fetch(
      `http://127.0.0.1:${this.port}/[${encodeURIComponent(this.remote).replace(/%3A/gi, ':')}]/${encoded}`,
      { headers: { authorization: `Basic ${this.auth}` }, signal },
    );
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      return undefined;
    }
    return res.body;
  }

  /**
   * Runs an rc command, failing as the rclone command `command` would.
   *
   * @throws RcloneError (see {@link RcloneDaemon.error})
   */
  async run<T = Record<string, unknown>>(command: string, rc: string, input: object): Promise<T> {
    try {
      return await this.call<T>(rc, input);
    } catch (err) {
      throw this.error(command, err);
    }
  }

  /**
   * An rclone error from a failed call (`auth`, `not-found` or `other`, as for a process; see
   * `rcloneFailure`); `other` when the daemon was killed by a signal.
   */
  error(command: string, err: unknown): RcloneError {
    if (this.exited?.signal) return rcloneStopped(`rclone ${command} was killed by ${this.exited.signal}`);
    const message = err instanceof Error ? err.message : String(err);
    const status = err instanceof RcloneDaemonError ? err.status : undefined;
    return rcloneFailure(command, { daemonMessage: message, status });
  }

  /**
   * rc `operations/copyfile` of each path, in one stats group whose bytes are the progress; an
   * abort stops the group.
   */
  async copy(localRoot: string, paths: string[], options: CopyOptions): Promise<CopyProgress> {
    const group = `vaultarr-${randomBytes(8).toString('hex')}`;
    let bytesTotal = 0;
    for (const p of paths)
      bytesTotal += await statFile(`${localRoot}/${p}`).then(
        (s) => s.size,
        () => 0,
      );
    let last: CopyProgress = { bytesDone: 0, bytesTotal };
    const progress = async () => {
      const stats = await this.call<{ bytes?: number }>('core/stats', { group });
      last = { bytesDone: stats.bytes ?? 0, bytesTotal };
      options.onProgress?.(last);
    };
    const trash = trashPlacement(this.trash.folder);
    const timer = setInterval(() => void progress().catch(() => undefined), 1000);
    const cancel = () => void this.call('job/stopgroup', { group }).catch(() => undefined);
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for (const p of paths) {
        if (options.signal?.aborted) throw rcloneStopped('rclone copy was cancelled');
        await this.call('operations/copyfile', {
          srcFs: localRoot,
          srcRemote: p,
          dstFs: this.remote,
          dstRemote: p,
          _group: group,
          _config: {
            // Verification follows the copy (the remote's hash against the one taken while the
            // file was read for the upload): rclone's own check after each upload would read the
            // vault copy's hash a second time (a full read of the file on an SFTP server).
            IgnoreChecksum: true,
            // A forced copy after a failed verification: never skip because size and modtime match.
            ...(options.force ? { IgnoreTimes: true } : {}),
            // An object the copy would replace goes to the vault trash first.
            ...this.trash.daemonConfig(this.remote, p, trash),
          },
        });
      }
      if (options.signal?.aborted) throw rcloneStopped('rclone copy was cancelled');
      await progress().catch(() => undefined);
      return last;
    } catch (err) {
      if (err instanceof RcloneError) throw err;
      if (options.signal?.aborted) throw rcloneStopped('rclone copy was cancelled');
      // A dropped connection usually means the daemon died: let its exit be seen first.
      if (!(err instanceof RcloneDaemonError)) await this.waitExit(1000);
      throw this.error('copy', err);
    } finally {
      clearInterval(timer);
      options.signal?.removeEventListener('abort', cancel);
      void this.call('core/stats-delete', { group }).catch(() => undefined);
    }
  }

  /** rc `operations/stat`. */
  async stat(relativePath: string, hashType?: string): Promise<RemoteObject | undefined> {
    const answer = await unlessNotFound(
      this.run<{ item: ListedObject | null }>('lsjson', 'operations/stat', {
        fs: this.remote,
        remote: relativePath,
        opt: { showHash: Boolean(hashType), hashTypes: hashType ? [hashType] : [], noMimeType: true },
      }),
      undefined,
    );
    return remoteObject(answer?.item);
  }

  /** rc `operations/movefile`, an object it replaces kept in the trash. */
  async moveFile(fromRelative: string, toRelative: string): Promise<void> {
    await this.run('moveto', 'operations/movefile', {
      srcFs: this.remote,
      srcRemote: fromRelative,
      dstFs: this.remote,
      dstRemote: toRelative,
      _config: this.trash.daemonConfig(this.remote, toRelative),
    });
  }

  /** rc `operations/fsinfo`. */
  features(): Promise<BackendFeatures> {
    return this.run('backend features', 'operations/fsinfo', { fs: this.remote });
  }

  /** Stops the daemon. */
  stop(): void {
    this.child.kill();
  }
}
