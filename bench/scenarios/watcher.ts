import type { Scenario } from '../lib/report.js';

export const watcherScenario: Scenario = {
  number: 6,
  ids: ['watcher'],
  title: 'todo',
  async run() {
    throw new Error('todo');
  },
};
