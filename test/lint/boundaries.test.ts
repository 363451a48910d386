import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { protocolDefinitions } from '../../core/protocol.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Rule {
  from: string;
  mayImport: string[];
  why: string;
}

interface Boundaries {
  rules: Rule[];
  adapterLibraries: string[];
}

export interface Violation {
  file: string;
  imported: string;
  rule: string;
}

const SOURCE = /\.(ts|js|mjs)$/;
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

/** Every module specifier a file imports or re-exports, static or dynamic (dynamic ones named by a literal only). */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) found.push((match[1] ?? match[2] ?? match[3])!);
  return found;
}

const within = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The rule for a file: the longest `from` that contains it. */
function ruleFor(rules: Rule[], file: string): Rule | undefined {
  return rules.filter((rule) => within(file, rule.from)).sort((a, b) => b.from.length - a.from.length)[0];
}

/** What the boundaries forbid in a tree: each import that leaves its layer, and each protocol library used outside the adapters. */
export function boundaryViolations(root: string, boundaries: Boundaries, protocolLibraries: string[]): Violation[] {
  const violations: Violation[] = [];
  const libraryUsers = ['adapters', 'simulators', 'test', 'bench'];
  const folders = [...new Set(boundaries.rules.map((rule) => rule.from.split('/')[0]!))];
  for (const folder of folders) {
    if (!existsSync(join(root, folder))) continue;
    const files = (readdirSync(join(root, folder), { recursive: true }) as string[]).filter((file) => SOURCE.test(file) && !file.includes('node_modules'));
    for (const name of files) {
      const file = join(folder, name).split('\\').join('/');
      const rule = ruleFor(boundaries.rules, file);
      for (const specifier of importsOf(readFileSync(join(root, file), 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = relative(root, resolve(root, dirname(file), specifier)).split('\\').join('/').replace(/\.js$/, '.ts');
          if (target.startsWith('..')) continue;
          if (rule && !rule.mayImport.some((allowed) => within(target, allowed) || within(target.replace(/\.ts$/, '.js'), allowed))) {
            violations.push({ file, imported: target, rule: `${rule.from} may import only ${rule.mayImport.join(', ')}: ${rule.why}` });
          }
        } else {
          const library = protocolLibraries.find((name) => specifier === name || specifier.startsWith(`${name}/`) || specifier.startsWith(`${name}-`));
          if (library && !libraryUsers.some((allowed) => within(file, allowed))) {
            violations.push({ file, imported: specifier, rule: `protocol library ${library} may be imported only under ${libraryUsers.join(', ')}: go through an adapter` });
          }
        }
      }
    }
  }
  return violations;
}

export function readBoundaries(root = ROOT): Boundaries {
  return JSON.parse(readFileSync(join(root, 'module-boundaries.json'), 'utf8')) as Boundaries;
}

export function protocolLibrariesOf(boundaries: Boundaries): string[] {
  return [...new Set([...boundaries.adapterLibraries, ...protocolDefinitions().flatMap((definition) => definition.libraries ?? [])])];
}

const show = (violations: Violation[]) => violations.map((violation) => `${violation.file} imports ${violation.imported} (rule: ${violation.rule})`);

describe('lint: module boundaries (module-boundaries.json)', function () {
  it('every import stays within its layer, and only adapters use protocol libraries', function () {
    const boundaries = readBoundaries();
    expect(show(boundaryViolations(ROOT, boundaries, protocolLibrariesOf(boundaries)))).to.deep.equal([]);
  });
});

describe('lint: module boundaries catch what they forbid', function () {
  const tree = (files: Record<string, string>): string => {
    const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  };

  it('names the broken rule when the kernel imports an adapter, a report or a simulator', function () {
    const root = tree({
      'core/check.ts': "import { x } from '../adapters/opcua/client.js';\nexport const a = x;\n",
      'core/verdict/judge.ts': "import { y } from '../../reports/write.js';\nconst z = await import('../../simulators/registry.js');\n",
      'adapters/opcua/client.ts': 'export const x = 1;\n',
      'reports/write.ts': 'export const y = 1;\n',
      'simulators/registry.ts': 'export {};\n',
    });
    const violations = boundaryViolations(root, readBoundaries(), []);
    expect(violations.map((violation) => `${violation.file} -> ${violation.imported}`)).to.have.members([
      'core/check.ts -> adapters/opcua/client.ts',
      'core/verdict/judge.ts -> reports/write.ts',
      'core/verdict/judge.ts -> simulators/registry.ts',
    ]);
    expect(violations[0]!.rule).to.match(/^core may import only core: the kernel/);
  });

  it('names the broken rule when reports import the verdict rules instead of receiving verdicts', function () {
    const root = tree({
      'reports/compliance/html.ts': "import type { RequirementVerdict } from '../../core/verdict/model.js';\nimport { judgeAll } from '../../core/verdict/judge.js';\n",
      'core/verdict/model.ts': 'export {};\n',
      'core/verdict/judge.ts': 'export {};\n',
    });
    const violations = boundaryViolations(root, readBoundaries(), []);
    expect(violations).to.have.length(1);
    expect(violations[0]).to.include({ file: 'reports/compliance/html.ts', imported: 'core/verdict/judge.ts' });
    expect(violations[0]!.rule).to.match(/never import the rules that make them/);
  });

  it('keeps protocol libraries inside the adapters', function () {
    const root = tree({ 'suites/fr1/a.check.ts': "import { OPCUAClient } from 'node-opcua';\n", 'adapters/opcua/client.ts': "import { OPCUAClient } from 'node-opcua-client';\n" });
    const violations = boundaryViolations(root, readBoundaries(), ['node-opcua']);
    expect(violations.map((violation) => violation.file)).to.deep.equal(['suites/fr1/a.check.ts']);
    expect(violations[0]!.rule).to.match(/protocol library node-opcua may be imported only under adapters/);
  });
});
