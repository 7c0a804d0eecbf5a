/**
 * The documentation stays true to the code: the configuration reference is the one the schema
 * generates, `vaultarr.example.yml` is a valid config naming every key, the README stays short, and
 * every relative link in the README and `docs/` leads somewhere.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { envVariableOf, loadConfig } from '../../lib/config.js';
import { UserError } from '../../lib/errors.js';
import { projectRoot } from '../../lib/project.js';
import { CONFIG_REFERENCE_PATH, configKeys, renderConfigReference } from '../../scripts/config-reference.js';
import { tempDir } from '../helpers/env.js';

const root = projectRoot();
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const EXAMPLE = 'vaultarr.example.yml';

/**
 * The example with every commented-out setting enabled. The file's convention: a comment line whose
 * text after `# ` is a YAML key (`# key: value`, indented as it would be) or a list item (`# - …`) is
 * a setting you can enable by deleting `# `; any other comment is prose.
 */
function exampleWithEverySetting(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/^(\s*)# (?=\s*(?:- |[A-Za-z][A-Za-z0-9]*:(?:\s|$)))/, '$1'))
    .join('\n');
}

/** Whether a parsed YAML document holds a key path (`[]`: in some element of a list). */
function holds(doc: unknown, keys: string[]): boolean {
  if (keys.length === 0) return true;
  const [key, ...rest] = keys;
  if (key === '[]') return Array.isArray(doc) && doc.some((element) => holds(element, rest));
  return (
    typeof doc === 'object' &&
    doc !== null &&
    key! in doc &&
    holds((doc as Record<string, unknown>)[key!], rest)
  );
}

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

describe('documentation', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  test('docs/configuration.md is what the config schema generates', async () => {
    const committed = existsSync(path.join(root, CONFIG_REFERENCE_PATH)) ? read(CONFIG_REFERENCE_PATH) : '';
    if (committed !== (await renderConfigReference()))
      throw new Error(
        `${CONFIG_REFERENCE_PATH} is out of date with lib/config.ts: run \`npm run docs:config\``,
      );
  });

  test('every key of the configuration schema has a description', () => {
    const undescribed = configKeys()
      .filter((key) => !key.description)
      .map((key) => key.path.join('.'));
    expect(undescribed).toEqual([]);
  });

  test('every environment variable in the reference sets the key it is listed for', () => {
    for (const key of configKeys().filter((k) => !k.path.includes('[]') && !k.hasChildren)) {
      const name = envVariableOf(key.path);
      // `{}` suits no leaf, so the loader names the key the variable reached.
      let problems: string[] = [];
      try {
        loadConfig({ env: { [name]: '{}' }, cwd: dir });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        problems = err.problems;
      }
      expect(problems.some((p) => p.startsWith(`${key.path.join('.')} (from ${name}):`))).toBe(true);
    }
  });

  test('vaultarr.example.yml is a valid configuration as it stands and with every setting enabled', () => {
    expect(() => loadConfig({ env: { VAULTARR_CONFIG: path.join(root, EXAMPLE) }, cwd: dir })).not.toThrow();
    const everything = path.join(dir, 'everything.yml');
    writeFileSync(everything, exampleWithEverySetting(read(EXAMPLE)));
    expect(() => loadConfig({ env: { VAULTARR_CONFIG: everything }, cwd: dir })).not.toThrow();
  });

  test('vaultarr.example.yml names every key of the configuration', () => {
    const doc: unknown = parseYaml(exampleWithEverySetting(read(EXAMPLE)));
    const missing = configKeys()
      .filter((key) => !holds(doc, key.path))
      .map((key) => key.path.join('.').replace(/\.\[\]/g, '[]'));
    expect(missing).toEqual([]);
  });

  test('the README stays short enough to read in ten minutes', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(320);
  });

  test('every relative link in the README and docs/ leads to an existing file and heading', () => {
    const pages = ['README.md', ...readdirSync(path.join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
      f.endsWith('.md'),
    );
    const broken: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [file, anchor] = target!.split('#');
        const linked = file ? path.join(path.dirname(page), file) : page;
        if (!existsSync(path.join(root, linked))) {
          broken.push(`${page}: ${target} (no such file)`);
          continue;
        }
        if (anchor && linked.endsWith('.md')) {
          const headings = [...read(linked).matchAll(/^#+ (.+)$/gm)].map(([, h]) => anchorOf(h!));
          if (!headings.includes(anchor)) broken.push(`${page}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
