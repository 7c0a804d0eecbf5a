/**
 * The fakes validate requests against copies of the *arr OpenAPI specs kept in the repo (so a
 * clone tests without the shared folder); where ../shared/contracts is present they must match it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { contractPath } from '../fakes/arr-fake-base.js';

const SHARED = path.resolve('..', 'shared', 'contracts');

describe('the *arr contracts the fakes follow', () => {
  test.each(['radarr-v3-openapi.json', 'sonarr-v3-openapi.json'])(
    '%s is an OpenAPI 3 document, identical to the shared contract where that folder exists',
    (file) => {
      const ours = readFileSync(contractPath(file));
      expect((JSON.parse(ours.toString('utf8')) as { openapi: string }).openapi).toMatch(/^3\./);
      const shared = path.join(SHARED, file);
      if (existsSync(shared)) expect(ours.equals(readFileSync(shared))).toBe(true);
    },
  );
});
