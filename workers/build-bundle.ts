/**
 * `node dist/workers/build-bundle.js`: writes the workflow bundle workers load,
 * `dist/workflow-bundle.js`, unless it is already newer than every compiled file in `dist/` (run by
 * `npm run build` and `scripts/bootstrap.sh` after `tsc`). Exits 1 when webpack reports an error.
 */
import { rename, writeFile } from 'node:fs/promises';
import { bundleWorkflows, freshPrebuiltBundle, prebuiltBundlePath } from './worker.js';

if (await freshPrebuiltBundle()) process.exit(0);
const target = prebuiltBundlePath();
const { code } = await bundleWorkflows((message, meta) =>
  console.error(`workflow bundle: ${message}`, meta ?? ''),
);
await writeFile(`${target}.tmp`, code);
await rename(`${target}.tmp`, target);
console.error(`vaultarr: workflow bundle written to ${target} (${(code.length / 2 ** 20).toFixed(1)} MiB)`);
