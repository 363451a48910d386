import type { ComplianceDocument } from '../../core/verdict/model.js';

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
      // A failure the profile compensates on that interface is a note, not an error.
      const verdict = requirement.interfaces.find((entry) => entry.name === check.interface)?.verdict ?? requirement.verdict;
      const level = check.status === 'fail' ? (verdict === 'compensated' ? 'note' : 'error') : check.status === 'error' ? 'warning' : undefined;
      if (!level) continue;
      results.push({
        ruleId: check.id,
        level,
        message: { text: `${requirement.id}${check.interface ? ` on ${check.interface}` : ''} ${verdict === 'compensated' ? 'compensated' : check.status === 'fail' ? 'not met' : 'not verified'}: ${check.observed ?? check.message ?? ''}` },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: profileUri } },
            logicalLocations: [
              { name: `${doc.component.name} @ ${doc.component.host}`, kind: 'module' },
              ...(check.interface ? [{ name: check.interface, fullyQualifiedName: `${doc.component.name} @ ${doc.component.host}/${check.interface}`, kind: 'interface' }] : []),
            ],
          },
        ],
        properties: { requirement: requirement.id, verdict: requirement.verdict, ...(check.interface ? { interface: check.interface, interfaceVerdict: verdict } : {}), ...(requirement.rationale ? { rationale: requirement.rationale } : {}) },
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
