import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Profile } from './schema.js';
import { profileSchemaFor } from './compose.js';
import { componentInterfaces, protocolDefinitions, protocolsRegistered } from '../protocol.js';
import { findRequirement } from '../catalog/index.js';

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

/** Replaces ${NAME} in every string with the environment variable; a missing variable is a problem at that field. */
function substituteEnvironment(value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, problems: ProfileProblem[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) {
        problems.push({ path: formatPath(path), message: `environment variable ${name} is not set` });
        return '';
      }
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substituteEnvironment(item, [...path, index], env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteEnvironment(item, [...path, key], env, problems)]));
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
  const substituted = substituteEnvironment(input, [], env, problems);
  if (problems.length > 0) throw new ProfileError(source, problems);
  const result = profileSchemaFor().safeParse(substituted);
  if (!result.success) throw new ProfileError(source, result.error.issues.flatMap(describeIssue));
  const profile = result.data as Profile;
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
    if (!findRequirement(id)) {
      problems.push({ path: `declarations.${id}`, message: 'not a requirement id of the catalog (write it as "CR 1.12" or "CR 3.1 RE(1)")' });
      continue;
    }
    declarations.forEach((declaration, index) => {
      const path = declarations.length > 1 ? `declarations.${id}[${index}].interface` : `declarations.${id}.interface`;
      if (declaration.interface !== undefined && !names.has(declaration.interface)) problems.push({ path, message: `no interface is named "${declaration.interface}" (interfaces: ${known()})` });
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
  return parseProfile(document.toJS(), path, env);
}

/** Every secret the profile holds; reports and logs redact them. */
export function secretsOf(profile: Profile): string[] {
  const passwords = profile.accounts.map((account) => account.password);
  const sections = protocolsRegistered() ? protocolDefinitions().flatMap((definition) => definition.secrets?.(profile) ?? []) : [];
  return [...passwords, ...sections].filter((secret) => secret.length > 0);
}
