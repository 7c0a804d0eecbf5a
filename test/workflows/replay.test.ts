import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workflowBundle } from '../../workers/worker.js';
import { HISTORY_DIR } from '../helpers/histories.js';

/** The recorded workflow ID (children's IDs derive from it), else the fixture's name. */
function workflowIdOf(file: string): string {
  const idFile = path.join(HISTORY_DIR, file.replace(/\.json$/, '.workflow-id'));
  return existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : file.replace(/\.json$/, '');
}

describe('replay of recorded histories', () => {
  const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));

  test('there are recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  test.each(files)('%s replays with the current workflow code', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowIdOf(file));
  });
});
