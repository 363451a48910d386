import { readFileSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { takesNumberAsText, type Profile } from './schema.js';
import { profileSchemaFor } from './compose.js';
import { componentInterfaces, FOUND_INTERFACE_NAME, protocolDefinitions, protocolsRegistered } from '../protocol.js';
import { findRequirement } from '../catalog/index.js';
import { isVulnerabilityId, vulnerabilityDeclarationProblems } from '../advisories/declarations.js';

export interface ProfileProblem {
  /** Dotted path of the field, e.g. "endpoints.modbus.port" or "accounts[1].role". */
  path: string;
  message: string;
}

/** A profile that cannot be used; the CLI turns it into exit code 2. */
export class ProfileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ProfileProblem[],
  ) {
    super(`${source}: invalid device profile\n${problems.map((problem) => `  - ${problem.path || '(top level)'}: ${problem.message}`).join('\n')}`);
    this.name = 'ProfileError';
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/**
 * Replaces ${NAME} in every string with the environment variable. A missing variable is a problem at that field,
 * except in an account: that account is left out (`unset`), so a profile whose credentials are still to be filled in
 * runs everything that needs no login and names what was skipped.
 */
function substituteEnvironment(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, problems: ProfileProblem[], unset: Map<number, string[]>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const resolved = env[name];
      if (resolved !== undefined) return resolved;
      if (path[0] === 'accounts' && typeof path[1] === 'number') unset.set(path[1], [...(unset.get(path[1]) ?? []), name]);
      else problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
      return `unset-${name}`;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substituteEnvironment(item, [...path, index], env, problems, unset));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteEnvironment(item, [...path, key], env, problems, unset)]));
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue): ProfileProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field (misspelt?)' }));
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the alternative that got furthest, not a generic "invalid input".
    const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
    return best.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));
  }
  // Messages never quote the offending value, so a password in a wrong place is not echoed.
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** Validates an already parsed document (e.g. a simulator's self-description). Throws ProfileError. */
export function parseProfile(input: unknown, source = 'profile', env: NodeJS.ProcessEnv = process.env): Profile {
  const problems: ProfileProblem[] = [];
  const unset = new Map<number, string[]>();
  const substituted = substituteEnvironment(input, [], env, problems, unset);
  if (problems.length > 0) throw new ProfileError(source, problems);
  const result = profileSchemaFor().safeParse(substituted);
  if (!result.success) throw new ProfileError(source, result.error.issues.flatMap(describeIssue));
  const profile = result.data as Profile;
  if (unset.size > 0) {
    profile.unsetAccounts = [...unset].map(([index, variables]) => ({ index, role: profile.accounts[index]!.role, variables }));
    profile.accounts = profile.accounts.filter((_account, index) => !unset.has(index));
  }
  problems.push(...interfaceProblems(profile));
  if (problems.length > 0) throw new ProfileError(source, problems);
  return profile;
}

/** Names that must agree across the profile: interfaces are unique, and declarations and accounts name existing ones. */
function interfaceProblems(profile: Profile): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const names = new Map<string, string>();
  for (const entry of componentInterfaces(profile)) {
    const other = names.get(entry.name);
    if (other !== undefined) problems.push({ path: 'endpoints', message: `two interfaces are named "${entry.name}" (${other} and ${entry.label}); give one a name of its own` });
    names.set(entry.name, entry.label);
  }
  const known = () => [...names.keys()].join(', ') || 'none';
  for (const [id, declarations] of Object.entries(profile.declarations)) {
    if (isVulnerabilityId(id)) {
      problems.push(...vulnerabilityDeclarationProblems(id, declarations));
      continue;
    }
    if (!findRequirement(id)) {
      problems.push({ path: `declarations.${id}`, message: 'not a requirement id of the catalog (write it as "CR 1.12" or "CR 3.1 RE(1)") nor a CVE id ("CVE-2024-12345")' });
      continue;
    }
    declarations.forEach((declaration, index) => {
      const path = declarations.length > 1 ? `declarations.${id}[${index}].interface` : `declarations.${id}.interface`;
      if (declaration.interface !== undefined && !names.has(declaration.interface) && !FOUND_INTERFACE_NAME.test(declaration.interface))
        problems.push({ path, message: `no interface is named "${declaration.interface}" (interfaces: ${known()}; a service the scan finds is named "service:port", e.g. "ssh:22" or "snmp:161/udp")` });
    });
    const scopes = declarations.map((declaration) => declaration.interface ?? '(whole requirement)');
    const repeated = scopes.find((scope, index) => scopes.indexOf(scope) !== index);
    if (repeated) problems.push({ path: `declarations.${id}`, message: `declares ${repeated} twice` });
  }
  profile.accounts.forEach((account, index) =>
    (account.interfaces ?? []).forEach((name, position) => {
      if (!names.has(name)) problems.push({ path: `accounts[${index}].interfaces[${position}]`, message: `no interface is named "${name}" (interfaces: ${known()})` });
    }),
  );
  return problems;
}

/** The accounts that exist on an interface: those limited to it and those without a limit. */
export function accountsFor(profile: Profile, interfaceName: string): Profile['accounts'] {
  return profile.accounts.filter((account) => account.interfaces === undefined || account.interfaces.includes(interfaceName));
}

export function loadProfileFile(path: string, env: NodeJS.ProcessEnv = process.env): Profile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProfileError(path, [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ProfileError(
      path,
      document.errors.map((error) => ({ path: '', message: `YAML syntax: ${error.message.split('\n')[0]}` })),
    );
  }
  keepNumberSpelling(document.contents, [profileSchemaFor()]);
  return parseProfile(document.toJS(), path, env);
}

type ZodDefinition = { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[]; getter?: () => z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
const definitionOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: ZodDefinition } })._zod.def;

/** The schemas a value may meet at one place: wrappers (optional, default, a pipe's input) taken off, unions spread out. */
function candidatesOf(schema: z.ZodType): z.ZodType[] {
  if (takesNumberAsText(schema)) return [schema];
  const definition = definitionOf(schema);
  switch (definition.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return candidatesOf(definition.innerType!);
    case 'pipe':
      return candidatesOf(definitionOf(definition.in!).type === 'transform' ? definition.out! : definition.in!);
    case 'union':
      return definition.options!.flatMap(candidatesOf);
    case 'lazy':
      return candidatesOf(definition.getter!());
    default:
      return [schema];
  }
}

/**
 * YAML reads `firmware: 3.0` as the number 3; where the profile expects text (textSchema), the scalar's own spelling
 * is what the author meant, so the document node gets it back before the profile is validated.
 */
function keepNumberSpelling(node: unknown, schemas: z.ZodType[]): void {
  const candidates = schemas.flatMap(candidatesOf);
  if (candidates.length === 0) return;
  if (isScalar(node)) {
    const wantsText = candidates.some(takesNumberAsText) && !candidates.some((schema) => definitionOf(schema).type === 'number');
    if (wantsText && typeof node.value === 'number' && node.source) node.value = node.source;
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const inner = candidates.flatMap((schema) => {
        const definition = definitionOf(schema);
        if (definition.type === 'object') return definition.shape![key] ? [definition.shape![key]!] : [];
        return definition.type === 'record' ? [definition.valueType!] : [];
      });
      keepNumberSpelling(pair.value, inner);
    }
    return;
  }
  if (isSeq(node)) {
    const inner = candidates.flatMap((schema) => (definitionOf(schema).type === 'array' ? [definitionOf(schema).element!] : []));
    for (const item of node.items) keepNumberSpelling(item, inner);
  }
}

/** Every secret the profile holds; reports and logs redact them. */
export function secretsOf(profile: Profile): string[] {
  const passwords = profile.accounts.map((account) => account.password);
  const sections = protocolsRegistered() ? protocolDefinitions().flatMap((definition) => definition.secrets?.(profile) ?? []) : [];
  return [...passwords, ...sections].filter((secret) => secret.length > 0);
}

/**
 * Where the fields of a profile file are, for locations in reports: the file is parsed once, then each lookup of a
 * field ("endpoints", "tls", 1) gives its 1-based line, or undefined when absent.
 */
export function profileLocator(text: string): (path: Array<string | number>) => number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: false });
  return (path) => {
    const node = document.getIn(path, true);
    if (!isNode(node) || !node.range) return undefined;
    return lineCounter.linePos(node.range[0]).line;
  };
}
