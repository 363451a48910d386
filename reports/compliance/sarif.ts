import type { ComplianceDocument } from './document.js';

/**
 * SARIF 2.1.0 for code-scanning dashboards: one rule per check, one result per check that did not pass.
 * Findings are located at the device profile (the closest thing to a source file a device has) and at the host.
 */
export function complianceSarif(doc: ComplianceDocument, profileUri = 'device-profile.yaml'): string {
  const rules = new Map<string, object>();
  const results: object[] = [];
  for (const requirement of doc.requirements) {
    for (const check of requirement.checks) {
      if (!rules.has(check.id)) {
        rules.set(check.id, {
          id: check.id,
          name: check.title,
          shortDescription: { text: `${requirement.id}: ${check.title}` },
          fullDescription: { text: check.expectation },
          properties: { requirement: requirement.id, fr: `FR ${requirement.fr}`, sl: requirement.sl, tags: [requirement.id, ...requirement.sl.map((level) => `SL${level}`)] },
        });
      }
      const level = check.status === 'fail' ? (requirement.verdict === 'compensated' ? 'note' : 'error') : check.status === 'error' ? 'warning' : undefined;
      if (!level) continue;
      results.push({
        ruleId: check.id,
        level,
        message: { text: `${requirement.id} ${requirement.verdict === 'compensated' ? 'compensated' : check.status === 'fail' ? 'not met' : 'not verified'}: ${check.observed ?? check.message ?? ''}` },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: profileUri } },
            logicalLocations: [{ name: `${doc.component.name} @ ${doc.component.host}`, kind: 'module' }],
          },
        ],
        properties: { requirement: requirement.id, verdict: requirement.verdict, ...(requirement.rationale ? { rationale: requirement.rationale } : {}) },
      });
    }
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: doc.harness.name, version: doc.harness.version, rules: [...rules.values()] } },
        invocations: [{ executionSuccessful: !doc.scope.unreachable, startTimeUtc: doc.startedAt, endTimeUtc: doc.finishedAt }],
        results,
        properties: { component: doc.component, targetSL: doc.targetSL, catalog: doc.catalog.edition },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
