/**
 * Jest in native ESM mode: ts-jest with useESM, run under `node --experimental-vm-modules`.
 *
 * Two projects. `unit`: tests that need nothing but Node and node_modules: no Temporal, no
 * Postgres, no rclone or ffmpeg, no `dist/`, no root (`npm run test:unit`, seconds). `integration`:
 * everything else, after the global setup has started one Temporal dev server and one Postgres
 * cluster for the run (it loads them from `dist/`, so `npm run build` first). `npm test` runs both.
 */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: { ignoreCodes: [151002] } }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/**
 * The unit project: test/unit/, the *arr and media-server client tests (against the in-process fakes
 * of test/fakes/), and the replay of the recorded histories (it bundles the workflow code itself).
 */
const UNIT = [
  'test/unit/**/*.test.ts',
  'test/activities/arr*.test.ts',
  'test/activities/scan*.test.ts',
  'test/workflows/replay.test.ts',
];

export default {
  // One test file at a time: the integration tests share the run's Temporal and Postgres on a small host.
  maxWorkers: 1,
  testTimeout: 120000,
  projects: [
    { ...base, displayName: 'unit', testMatch: UNIT.map((glob) => `<rootDir>/${glob}`) },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts', ...UNIT.map((glob) => `!**/${glob}`)],
      globalSetup: '<rootDir>/test/helpers/global-setup.js',
      globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
    },
  ],
};
