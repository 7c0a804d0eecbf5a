/**
 * One path for settings (issue 27): the config schema (`lib/config.ts`) is the only place a
 * default lives, and each component takes its settings typed from the parsed `Config` (a settings
 * function beside it), not from an interface that declares config keys again. What counts as a
 * fallback or a re-declared setting, exactly, is in `test/helpers/settings-rules.ts`.
 *
 * The findings the rule cannot tell from a setting, and those not yet on the path, are listed
 * below, each with its reason; a new finding fails, and so does a listed one that is gone (the
 * lists only shrink).
 */
import { projectRoot } from '../../lib/project.js';
import { findings, findingsIn, type Finding } from '../helpers/settings-rules.js';

/** Findings that are no settings: a name shared with a config key, used for something else. */
const NOT_SETTINGS: Record<string, string> = {
  'fallback activities/reconcile/activities.ts input.hostId ?? null':
    'the reconcile input names a host or all',
  'fallback api/auth.ts req.ip ?? req.socket.remoteAddress': "a request's client address",
  'fallback api/webhooks/forwarder.ts pollMs = 2000':
    "the outbox forwarder's own polling, not vault.throttle's",
  "fallback cli/peers.ts h.localRoot ?? ''": "a host row's recorded library, printed",
  'fallback activities/vault/rclone/remote-spec.ts trash = trashPlacement(this.folder)':
    "a copy's trash placement (a runtime value), not the trash section",
  'fallback lib/items/migrate.ts row?.hostId ?? started.hostId':
    "a retired item's host: its catalog row's, else the one its run started with",
  'fallback lib/items/migrate.ts (await retired.fetchHistory()).events ?? []':
    "a retired run's history events, not the notification events",
  'redeclared lib/infra/supervisor.ts SupervisorOptions.name': 'the supervised process, not a media server',
  'redeclared lib/start-item.ts StartIncomingOptions.hostId':
    "the item's workflow input (recorded in its history), passed per start",
  'redeclared lib/start-item.ts StartIncomingOptions.localRoot':
    "the item's workflow input (recorded in its history), passed per start",
};

/** Findings not on the path yet, each with why it is left (owned by another part of issue 27, or later). */
const PENDING: Record<string, string> = {
  'fallback activities/scan/server-path.ts config.libraryRoot ?? defaultLibraryRoot':
    "a default that is another key's value (union.mediaMount), resolved per server where its paths are mapped",
  'fallback cli/stack.ts config.temporal.embedded.uiIp ?? config.temporal.embedded.ip':
    "a default that is another key's value (temporal.embedded.ip), resolved where the dev server starts",
  ...Object.fromEntries(
    [
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.binary',
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.ip',
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.port',
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.uiPort',
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.uiIp',
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.namespace',
      'redeclared lib/infra/temporal-server.ts TemporalDevServerOptions.niceness',
      'fallback lib/infra/temporal-server.ts options.niceness ?? 0',
      'redeclared lib/infra/postgres-server.ts EmbeddedPostgresOptions.port',
      'redeclared lib/infra/union.ts UnionOptions.rcloneBinary',
      'redeclared lib/infra/union.ts UnionOptions.remote',
      'redeclared lib/infra/union.ts UnionOptions.rcloneConfig',
      'redeclared lib/infra/union.ts UnionOptions.localRoot',
      'redeclared lib/infra/union.ts UnionOptions.vaultMount',
      'redeclared lib/infra/union.ts UnionOptions.mediaMount',
      'redeclared lib/infra/union.ts UnionOptions.mountFlags',
    ].map((k) => [
      k,
      'infrastructure launchers (`vaultarr start`, `vaultarr union`), also started by tests and bench',
    ]),
  ),
};

const keyOf = (f: Finding): string => `${f.kind} ${f.file} ${f.text}`;
const show = (f: Finding): string => `${f.file}:${f.line}: ${f.kind} ${f.text}`;

describe('one path for settings', () => {
  const found = findings(projectRoot());

  test('no source file outside lib/config.ts gives a setting a second default or declares a setting again', () => {
    const unexpected = found.filter((f) => !(keyOf(f) in NOT_SETTINGS) && !(keyOf(f) in PENDING));
    expect(unexpected.map(show)).toEqual([]);
  });

  test('every listed exception is still found (the lists only shrink)', () => {
    const keys = new Set(found.map(keyOf));
    const stale = [...Object.keys(NOT_SETTINGS), ...Object.keys(PENDING)].filter((k) => !keys.has(k));
    expect(stale).toEqual([]);
  });

  test('the rule finds the fallbacks and re-declared settings the issue named, and passes settings typed from the config', () => {
    const source = `
      import { DEFAULT_COPY_ATTEMPTS } from '../lib/config.js';
      export interface WorkerOptions {
        trash?: { folder: string; retentionDays: number };
        scan?: { mergeWindowMs?: number };
        settings: ReturnType<typeof workerSettings>;
        arr?: ArrConfig;
      }
      const days = options.trash?.retentionDays ?? 30;
      const settings = notifications?.settings ?? { urls: [], appriseBinary: 'apprise' };
      const attempts = deps.copyAttempts ?? DEFAULT_COPY_ATTEMPTS;
      const runtime = deps.rcloneClient ?? new Rclone(settings.rclone);
      function f({ settleMs = 1000 }: { settleMs?: number }) {}
    `;
    expect(findingsIn('workers/example.ts', source).map((f) => `${f.kind} ${f.name}`)).toEqual([
      'default-import DEFAULT_COPY_ATTEMPTS',
      'redeclared folder',
      'redeclared retentionDays',
      'redeclared mergeWindowMs',
      'fallback retentionDays',
      'fallback urls',
      'fallback appriseBinary',
      'fallback copyAttempts',
      'fallback settleMs',
    ]);
  });
});
