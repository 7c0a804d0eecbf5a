/**
 * V8 flags a component's node process runs with, in one place: `vaultarr start` passes them when it
 * spawns the component, `docker-compose.yml` sets the same through `NODE_OPTIONS`, and the bench
 * runs components as `vaultarr start` does.
 *
 * The watcher's live data is small (a timer and a name per release waiting), but with V8's default
 * limits its heap grows far past it while thousands of releases arrive at once. A 96 MiB old space
 * and a 1 MiB young generation make V8 collect sooner: 10,000 releases at once peak at 130 MiB RSS
 * instead of 274 MiB (bench scenario 6; 64 MiB also held, 32 MiB of headroom is kept for larger
 * drops). Its live set stays small because `@parcel/watcher` watches directories, not files.
 */
export const COMPONENT_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  watcher: ['--max-old-space-size=96', '--max-semi-space-size=1'],
};

/** The flags of one component (none for a component not listed). */
export function componentNodeFlags(component: string): readonly string[] {
  return COMPONENT_NODE_FLAGS[component] ?? [];
}
