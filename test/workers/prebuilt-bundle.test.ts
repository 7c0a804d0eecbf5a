/**
 * The build leaves the workflow bundle workers load from `dist/` (webpack never runs in a worker);
 * every e2e test then runs its worker on it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../lib/project.js';

type WorkerModule = typeof import('../../workers/worker.js');

test('the build wrote dist/workflow-bundle.js, fresh, holding the workflow types, and the dist worker picks it', async () => {
  const dist = (await import(
    pathToFileURL(path.join(projectRoot(), 'dist', 'workers', 'worker.js')).href
  )) as WorkerModule;
  const bundle = path.join(projectRoot(), 'dist', 'workflow-bundle.js');
  expect(dist.prebuiltBundlePath()).toBe(bundle);
  expect(await dist.freshPrebuiltBundle()).toBe(bundle);
  expect(await dist.workflowBundle()).toEqual({ codePath: bundle });
  const code = readFileSync(bundle, 'utf8');
  expect(code).toContain('mediaItemWorkflowV2');
});
