/**
 * Temporal connections for the API, watcher and CLI, and search-attribute registration for
 * servers other than the embedded dev server (which registers them with flags).
 */
import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import {
  CACHE_JANITOR_WORKFLOW,
  configureJanitorSignal,
  janitorWorkflowId,
  PURGE_VAULT_TRASH_WORKFLOW,
  RECONCILE_WORKFLOW,
  type JanitorInput,
  type ReconcileInput,
  type ReconcileReport,
  type JanitorSettings,
} from '../domain/messages.js';
import { SHARED_TASK_QUEUE } from '../domain/task-queues.js';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../domain/search-attributes.js';
import type { Config } from './config.js';
import { UserError } from './errors.js';

/**
 * Connects a client (for starting, signalling and querying workflows). Close with `client.connection.close()`.
 *
 * @throws UserError naming the address when Temporal does not answer
 */
export async function connectClient(address: string, namespace: string): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address });
  } catch (err) {
    throw new UserError(
      `cannot reach Temporal at ${address} (${(err as Error).message}): is \`vaultarr start\` running, or temporal.address right?`,
    );
  }
  return new Client({ connection, namespace });
}

/**
 * Registers vaultarr's search attributes on the namespace when missing (a Temporal cluster or
 * Temporal Cloud; the dev server gets them from `--search-attribute`).
 *
 * @returns the names it added
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_DEFINITIONS.filter(
    (a) => !(customAttributes && a.name in customAttributes),
  );
  if (missing.length === 0) return [];
  const types = proto.temporal.api.enums.v1.IndexedValueType;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((a) => [
        a.name,
        a.type === 'Text' ? types.INDEXED_VALUE_TYPE_TEXT : types.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return missing.map((a) => a.name);
}

/** ID of the Schedule that purges old vault trash daily. */
export const TRASH_PURGE_SCHEDULE_ID = 'vaultarr-trash-purge';

/** Creates the daily vault-trash purge Schedule when it does not exist yet. */
export async function ensureTrashPurgeSchedule(client: Client, taskQueue = SHARED_TASK_QUEUE): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: TRASH_PURGE_SCHEDULE_ID,
      spec: { intervals: [{ every: '1 day' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: PURGE_VAULT_TRASH_WORKFLOW, taskQueue, args: [] },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

/** The janitor's settings from config (`eviction`): what {@link ensureJanitor} hands its workflow. */
export function janitorSettings(config: Config): JanitorSettings {
  return {
    lowFreeRatio: config.eviction.lowFreeRatio,
    highFreeRatio: config.eviction.highFreeRatio,
    checkIntervalMs: Math.round(config.eviction.checkIntervalMinutes * 60_000),
    maxParallel: config.eviction.maxParallel,
  };
}

/**
 * Starts this host's cache janitor, or hands the running one the current settings
 * (signal-with-start of `configure`).
 */
export async function ensureJanitor(
  client: Client,
  options: { hostId: string; settings: JanitorSettings; taskQueue?: string },
): Promise<void> {
  const input: JanitorInput = { hostId: options.hostId, settings: options.settings };
  await client.workflow.signalWithStart<(input: JanitorInput) => Promise<void>, [JanitorSettings]>(
    CACHE_JANITOR_WORKFLOW,
    {
      workflowId: janitorWorkflowId(options.hostId),
      taskQueue: options.taskQueue ?? SHARED_TASK_QUEUE,
      args: [input],
      signal: configureJanitorSignal,
      signalArgs: [options.settings],
      staticSummary: `cache janitor of ${options.hostId}`,
    },
  );
}

/** ID of a host's reconcile Schedule. */
export const reconcileScheduleId = (hostId: string): string => `vaultarr-reconcile-${hostId}`;

/** Creates this host's reconcile Schedule (every `everyHours`) when it does not exist yet. */
export async function ensureReconcileSchedule(
  client: Client,
  options: { input: ReconcileInput; everyHours: number; taskQueue?: string },
): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: reconcileScheduleId(options.input.hostId),
      spec: { intervals: [{ every: `${options.everyHours} hours` }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: {
        type: 'startWorkflow',
        workflowType: RECONCILE_WORKFLOW,
        taskQueue: options.taskQueue ?? SHARED_TASK_QUEUE,
        args: [options.input],
      },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

/** Runs reconcile for a host now and waits for its report. */
export async function runReconcile(
  client: Client,
  input: ReconcileInput,
  taskQueue = SHARED_TASK_QUEUE,
): Promise<ReconcileReport> {
  return client.workflow.execute<(i: ReconcileInput) => Promise<ReconcileReport>>(RECONCILE_WORKFLOW, {
    workflowId: `reconcile:${input.hostId}:${Date.now()}`,
    taskQueue,
    args: [input],
    staticSummary: `reconcile ${input.hostId}${input.dryRun ? ' (dry run)' : ''}`,
  });
}
