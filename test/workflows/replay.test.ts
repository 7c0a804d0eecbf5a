import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workflowBundle } from '../../workers/worker.js';
import { HISTORY_DIR } from '../helpers/histories.js';

describe('replay of recorded histories', () => {
  const files = readdirSync(HISTORY_DIR).filter((f) => f.endsWith('.json'));

  test('there are recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  test.each(files)('%s replays with the current workflow code', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')));
    await Worker.runReplayHistory(
      { workflowBundle: await workflowBundle() },
      history,
      file.replace(/\.json$/, ''),
    );
  });
});
