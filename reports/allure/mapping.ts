import * as allure from 'allure-js-commons';
import { requirementIdOf, type Check } from '../../core/check.js';
import { findRequirement, frLabel } from '../../core/catalog/index.js';
import type { Profile } from '../../core/profile/schema.js';
import type { ComponentInterface } from '../../core/protocol.js';
import type { CheckResult } from '../../core/check.js';
import type { Redactor } from '../../core/evidence/redact.js';

/** Allure severity from the lowest SL that requires the item: what SL 1 requires matters most. */
export function severityFor(sl: number[]): allure.Severity {
  const lowest = Math.min(...sl);
  return lowest <= 1 ? allure.Severity.CRITICAL : lowest === 2 ? allure.Severity.NORMAL : lowest === 3 ? allure.Severity.MINOR : allure.Severity.TRIVIAL;
}

export function targetIdentity(profile: Profile): string {
  const c = profile.component;
  return [c.vendor, c.model, c.name, c.firmware ? `fw ${c.firmware}` : undefined, `@ ${profile.host}`].filter(Boolean).join(' ');
}

/** Labels from the check's metadata, set before it runs so that even a crash is filed in the right place. */
export async function labelTest(check: Check, profile: Profile, target?: ComponentInterface): Promise<void> {
  const item = findRequirement(requirementIdOf(check));
  const fr = item?.fr ?? 0;
  await allure.epic(frLabel(fr));
  await allure.feature(`${check.requirement} ${findRequirement(check.requirement)?.title ?? ''}`.trim());
  if (check.enhancement !== undefined) await allure.story(`${requirementIdOf(check)} ${item?.title ?? ''}`.trim());
  await allure.severity(severityFor(check.sl));
  await allure.tags(...check.sl.map((level) => `SL${level}`), check.protocol, ...(check.disruptive ? ['disruptive'] : []));
  await allure.label('requirement', requirementIdOf(check));
  await allure.label('checkId', check.id);
  if (item) await allure.label('confidence', item.confidence.level);
  await allure.parameter('target', targetIdentity(profile));
  if (target) {
    await allure.parameter('interface', `${target.name} (${target.label})`);
    await allure.label('interface', target.name);
  }
  await allure.description(`**Expected:** ${check.expectation}`);
}

/** Attachments, transcript and the observed outcome of a finished check. */
export async function recordResult(result: CheckResult, redactor: Redactor): Promise<void> {
  for (const attachment of result.attachments) {
    const content = redactor.content(attachment.content);
    await allure.attachment(attachment.name, typeof content === 'string' ? content : content, {
      contentType: attachment.contentType,
      ...(attachment.extension ? { fileExtension: attachment.extension } : {}),
    });
  }
  if (result.transcript.length > 0) await allure.attachment('Step transcript', redactor.text(result.transcript.join('\n')), { contentType: 'text/plain', fileExtension: 'txt' });
  if (result.details !== undefined) await allure.attachment('Observations', JSON.stringify(redactor.value(result.details), null, 2), { contentType: 'application/json', fileExtension: 'json' });
  const observed = result.observed ?? result.message ?? '';
  await allure.description(redactor.text(`**Expected:** ${result.expectation}\n\n**Observed:** ${observed}`));
}

export const categories = [
  { name: 'Requirement not met', matchedStatuses: [allure.Status.FAILED] },
  { name: 'Harness or target error', matchedStatuses: [allure.Status.BROKEN] },
  { name: 'Not tested (disruptive off, interrupted, or declared)', matchedStatuses: [allure.Status.SKIPPED] },
];
