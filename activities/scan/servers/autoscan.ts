/** autoscan, as docs/contracts/ARR.md ("Media servers and autoscan") describes. */
import type { MediaServerConfig } from '../../../lib/config.js';
import {
  HttpMediaServer,
  trimTrailingSlashes,
  type FolderChange,
  type MediaServerOptions,
} from './http-base.js';

/**
 * autoscan: every distinct folder in one `POST /triggers/manual?dir=/a&dir=/b`, with basic auth
 * when `username` is set (or the URL carries `user:password@`). autoscan has no update types: it
 * passes each folder on to its own targets.
 */
export class AutoscanServer extends HttpMediaServer {
  readonly type = 'autoscan' as const;
  private readonly authorization?: string;

  constructor(config: MediaServerConfig, options: MediaServerOptions = {}) {
    super(config, options);
    const url = new URL(config.url);
    const username = config.username ?? decodeURIComponent(url.username);
    const password = config.password ?? decodeURIComponent(url.password);
    if (username)
      this.authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  protected get credentialName(): string {
    return this.authorization ? 'username/password' : 'request without credentials';
  }

  async scan(changes: FolderChange[]): Promise<void> {
    const dirs = [...new Set(changes.map((c) => trimTrailingSlashes(c.path)))];
    if (dirs.length === 0) return;
    await this.send('POST', '/triggers/manual', {
      query: dirs.map((d): [string, string] => ['dir', d]),
      headers: this.authorization ? { Authorization: this.authorization } : {},
    });
  }
}
