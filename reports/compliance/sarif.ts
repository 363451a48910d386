import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ComplianceDocument } from '../../core/verdict/model.js';

export interface SarifOptions {
  /** The device profile, the closest thing to a source file a device has: a file path, or a name ("embedded-default"). */
  profileUri?: string;
  /** Folder that relative locations are relative to (SARIF's %SRCROOT%), default the working directory. */
  rootDir?: string;
  /** The profile line that declares each interface, by interface name, so a dashboard can point at it. */
  interfaceLines?: Record<string, number>;
}

/**
 * SARIF 2.1.0 for code-scanning dashboards: one rule per check, one result per check and interface that did not pass.
 * Each result is located at the interface (a logical location) and at the line of the profile that declares it, and
 * carries a fingerprint of component, check and interface, so a dashboard follows one finding across nightly runs.
 */
export function complianceSarif(doc: ComplianceDocument, options: SarifOptions = {}): string {
  const { uri: profileUri, base } = artifactUri(options.profileUri ?? 'device-profile.yaml', options.rootDir ?? process.cwd());
  const component = `${doc.component.name} @ ${doc.component.host}`;
  const rules = new Map<string, { index: number; rule: object }>();
  const results: object[] = [];
  for (const requirement of doc.requirements) {
    for (const check of requirement.checks) {
      if (!rules.has(check.id)) {
        rules.set(check.id, {
          index: rules.size,
          rule: {
            id: check.id,
            name: ruleName(check.id),
            shortDescription: { text: `${requirement.id}: ${check.title}` },
            fullDescription: { text: check.expectation },
            help: { text: `IEC 62443-4-2 ${requirement.id} ${requirement.title}. Expected: ${check.expectation}` },
            properties: { requirement: requirement.id, fr: `FR ${requirement.fr}`, sl: requirement.sl, tags: ['security', requirement.id, ...requirement.sl.map((level) => `SL${level}`)] },
          },
        });
      }
      // A failure the profile compensates on that interface is a note, not an error.
      const verdict = requirement.interfaces.find((entry) => entry.name === check.interface)?.verdict ?? requirement.verdict;
      const level = check.status === 'fail' ? (verdict === 'compensated' ? 'note' : 'error') : check.status === 'error' ? 'warning' : undefined;
      if (!level) continue;
      const line = check.interface ? options.interfaceLines?.[check.interface] : undefined;
      results.push({
        ruleId: check.id,
        ruleIndex: rules.get(check.id)!.index,
        level,
        message: { text: `${requirement.id}${check.interface ? ` on ${check.interface}` : ''} ${verdict === 'compensated' ? 'compensated' : check.status === 'fail' ? 'not met' : 'not verified'}: ${check.observed ?? check.message ?? ''}` },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: profileUri, ...base }, ...(line ? { region: { startLine: line } } : {}) },
            logicalLocations: [
              check.interface
                ? { name: check.interface, fullyQualifiedName: `${component}/${check.interface}`, kind: 'resource' }
                : { name: component, fullyQualifiedName: component, kind: 'module' },
            ],
          },
        ],
        partialFingerprints: { 'componentCheckInterface/v1': fingerprint(doc.component.name, check.id, check.interface ?? '') },
        properties: {
          requirement: requirement.id,
          verdict: requirement.verdict,
          ...(check.interface ? { interface: check.interface, interfaceVerdict: verdict } : {}),
          ...(requirement.rationale ? { rationale: requirement.rationale } : {}),
        },
      });
    }
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: doc.harness.name, version: doc.harness.version, semanticVersion: doc.harness.version, informationUri: 'https://www.npmjs.com/package/iec62443-harness', rules: [...rules.values()].map((entry) => entry.rule) } },
        invocations: [{ executionSuccessful: !doc.scope.unreachable, startTimeUtc: doc.startedAt, endTimeUtc: doc.finishedAt }],
        ...(base.uriBaseId ? { originalUriBaseIds: { [base.uriBaseId]: { uri: `${pathToFileURL(options.rootDir ?? process.cwd()).href}/` } } } : {}),
        artifacts: [{ location: { uri: profileUri, ...base }, description: { text: `device profile of ${component}` } }],
        results,
        properties: { component: doc.component, targetSL: doc.targetSL, catalog: doc.catalog.edition },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** A profile inside the root is a relative reference from %SRCROOT% (what dashboards resolve against the checkout); one outside it a file: URI. */
function artifactUri(path: string, rootDir: string): { uri: string; base: { uriBaseId?: string } } {
  if (!isAbsolute(path) && !path.includes(sep) && !/\.(ya?ml|json)$/i.test(path)) return { uri: path, base: {} };
  const inside = relative(rootDir, isAbsolute(path) ? path : `${rootDir}${sep}${path}`);
  if (inside.startsWith('..') || isAbsolute(inside)) return { uri: pathToFileURL(path).href, base: {} };
  return { uri: inside.split(sep).map(encodeURIComponent).join('/'), base: { uriBaseId: '%SRCROOT%' } };
}

/** SARIF wants rule names in PascalCase: "opcua.authentication.anonymous-session-refused" → "OpcuaAuthenticationAnonymousSessionRefused". */
const ruleName = (id: string) =>
  id
    .split(/[.-]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

const fingerprint = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
