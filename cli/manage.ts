/**
 * `vaultarr items ...` and `vaultarr token ...`: interventions and tokens from the command line,
 * straight against Temporal and Postgres (no token needed on the host itself). Human output by
 * default, `--json` for scripts; errors print a sentence and exit 1.
 */
import { Command, Option } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { SUBTITLE_EXTENSIONS } from '../activities/sort/release-planner.js';
import type { Approval } from '../domain/approval.js';
import { ApprovalSchema, SuggestionChoiceSchema } from '../domain/approval.js';
import { episodeLabel, type SortSuggestion } from '../domain/media.js';
import type { MediaItemStatus } from '../domain/messages.js';
import { STAGES } from '../domain/stages.js';
import { loadConfig } from '../lib/config.js';
import { withPool } from '../lib/db.js';
import { endpoints } from '../lib/endpoints.js';
import { UserError } from '../lib/errors.js';
import {
  ItemError,
  ItemService,
  RETIRED_ITEM_WORKFLOWS,
  type ItemAction,
  type ItemProgress,
  type ItemRow,
  type MigratedItem,
} from '../lib/items/index.js';
import { MEDIA_ITEM_WORKFLOW } from '../domain/messages.js';
import { connectClient } from '../lib/temporal.js';
import { finalLine, isBusy, phaseText, WATCH_INTERVAL_MS, WatchPrinter } from './watch.js';
import { redactText } from '../lib/secrets.js';
import {
  createToken,
  defaultScopes,
  listTokens,
  parseScopes,
  revokeToken,
  TOKEN_SCOPES,
} from '../lib/tokens.js';
import type pg from 'pg';

/** Prints a line on stdout. */
export const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/**
 * Prints a line about items on stdout through the one redaction rule: a reason or history entry
 * may quote an rclone or media-server error that names a credential.
 */
const show = (text: string): void => out(redactText(text));

/**
 * Runs `fn` with a small Postgres pool on the configured database, closed afterwards.
 *
 * @throws UserError with a sentence when the database cannot be reached or goes away meanwhile
 */
export async function withDb<T>(fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  return withPool(endpoints(loadConfig()).databaseUrl, fn);
}

async function withItems<T>(fn: (items: ItemService, pool: pg.Pool) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const ep = endpoints(config);
  const client = await connectClient(ep.temporalAddress, config.temporal.namespace);
  try {
    return await withPool(ep.databaseUrl, (pool) => fn(new ItemService({ client, pool }), pool));
  } catch (err) {
    if (err instanceof ItemError) throw new UserError(err.message);
    throw err;
  } finally {
    await client.connection.close();
  }
}

const shortId = (id: string) => id.replace(/^media:/, '').slice(0, 12);

function table(rows: ItemRow[]): string {
  if (rows.length === 0) return 'no items';
  const lines = rows.map((r) => [
    shortId(r.id),
    r.stage,
    r.kind,
    r.pinned ? 'pinned' : '',
    r.libraryPath ?? r.releaseName ?? '',
  ]);
  const widths = [12, 22, 7, 6];
  const header = ['ID', 'STAGE', 'KIND', 'PIN', 'PATH'];
  return [header, ...lines]
    .map((cols) => cols.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  '))
    .join('\n');
}

/** `The Office (US) S01E02E03 (from sonarr)`, `The Daily Show 2024-03-05 (from guessit)`, `The Matrix (1999) (from guessit)`. */
function describeSuggestion({ identity, source }: SortSuggestion): string {
  const what =
    identity.kind === 'movie'
      ? `${identity.title} (${identity.year})`
      : `${identity.series} ${episodeLabel(identity)}`;
  return `${what} (from ${source})`;
}

/**
 * `copyAndVerify: copying 1.2 GiB / 3.0 GiB (40.0 %), 85.0 MiB/s Movies/…, attempt 1` or
 * `copyAndVerify: verifying Movies/… for 12 s, attempt 1`.
 */
function describeProgress(p: ItemProgress): string {
  return `${p.activity}: ${phaseText(p)}, attempt ${p.attempt}`;
}

/**
 * Follows an item until it leaves its busy stages (see {@link isBusy}), printing with `printer`.
 *
 * @returns the exit code: 1 when the item ended in `failed-needs-attention`, else 0 (also when
 *   Ctrl-C stopped the watch)
 */
async function watchItem(
  items: ItemService,
  ref: string,
  printer: WatchPrinter,
  stop: AbortSignal,
): Promise<number> {
  const id = await items.resolve(ref);
  for (;;) {
    const frame = await items.watchState(id);
    if (!isBusy(frame)) {
      printer.end(finalLine(frame));
      return frame.stage === 'failed-needs-attention' ? 1 : 0;
    }
    if (!stop.aborted) printer.frame(frame);
    const slept = await sleep(WATCH_INTERVAL_MS, true, { signal: stop }).catch(() => false);
    if (!slept) {
      printer.end('stopped watching (the item carries on)');
      return 0;
    }
  }
}

/**
 * The files a release left in `Unsorted/` besides its placed media (subtitles that follow no
 * single video, samples kept with them, extras), each subtitle with the command that attaches it.
 */
function leftoverLines(id: string, leftover: MediaItemStatus['leftover']): string[] {
  if (!leftover?.files.length) return [];
  const quote = (s: string) => (/^[\w./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);
  return [
    `leftover:   ${leftover.unsortedPath}/ (kept, not placed)`,
    ...leftover.files.map(
      (f) =>
        `            ${f}${SUBTITLE_EXTENSIONS.has(f.split('.').pop()!.toLowerCase()) ? `  (attach: vaultarr items attach ${shortId(id)} ${quote(f)} --to <episode-id>)` : ''}`,
    ),
  ];
}

/** What `items migrate` did, one line per item. */
function migrationLines(moved: MigratedItem[]): string {
  if (moved.length === 0) return 'no item runs a retired workflow type';
  return moved
    .map((m) => {
      const how =
        m.outcome === 'ended'
          ? 'its catalog says it ended: the stale run was terminated'
          : `${m.outcome} as ${MEDIA_ITEM_WORKFLOW} at ${m.stage}`;
      const signals = m.signalsForwarded ? ` (${m.signalsForwarded} unhandled signal(s) sent on)` : '';
      return `${m.workflowId}: ${m.from} → ${how}${signals}`;
    })
    .join('\n');
}

/** Registers `items` and `token` on the program. */
export function registerManageCommands(program: Command): void {
  const items = program.command('items').description('list, inspect and steer media items');

  items
    .command('list')
    .description('list items from the catalog, newest first')
    .addOption(new Option('--stage <stage>', 'only items in this stage').choices([...STAGES]))
    .addOption(
      new Option('--kind <kind>', 'only this kind').choices(['movie', 'episode', 'music', 'book', 'unknown']),
    )
    .option('-q, --query <text>', 'title, path or release name contains this')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 50)
    .option('--json', 'print JSON')
    .action(
      async (opts: { stage?: string; kind?: string; query?: string; limit: number; json?: boolean }) => {
        if (!Number.isInteger(opts.limit) || opts.limit < 1 || opts.limit > 500)
          throw new UserError('--limit must be 1-500');
        const page = await withItems((s) =>
          s.list({ stage: opts.stage, kind: opts.kind, q: opts.query, limit: opts.limit }),
        );
        show(opts.json ? JSON.stringify(page, null, 2) : table(page.items));
      },
    );

  items
    .command('show <id>')
    .description('one item: catalog row and live workflow status')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const shown = await withItems((s) => s.get(id));
      if (opts.json) return show(JSON.stringify(shown, null, 2));
      const row = shown.item;
      const live = shown.live;
      show(
        [
          `id:         ${row?.id ?? id}`,
          `stage:      ${live?.stage ?? row?.stage ?? 'unknown'}${(live?.reason ?? row?.reason) ? ` (${live?.reason ?? row?.reason})` : ''}`,
          `kind:       ${live?.kind ?? row?.kind ?? 'unknown'}${(live?.title ?? row?.title) ? ` — ${live?.title ?? row?.title}` : ''}`,
          `path:       ${live?.libraryPath ?? row?.libraryPath ?? '-'}`,
          `release:    ${live?.releaseName ?? row?.releaseName ?? '-'}`,
          `verified:   ${describeVerification(row?.verifiedBy, live?.verification?.bytesDownloaded)}`,
          ...(row?.sha256 ? [`sha256:     ${row.sha256}`] : []),
          ...(shown.unsortedVault ? [`vault:      ${shown.unsortedVault.says}`] : []),
          `pinned:     ${(live?.pinned ?? row?.pinned) ? 'yes' : 'no'}`,
          `workflow:   ${shown.workflowStatus}`,
          ...(shown.progress ? [`progress:   ${describeProgress(shown.progress)}`] : []),
          ...(live?.suggestions ?? []).map(
            (s, i) => `${i === 0 ? 'suggested:  ' : '            '}${i + 1}. ${describeSuggestion(s)}`,
          ),
          ...leftoverLines(row?.id ?? id, live?.leftover),
        ].join('\n'),
      );
    });

  items
    .command('migrate')
    .description(
      `move the items still running a retired workflow type (${RETIRED_ITEM_WORKFLOWS.join(', ')}) to ${MEDIA_ITEM_WORKFLOW}, at the stage the catalog records (every worker that runs workflows does this when it starts)`,
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const moved = await withItems((s) => s.migrateRetired());
      show(opts.json ? JSON.stringify(moved, null, 2) : migrationLines(moved));
    });

  items
    .command('watch <id>')
    .description(
      "follow an item's copy, hashing and verification live: a progress bar on a terminal, a line per change otherwise; ends when it leaves sorting/copying/verifying (exit 1 if it needs a person); Ctrl-C stops watching",
    )
    .action(async (id: string) => {
      const printer = new WatchPrinter(
        (text) => process.stdout.write(redactText(text)),
        process.stdout.isTTY ? { columns: process.stdout.columns || 80 } : undefined,
      );
      // Ctrl-C ends the watch with exit 0, also while it connects or closes its connections; a
      // second one at once.
      const stop = new AbortController();
      process.on('SIGINT', () => (stop.signal.aborted ? process.exit(0) : stop.abort()));
      process.exitCode = await withItems((s) => watchItem(s, id, printer, stop.signal));
    });

  items
    .command('approve <id>')
    .description('place an item waiting in awaiting-approval as a movie or an episode')
    .option('--movie <title>', 'it is this movie')
    .option('--year <year>', "the movie's year", (v) => Number(v))
    .option('--series <name>', 'it is an episode of this series')
    .option('--season <n>', 'season number', (v) => Number(v))
    .option(
      '--episode <n>',
      'episode number (repeat for a multi-episode file)',
      (v, acc: number[]) => [...acc, Number(v)],
      [],
    )
    .option(
      '--air-date <YYYY-MM-DD>',
      "a daily show's episode by its air date (season defaults to the date's year, as Sonarr numbers daily seasons)",
    )
    .option('--suggestion <n>', "it is the item's Nth suggestion (see items show)", (v) => Number(v))
    .option('--json', 'print JSON')
    .action(
      async (
        id: string,
        opts: {
          suggestion?: number;
          movie?: string;
          year?: number;
          series?: string;
          season?: number;
          episode: number[];
          airDate?: string;
          json?: boolean;
        },
      ) => {
        if (opts.suggestion !== undefined) {
          if (opts.movie || opts.series)
            throw new UserError('give either --suggestion N or an identity (--movie / --series), not both');
          const choice = SuggestionChoiceSchema.safeParse({ suggestion: opts.suggestion });
          if (!choice.success)
            throw new UserError(
              'invalid approval',
              choice.error.issues.map((i) => i.message),
            );
          const result = await withItems((s) => s.approveSuggestion(id, choice.data));
          return show(
            opts.json
              ? JSON.stringify(result)
              : 'stillWorking' in result
                ? `approved as ${describeSuggestion(result.approved)}; still working: ${String(result.stillWorking)}`
                : `approved as ${describeSuggestion(result.approved)}: moved to ${result.libraryPath}`,
          );
        }
        if (Boolean(opts.movie) === Boolean(opts.series))
          throw new UserError(
            'give either --suggestion N, --movie "Title" --year N, --series "Name" --season N --episode N or --series "Name" --air-date YYYY-MM-DD',
          );
        if (opts.movie && opts.airDate)
          throw new UserError('--air-date is for a daily show (--series), not a movie');
        const raw = opts.movie
          ? { kind: 'movie', title: opts.movie, year: opts.year }
          : {
              kind: 'episode',
              series: opts.series,
              season: opts.season ?? (opts.airDate ? Number(opts.airDate.slice(0, 4)) : undefined),
              episodes: opts.episode,
              ...(opts.airDate !== undefined ? { airDate: opts.airDate } : {}),
            };
        const parsed = ApprovalSchema.safeParse(raw);
        if (!parsed.success) {
          throw new UserError(
            'invalid approval',
            parsed.error.issues.map((i) => `${i.path.join('.') || 'approval'}: ${i.message}`),
          );
        }
        const result = await withItems((s) => s.approve(id, parsed.data as Approval));
        show(
          opts.json
            ? JSON.stringify(result)
            : 'stillWorking' in result
              ? `approved; still working: ${result.stillWorking} (vaultarr items show ${shortId(result.id)} says when it is placed)`
              : `approved: moved to ${result.libraryPath}`,
        );
      },
    );

  items
    .command('attach <id> <file>')
    .description(
      "attach a subtitle the item's release left in Unsorted/ (see items show) to an episode or movie: moved next to its video as <video name>.<lang>.srt and vaulted with it",
    )
    .requiredOption('--to <item-id>', 'the episode (or movie) item whose video it follows')
    .option('--json', 'print JSON')
    .action(async (id: string, file: string, opts: { to: string; json?: boolean }) => {
      const result = await withItems((s) => s.attach(id, file, opts.to));
      show(
        opts.json
          ? JSON.stringify(result)
          : 'stillWorking' in result
            ? `attach sent to ${result.to}; still working: ${String(result.stillWorking)}`
            : `attached ${file} to ${result.to}: moved to ${result.subtitlePath}; its vault copy follows (vaultarr items show ${shortId(result.to)})`,
      );
    });

  for (const [action, help] of [
    ['retry', 'run the failed step again (from failed-needs-attention), or look at a damaged release again'],
    ['skip', 'give up on the failed step, the approval or a damaged release; the workflow ends, files stay'],
    ['pin', 'keep the local copy (never evicted)'],
    ['unpin', 'let the local copy be evicted again'],
    ['evict', 'delete the local copy now, after re-verifying the vault copy'],
    ['cancel', "end the item's workflow; files stay where they are"],
  ] as const) {
    items
      .command(`${action} <id>`)
      .description(help)
      .option('--json', 'print JSON')
      .action(async (id: string, opts: { json?: boolean }) => {
        const result = await withItems((s) => s.act(id, action as ItemAction));
        show(
          opts.json
            ? JSON.stringify({ accepted: action, ...result })
            : result.stillWorking
              ? `${action} sent to ${result.id}; still working: ${result.stillWorking}`
              : `${action} sent to ${result.id} (was ${result.stage})`,
        );
      });
  }

  const token = program
    .command('token')
    .description('API tokens for the *arr webhooks, the REST API and peers');
  token
    .command('create')
    .description('create a token; it is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'a label, e.g. radarr')
    .option(
      '--scope <scope...>',
      `what it may do: ${TOKEN_SCOPES.join(', ')} (default webhook:<name> for a token named after an *arr app)`,
    )
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; scope?: string[]; json?: boolean }) => {
      const scopes = parseScopes(opts.scope ?? defaultScopes(opts.name));
      const created = await withDb((pool) => createToken(pool, opts.name, scopes));
      out(
        opts.json
          ? JSON.stringify({ name: created.info.name, scopes: created.info.scopes, token: created.token })
          : `token for "${created.info.name}" (${created.info.scopes.join(', ')}; shown once, store it now):\n${created.token}`,
      );
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const tokens = await withDb((pool) => listTokens(pool));
      if (opts.json) return out(JSON.stringify(tokens, null, 2));
      out(
        tokens.length
          ? tokens
              .map(
                (t) =>
                  `${String(t.id).padEnd(4)} ${t.name.padEnd(20)} ${t.revokedAt ? 'revoked' : 'active '}  ${(t.scopes.includes('*') ? 'all (made before scopes: recreate with --scope)' : t.scopes.join(',')).padEnd(16)}  last used ${t.lastUsedAt ? new Date(t.lastUsedAt).toISOString() : 'never'}`,
              )
              .join('\n')
          : 'no tokens',
      );
    });
  token
    .command('revoke <name>')
    .description('revoke the active token with this name (or id)')
    .action(async (name: string) => {
      await withDb((pool) => revokeToken(pool, name));
      out(`revoked ${name}`);
    });
}

/**
 * How the vault copy was verified, for `items show`: the method (`sha1`, `md5-crypt` = rclone
 * cryptcheck, `sha256-download` = read back) and, when the live status knows it, the bytes
 * downloaded to verify it.
 */
function describeVerification(method: string | null | undefined, bytesDownloaded?: number): string {
  if (!method) return 'no';
  const how = method.endsWith('-crypt')
    ? `${method} (rclone cryptcheck: the underlying ${method.slice(0, -'-crypt'.length)} against the local file encrypted)`
    : method === 'sha256-download'
      ? `${method} (the copy read back)`
      : method === 'modtime'
        ? `${method} (size and time, by an older version; checked by content before eviction)`
        : `${method} (the vault's own hash)`;
  return bytesDownloaded === undefined ? how : `${how}, ${bytesDownloaded} bytes downloaded`;
}
