/**
 * One log line per item step: every stage change an item records in the catalog is also said in
 * the worker's log, at info level (warn when the item needs a person), with the item's workflow
 * ID and library path, in words a person reads (`placed … → …`, `verified … by sha256`, `evicted
 * …, freed 2.0 GiB`).
 */
import type { RecordStageInput } from './activities.js';

/** A log line: level, message and the fields that go with it. */
export interface StepLine {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/** `2.0 GiB`, `512 KiB`, `17 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * The log line for a stage change.
 *
 * @param input - the catalog row being recorded (stage, outcome, paths, details)
 * @returns the line; its fields always carry `workflowId`, `libraryPath`, `stage` and `outcome`
 */
export function stepLine(input: RecordStageInput): StepLine {
  const d = input.details ?? {};
  const path = input.libraryPath ?? str(d.libraryPath) ?? str(d.releasePath) ?? '(no path yet)';
  const fields = {
    workflowId: input.workflowId,
    libraryPath: input.libraryPath,
    stage: input.stage,
    outcome: input.outcome,
    ...(input.reason ? { reason: input.reason } : {}),
  };
  const seconds = num(d.copySeconds);
  const bytes = num(d.bytesCopied);
  const key = `${input.stage}/${input.outcome}`;
  let message: string;
  switch (key) {
    case 'sorting/entered':
      message = `sorting ${str(d.releasePath) ?? path}`;
      break;
    case 'sorting/placed':
      message = `placed ${str(d.releasePath) ?? '(release)'} → ${path}`;
      break;
    case 'awaiting-approval/needs-approval':
      message = `waiting for approval: ${path} (${input.reason ?? 'no match'})`;
      break;
    case 'copying/entered':
    case 'copying/recopy':
      message = `copying ${path} to the vault${num(d.round) && num(d.round)! > 1 ? ` (round ${String(d.round)})` : ''}`;
      break;
    case 'verifying/entered':
      message = `copied ${path}: ${formatBytes(bytes ?? 0)} uploaded${
        seconds && bytes ? ` in ${seconds.toFixed(1)} s (${formatBytes(bytes / seconds)}/s)` : ''
      }; verifying`;
      break;
    case 'resident/verified':
      message = `verified ${path} on the vault by ${input.verification?.method ?? str(d.method) ?? 'unknown'}${
        input.verification ? ` (${formatBytes(input.verification.sizeBytes)})` : ''
      }`;
      break;
    case 'resident/announced': {
      const scanned = Array.isArray(d.scanned) ? (d.scanned as unknown[]).map(String) : [];
      const peers = Array.isArray(d.peers) ? (d.peers as unknown[]).map(String) : [];
      message = `announced ${path}: scanned ${scanned.length ? scanned.join(', ') : 'nowhere'}${peers.length ? `; peers ${peers.join(', ')}` : ''}`;
      break;
    }
    case 'evicted/evicted':
      message = `evicted ${path}: freed ${formatBytes(num(d.freedBytes) ?? 0)}; the vault copy serves it`;
      break;
    case 'copying/quota-resumed':
      message = `resumed copying ${path} after the vault's quota pause`;
      break;
    case 'deleted/deleted':
      message = `deleted ${path}: its vault copy is in the trash`;
      break;
    default:
      message = `${input.stage} (${input.outcome}): ${path}${input.reason ? ` — ${input.reason}` : ''}`;
  }
  const level =
    input.stage === 'failed-needs-attention' ||
    input.outcome === 'mismatch' ||
    input.outcome === 'rename-refused'
      ? 'warn'
      : 'info';
  return { level, message, fields };
}
