/**
 * V8 flags (and environment) a component's node process runs with, in one place: `vaultarr start`
 * passes them when it spawns the component, `docker-compose.yml` sets the same through
 * `NODE_OPTIONS` (and the malloc settings of `COMPONENT_ENV`), and the bench
 * runs components as `vaultarr start` does (figures: bench scenarios 5 and 6, docs/performance.md).
 *
 * - The watcher's live data is small (a timer and a name per release waiting), but with V8's
 *   default limits its heap grows far past it while thousands of releases arrive at once. A 96 MiB
 *   old space and a 1 MiB young generation make V8 collect sooner: 10,000 releases at once peak at
 *   130 MiB RSS instead of 274 MiB (64 MiB also held; the rest is headroom for larger drops). Its
 *   live set stays small because `@parcel/watcher` watches directories, not files.
 * - The worker keeps its default old space (the Temporal SDK sizes its workflow cache from it); a
 *   2 MiB young generation (default 16 MiB) cut its peak RSS with 200 items in flight from 472 to
 *   362 MiB and idle from 197 to 166 MiB, at the same CPU per item (bench scenario 3).
 */
export const COMPONENT_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  watcher: ['--max-old-space-size=96', '--max-semi-space-size=1'],
  worker: ['--max-semi-space-size=2'],
};

/**
 * Environment a component's process starts with, beside its flags (same places as the flags).
 * glibc malloc settings for the worker, the API and the watcher (bench scenarios 5 and 6;
 * docs/performance.md):
 *
 * - `MALLOC_ARENA_MAX=2`: the worker runs 17 threads (V8's, libuv's, the Temporal core's Tokio
 *   runtime, the workflow thread), and glibc gives each thread that allocates its own malloc arena
 *   (up to 8 per core), each holding freed memory apart: two arenas measured 155 instead of
 *   163-167 MiB idle and 310 instead of 352-377 MiB with 200 items in flight, at the same speed.
 * - `MALLOC_MMAP_THRESHOLD_=131072`, `MALLOC_TRIM_THRESHOLD_=262144`: blocks of 128 KiB and more
 *   are mapped on their own and returned when freed. By default glibc raises that threshold (up
 *   to 32 MiB) each time such a block is freed, after which large blocks come from the arenas and
 *   stay there. Two runs without, four with: idle 148-151 → 139-143 MiB, 200 in flight 273-295 →
 *   257-278 MiB, the host-only worker 190-204 → 168-190 MiB; CPU per item in scenario 3 the same
 *   (50-54 ms, two runs each); the SFTP pipeline 17.1-17.3 → 17.9-19.5 s (maybe a few percent).
 *
 * The API gets the same three: idle 109-123 MiB over the kept runs, 106 with them (30 November);
 * webhook p99 with the API alone 29 and 36 ms in two runs (22-68 ms before, with the machine's
 * noise). Its 2 MiB young generation too (idle 95 MiB) was left out: the whole-stack p99 was 79
 * and 88 ms with it, 59 and 62 without, in the same hour.
 *
 * The watcher too: with 10,000 releases in `Incoming/` it peaked at 123 and 125 MiB with them,
 * 135 and 137 without, the same hour, the last workflow started as soon (47-52 s against 51-53).
 */
const MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '262144',
} as const;

export const COMPONENT_ENV: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  worker: MALLOC_ENV,
  api: MALLOC_ENV,
  watcher: MALLOC_ENV,
};

/** The environment one component adds (none for a component not listed); a value already set wins. */
export function componentEnv(component: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...COMPONENT_ENV[component], ...env };
}

/** The flags of one component (none for a component not listed). */
export function componentNodeFlags(component: string): readonly string[] {
  return COMPONENT_NODE_FLAGS[component] ?? [];
}
