/**
 * The contracts the code and the fakes follow live in the project, in docs/contracts/: ARR.md (the
 * *arr webhooks and APIs, media servers, autoscan) and the Radarr and Sonarr OpenAPI specs the fakes
 * validate every request against, each with its source in SOURCES.md.
 */
import { readFileSync } from 'node:fs';
import { contractPath } from '../fakes/openapi-validator.js';

describe('the contracts the code and the fakes follow', () => {
  test.each(['radarr-v3-openapi.json', 'sonarr-v3-openapi.json'])(
    '%s is an OpenAPI 3 document whose source SOURCES.md names',
    (file) => {
      const spec = JSON.parse(readFileSync(contractPath(file), 'utf8')) as { openapi: string };
      expect(spec.openapi).toMatch(/^3\./);
      expect(readFileSync(contractPath('SOURCES.md'), 'utf8')).toContain(`${file}, github.com/`);
    },
  );

  test('ARR.md describes the webhooks, the APIs and the media servers', () => {
    const arr = readFileSync(contractPath('ARR.md'), 'utf8');
    for (const heading of ['APIs', 'Media servers and autoscan']) expect(arr).toContain(heading);
  });
});
