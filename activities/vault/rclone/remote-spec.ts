/**
 * Remote specs and paths on the remote: joining a spec and a library-relative path, rclone's
 * on-the-fly remotes (`:webdav,url='…':`) and how the daemon is given one, and the vault trash
 * every write that would replace an object moves it to first (rclone's `--backup-dir`).
 */

/** Joins a remote spec and a library-relative path (`gdrive:` + `Movies/x` → `gdrive:Movies/x`). */
export function joinRemote(remote: string, relativePath: string): string {
  if (!relativePath) return remote;
  return remote.endsWith(':') || remote.endsWith('/')
    ? `${remote}${relativePath}`
    : `${remote}/${relativePath}`;
}

/** The env-var remote name an on-the-fly remote is given inside the daemon. */
const ENV_REMOTE = 'vaultarrvault';

/**
 * Splits an on-the-fly remote (`:webdav,url='http://h:1',vendor=other:path`) into its backend,
 * parameters and path, following rclone's connection-string quoting (`'...'` or `"..."`, a
 * doubled quote inside stands for one).
 *
 * @returns undefined for anything else (a named remote or a local path)
 */
export function parseOnTheFlyRemote(
  spec: string,
): { backend: string; params: Record<string, string>; path: string } | undefined {
  const m = /^:([\w-]+)/.exec(spec);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  let i = m[0].length;
  while (spec[i] === ',') {
    const eq = spec.indexOf('=', i + 1);
    if (eq < 0) return undefined;
    const key = spec.slice(i + 1, eq);
    if (!/^[\w-]+$/.test(key)) return undefined;
    i = eq + 1;
    let value = '';
    const quote = spec[i];
    if (quote === "'" || quote === '"') {
      for (i++; ; i++) {
        if (i >= spec.length) return undefined;
        if (spec[i] === quote) {
          if (spec[i + 1] === quote) {
            value += quote;
            i++;
            continue;
          }
          i++;
          break;
        }
        value += spec[i];
      }
    } else {
      while (i < spec.length && spec[i] !== ',' && spec[i] !== ':') value += spec[i++];
    }
    params[key] = value;
  }
  if (spec[i] !== ':') return undefined;
  return { backend: m[1]!, params, path: spec.slice(i + 1) };
}

/**
 * The vault remote as the daemon is given it: an on-the-fly remote becomes a remote defined
 * through rclone environment variables (`RCLONE_CONFIG_VAULTARRVAULT_*`), so that its URL survives
 * in the object paths the daemon serves; any other spec stays as it is.
 *
 * @returns the fs string the daemon knows the remote by, and the variables defining it
 */
export function daemonRemote(spec: string): { remote: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const onTheFly = parseOnTheFlyRemote(spec);
  if (!onTheFly) return { remote: spec, env };
  const prefix = `RCLONE_CONFIG_${ENV_REMOTE.toUpperCase()}_`;
  env[`${prefix}TYPE`] = onTheFly.backend;
  for (const [k, v] of Object.entries(onTheFly.params))
    env[`${prefix}${k.toUpperCase().replace(/-/g, '_')}`] = v;
  return { remote: `${ENV_REMOTE}:${onTheFly.path}`, env };
}

/**
 * Where a copy or move puts an object it would replace: rclone's `--backup-dir` (the day's trash
 * folder) and `--suffix` (`.replaced-<HHMMSS>`, before the extension), so a replaced object never
 * takes the name of one deleted the same day, nor of another replaced one.
 */
export interface TrashPlacement {
  /** Library-relative folder of the day's trash, `<trash>/<YYYY-MM-DD>`. */
  folder: string;
  /** Suffix rclone adds to the replaced object's name (`--suffix-keep-extension`). */
  suffix: string;
}

/**
 * The trash placement for a write at `at`: `<trash>/<YYYY-MM-DD>` and `.replaced-<HHMMSS>` (UTC).
 *
 * @param trashFolder - the trash folder at the remote's root (`.trash`)
 */
export function trashPlacement(trashFolder: string, at: Date = new Date()): TrashPlacement {
  const iso = at.toISOString();
  return {
    folder: `${trashFolder}/${iso.slice(0, 10)}`,
    suffix: `.replaced-${iso.slice(11, 19).replace(/:/g, '')}`,
  };
}

/** The vault trash of one remote: where a copy or move puts an object it would replace. */
export class VaultTrash {
  /**
   * @param folder - the trash folder at the remote's root (`vault.trash.folder`)
   * @param remote - the vault remote spec, as rclone processes are given it
   */
  constructor(
    readonly folder: string,
    private readonly remote: string,
  ) {}

  /**
   * rclone flags that keep an object a write would replace, for a command whose destination is
   * `destination` (library-relative folder; `''` for the remote's root): it moves to the day's
   * vault trash (`--backup-dir`, which rclone fills with the path below the destination, so the
   * backup dir repeats the destination folder) and gets the `.replaced-<HHMMSS>` suffix. A
   * destination inside the trash keeps the replaced object beside it, renamed with the suffix.
   */
  flags(destination: string, trash = trashPlacement(this.folder)): string[] {
    const suffix = ['--suffix', trash.suffix, '--suffix-keep-extension'];
    if (this.contains(destination)) return suffix;
    const folder = destination ? `${trash.folder}/${destination}` : trash.folder;
    return ['--backup-dir', joinRemote(this.remote, folder), ...suffix];
  }

  /**
   * The daemon's `_config` for the same, for a call whose `dstFs` is the remote's root.
   *
   * @param daemonRemote - the remote as the daemon knows it (see {@link daemonRemote})
   */
  daemonConfig(daemonRemote: string, destination: string, trash = trashPlacement(this.folder)) {
    return {
      ...(this.contains(destination) ? {} : { BackupDir: joinRemote(daemonRemote, trash.folder) }),
      Suffix: trash.suffix,
      SuffixKeepExtension: true,
    };
  }

  /** Whether a library-relative path lies in the vault trash. */
  private contains(relativePath: string): boolean {
    return relativePath === this.folder || relativePath.startsWith(`${this.folder}/`);
  }
}
