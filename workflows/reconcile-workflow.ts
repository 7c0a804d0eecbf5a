/**
 * `reconcileWorkflow`: compares this host's `.Local`, the vault and the catalog, starts item
 * workflows for local files that events missed while something was down, restarts items whose
 * workflow ended before their copy was verified, has resident items whose local file changed since
 * its verification copied again, and reports what else does not line up.
 */
import {
  deprecatePatch,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ReconcileActivities } from '../activities/index.js';
import {
  libraryFileImportedSignal,
  MEDIA_ITEM_WORKFLOW,
  type ReconcileInput,
  type ReconcileReport,
} from '../domain/messages.js';
import { HOST_ATTRIBUTE, STAGE_ATTRIBUTE } from '../domain/search-attributes.js';
import { hostTaskQueue } from '../domain/task-queues.js';

const SETTLED = new Set(['resident', 'evicting', 'evicted', 'awaiting-approval', 'failed-needs-attention']);

/**
 * Reconciles one host.
 *
 * @param input - host, dry run, how long a local file must be unchanged to count as missed
 * @returns the {@link ReconcileReport}
 */
export async function reconcileWorkflow(input: ReconcileInput): Promise<ReconcileReport> {
  const shared = proxyActivities<ReconcileActivities>({
    startToCloseTimeout: '30 minutes',
    retry: { initialInterval: '5s', maximumInterval: '5 minutes', maximumAttempts: 10 },
  });
  const host = proxyActivities<ReconcileActivities>({
    taskQueue: hostTaskQueue(input.hostId),
    startToCloseTimeout: '30 minutes',
    scheduleToCloseTimeout: '1 day',
    retry: { initialInterval: '5s', maximumInterval: '5 minutes' },
  });
  const [local, vault, catalog, mine] = await Promise.all([
    host.listLocalLibrary({ settledForMs: input.settledForMs ?? 15 * 60_000 }),
    shared.listVaultLibrary(),
    shared.listCatalog({}),
    shared.listCatalog({ hostId: input.hostId }),
  ]);
  const byPath = new Map(catalog.map((c) => [c.libraryPath, c]));
  const localSet = new Set(local.all);

  const untracked = local.settled.filter((p) => !byPath.has(p));
  const unsettled = mine.filter((c) => localSet.has(c.libraryPath) && !SETTLED.has(c.stage));
  const running = new Set(await shared.runningWorkflows({ workflowIds: unsettled.map((c) => c.workflowId) }));
  const stalled = unsettled.filter((c) => !running.has(c.workflowId));
  const missingLocally = mine
    .filter((c) => c.stage === 'resident' && !localSet.has(c.libraryPath))
    .map((c) => c.libraryPath);
  const vaultOnly = vault.filter((p) => !byPath.has(p) && !localSet.has(p));

  // A resident file changed after its verification (a writer that came back, an edit): its vault
  // copy is no longer a backup of it, so its workflow copies and verifies it again.
  let changedLocally: string[] | undefined;
  if (patched('reconcile-local-changes')) {
    const changes = await host.findLocalChanges({ hostId: input.hostId });
    changedLocally = changes.map((c) => c.libraryPath);
    if (!input.dryRun) {
      for (const change of changes) {
        await getExternalWorkflowHandle(change.workflowId)
          .signal(libraryFileImportedSignal, {})
          .catch(() => undefined); // its workflow ended: nothing carries the file to copy it
      }
    }
  }

  const started: string[] = [];
  if (!input.dryRun) {
    const targets = [
      ...untracked.map((libraryPath) => ({ libraryPath, workflowId: undefined as string | undefined })),
      ...stalled.map((c) => ({ libraryPath: c.libraryPath, workflowId: c.workflowId as string | undefined })),
    ];
    const ids = await Promise.all(
      targets.map((t) => t.workflowId ?? shared.workflowIdForPath({ libraryPath: t.libraryPath })),
    );
    for (const [i, t] of targets.entries()) {
      try {
        // Runs from before this patch started the retired item type; a reconcile run lasts
        // minutes, and none of those runs is left (see docs/development.md, "Changing workflow code").
        deprecatePatch('reconcile-starts-v2');
        await startChild(MEDIA_ITEM_WORKFLOW, {
          workflowId: ids[i]!,
          args: [{ hostId: input.hostId, origin: { kind: 'library', libraryPath: t.libraryPath } }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: STAGE_ATTRIBUTE, value: 'copying' },
            { key: HOST_ATTRIBUTE, value: input.hostId },
          ],
        });
        started.push(ids[i]!);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
  }
  const report: ReconcileReport = {
    hostId: input.hostId,
    untracked,
    stalled: stalled.map((c) => c.libraryPath),
    missingLocally,
    vaultOnly,
    ...(changedLocally ? { changedLocally } : {}),
    started,
    clean:
      untracked.length +
        stalled.length +
        missingLocally.length +
        vaultOnly.length +
        (changedLocally?.length ?? 0) ===
      0,
  };
  return report;
}
