/**
 * The rule of one path for settings, read from the sources: the config schema (`lib/config.ts`)
 * is the only place a default lives, and components take their settings as types derived from
 * the parsed `Config`, not as interfaces that declare config keys again. Used by
 * `test/unit/settings-path.test.ts`.
 *
 * What counts, precisely:
 * - a **setting name** is the last key of a config path (`retentionDays`, `settleSeconds`), or a
 *   time key's ms form (`settleSeconds` → `settleMs`, `authFailureWindowMinutes` → `authFailureWindowMs`);
 *   a **defaulted** one has a default in the schema (`.default()`, `.prefault()` or a
 *   `defaultText`, which `loadConfig` fills in);
 * - a **fallback** is `x.<defaulted name> ?? …` (or `??=`), `… ?? { <defaulted name>: … }`, a
 *   destructuring or parameter default of a defaulted name, or a value import of a `DEFAULT_*`
 *   constant from `lib/config.ts`;
 * - a **re-declared setting** is a property named like a setting, typed with a bare `string`,
 *   `number`, `boolean`, literal or list of those, in an interface or type literal whose name ends
 *   in `Deps`, `Options` or `Settings` (nested object types included). A property typed from the
 *   config (`Config['vault']['trash']`, `ReturnType<typeof sortSettings>`, `ArrConfig`) is not.
 *
 * Scanned: `activities/`, `api/`, `cli/`, `lib/` (not `lib/config.ts`), `watcher/`, `workers/`.
 * Not scanned: `workflows/` and `domain/` (they read recorded workflow inputs, whose fallbacks keep
 * histories written before a field existed replaying; their wire types are filled by one settings
 * function each, whose return type annotation makes a missing field a compile error).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { ConfigSchema } from '../../lib/config.js';

/** Folders whose `.ts` files are scanned, relative to the repository root. */
export const SCANNED_DIRS = ['activities', 'api', 'cli', 'lib', 'watcher', 'workers'];
/** The one file where defaults live. */
export const CONFIG_FILE = 'lib/config.ts';

type Def = Record<string, unknown> & { type: string };
const defOf = (s: z.ZodType): Def => s._zod.def as unknown as Def;

/** A schema and the schemas it wraps (optional, default, prefault, pipe, ...), outermost first. */
function layers(s: z.ZodType): z.ZodType[] {
  const def = defOf(s);
  const inner = (def.type === 'pipe' ? def.in : def.innerType) as z.ZodType | undefined;
  return inner ? [s, ...layers(inner)] : [s];
}

/** A time key's ms form (`settleSeconds` → `settleMs`), or undefined for other keys. */
function msForm(key: string): string | undefined {
  const m = /^(.+)(Seconds|Minutes|Hours|Days)$/.exec(key);
  return m ? `${m[1]}Ms` : undefined;
}

/** The setting names of the schema: all of them, and those with a default. */
export function settingNames(schema: z.ZodType = ConfigSchema): { all: Set<string>; defaulted: Set<string> } {
  const all = new Set<string>();
  const defaulted = new Set<string>();
  const walk = (outer: z.ZodType, key?: string): void => {
    const wrappers = layers(outer);
    const inner = wrappers.at(-1)!;
    const def = defOf(inner);
    if (key) {
      const names = [key, msForm(key)].filter((n): n is string => n !== undefined);
      // A section (`vault`, `database`) holds keys; it is never a bare value itself.
      if (def.type !== 'object') for (const n of names) all.add(n);
      const hasDefault = wrappers.some((layer) => {
        const type = defOf(layer).type;
        const meta = z.globalRegistry.get(layer) as { defaultText?: string } | undefined;
        return type === 'default' || type === 'prefault' || meta?.defaultText !== undefined;
      });
      if (hasDefault) for (const n of names) defaulted.add(n);
    }
    const object =
      def.type === 'object'
        ? inner
        : def.type === 'array'
          ? layers(def.element as z.ZodType).find((l) => defOf(l).type === 'object')
          : undefined;
    if (!object) return;
    for (const [k, child] of Object.entries(defOf(object).shape as Record<string, z.ZodType>)) walk(child, k);
  };
  walk(schema);
  return { all, defaulted };
}

/** One place that breaks the rule: `file:line: what`, stable across runs. */
export interface Finding {
  file: string;
  line: number;
  kind: 'fallback' | 'default-import' | 'redeclared';
  /** The setting name, or the imported constant. */
  name: string;
  /** Where: the expression, or `Interface.property`. */
  text: string;
}

/** Every `.ts` file under the scanned folders, relative to `root`, sorted. */
export function scannedFiles(root: string): string[] {
  const files: string[] = [];
  for (const dir of SCANNED_DIRS) {
    for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const rel = path.relative(root, path.join(entry.parentPath, entry.name));
      if (rel !== CONFIG_FILE) files.push(rel);
    }
  }
  return files.sort();
}

/** The property name an expression reads (`a.b?.retentionDays` → `retentionDays`), if any. */
function readName(e: ts.Expression): string | undefined {
  if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) return readName(e.expression);
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isElementAccessExpression(e) && ts.isStringLiteral(e.argumentExpression))
    return e.argumentExpression.text;
  return undefined;
}

/** Whether a type is written out bare: `string`, `number`, `boolean`, a literal, a list or union of those. */
function isBare(t: ts.TypeNode): boolean {
  switch (t.kind) {
    case ts.SyntaxKind.StringKeyword:
    case ts.SyntaxKind.NumberKeyword:
    case ts.SyntaxKind.BooleanKeyword:
    case ts.SyntaxKind.LiteralType:
    case ts.SyntaxKind.UndefinedKeyword:
      return true;
    case ts.SyntaxKind.ArrayType:
      return isBare((t as ts.ArrayTypeNode).elementType);
    case ts.SyntaxKind.UnionType:
      return (t as ts.UnionTypeNode).types.every(isBare);
    case ts.SyntaxKind.ParenthesizedType:
      return isBare((t as ts.ParenthesizedTypeNode).type);
    default:
      return false;
  }
}

/**
 * Finds what breaks the rule in one file.
 *
 * @param file - path relative to the repository root (for the findings)
 * @param text - its source
 */
export function findingsIn(
  file: string,
  text: string,
  names: { all: Set<string>; defaulted: Set<string> } = settingNames(),
): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Finding[] = [];
  const add = (node: ts.Node, kind: Finding['kind'], name: string, what: string) =>
    found.push({
      file,
      line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
      kind,
      name,
      text: what.replace(/\s+/g, ' '),
    });
  const members = (owner: string, type: ts.TypeNode | undefined, at: string): void => {
    if (!type) return;
    if (ts.isTypeLiteralNode(type)) properties(owner, type.members, at);
    else if (ts.isIntersectionTypeNode(type) || ts.isUnionTypeNode(type))
      for (const t of type.types) members(owner, t, at);
    else if (ts.isParenthesizedTypeNode(type)) members(owner, type.type, at);
  };
  const properties = (owner: string, list: ts.NodeArray<ts.TypeElement>, at: string): void => {
    for (const m of list) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : undefined;
      if (name === undefined) continue;
      if (names.all.has(name) && isBare(m.type)) add(m, 'redeclared', name, `${owner}.${at}${name}`);
      members(owner, m.type, `${at}${name}.`);
    }
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionEqualsToken)
    ) {
      const name = readName(node.left);
      if (name && names.defaulted.has(name)) add(node, 'fallback', name, node.getText(source));
      // `?? { urls: [], appriseBinary: 'apprise', … }`: a whole settings object restated.
      let right: ts.Expression = node.right;
      while (ts.isParenthesizedExpression(right)) right = right.expression;
      if (ts.isObjectLiteralExpression(right))
        for (const p of right.properties) {
          const key =
            p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
          if (key && names.defaulted.has(key))
            add(p, 'fallback', key, `${node.left.getText(source)} ?? { ${p.getText(source)} }`);
        }
    }
    if ((ts.isBindingElement(node) || ts.isParameter(node)) && node.initializer) {
      const key = ts.isBindingElement(node) && node.propertyName ? node.propertyName : node.name;
      const name = ts.isIdentifier(key) ? key.text : undefined;
      if (name && names.defaulted.has(name)) add(node, 'fallback', name, node.getText(source));
    }
    if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      /(^|\/)lib\/config\.js$|^\.\/config\.js$/.test(node.moduleSpecifier.text) &&
      path.posix.normalize(path.posix.join(path.posix.dirname(file), node.moduleSpecifier.text)) ===
        'lib/config.js'
    ) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && !node.importClause?.isTypeOnly)
        for (const el of bindings.elements)
          if (!el.isTypeOnly && /^DEFAULT_/.test(el.name.text))
            add(el, 'default-import', el.name.text, `import ${el.name.text}`);
    }
    if (ts.isInterfaceDeclaration(node) && /(Deps|Options|Settings)$/.test(node.name.text))
      properties(node.name.text, node.members, '');
    if (ts.isTypeAliasDeclaration(node) && /(Deps|Options|Settings)$/.test(node.name.text))
      members(node.name.text, node.type, '');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every finding in the scanned sources under `root`. */
export function findings(root: string): Finding[] {
  const names = settingNames();
  return scannedFiles(root).flatMap((file) =>
    findingsIn(file, readFileSync(path.join(root, file), 'utf8'), names),
  );
}
