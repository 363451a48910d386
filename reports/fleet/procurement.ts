import { FUNCTIONAL_REQUIREMENTS, frLabel, type CatalogData, type CatalogItem } from '../../core/catalog/index.js';

/**
 * What a buyer asks of the supplier for each catalog item, one line in the team's own words (the standard's text is
 * copyrighted; ids and short titles are all that is taken from it). Keyed by number without the prefix, since the
 * CR/SAR/EDR/HDR/NDR variants of one number ask the same of different component types.
 */
export const CONTRACT_NOTES: Record<string, string> = {
  '1.1': 'Every human-facing interface identifies and authenticates its users before granting access.',
  '1.1 RE(1)': 'Each person has an own account; no shared, group or factory-default login grants access.',
  '1.1 RE(2)': 'Human users log in with more than one factor on every interface.',
  '1.2': 'Software processes and devices that connect are identified and authenticated (e.g. by certificates).',
  '1.2 RE(1)': 'Each unit has its own identity and keys; no two delivered units share a device credential.',
  '1.3': 'Accounts can be created, changed, disabled and removed by authorised administrators.',
  '1.4': 'User, group, role and device identifiers can be managed and are never reused ambiguously.',
  '1.5': 'Default credentials can and must be changed at commissioning; passwords and keys are stored and sent protected.',
  '1.5 RE(1)': 'Authenticators (keys, password hashes) are kept in hardware protection such as a TPM or secure element.',
  '1.6': 'Wireless access is identified, authenticated and can be restricted by the operator.',
  '1.6 RE(1)': 'Wireless users and devices authenticate individually, not with one shared key.',
  '1.7': 'Password rules (length, complexity) are enforced and can be configured.',
  '1.7 RE(1)': 'Human users get password lifetime and reuse limits that the operator can set.',
  '1.7 RE(2)': 'Lifetime limits apply to passwords of service and device accounts as well.',
  '1.8': 'Certificates issued by the owner\u2019s PKI can be installed and are used where public-key authentication is used.',
  '1.9': 'Certificates presented by peers are validated (chain, validity, revocation, purpose) and strong keys are used.',
  '1.9 RE(1)': 'Private keys for public-key authentication are protected by hardware.',
  '1.10': 'Login prompts and failures reveal nothing that helps an attacker (masked input, uniform error).',
  '1.11': 'Repeated failed logins lock the account or slow down attempts, configurable by the operator.',
  '1.12': 'A configurable notice can be shown before login.',
  '1.13': 'Access from untrusted networks is monitored and controlled.',
  '1.13 RE(1)': 'Remote access from untrusted networks needs explicit approval by an authorised role.',
  '1.14': 'Where shared secrets are used, they are strong, protected and checked with sound algorithms.',
  '1.14 RE(1)': 'Shared secrets used for authentication are protected by hardware.',
  '2.1': 'Every action is checked against the caller\u2019s permissions; low-privilege users cannot do privileged things.',
  '2.1 RE(1)': 'The same authorisation applies to software processes and devices, not just to people.',
  '2.1 RE(2)': 'Permissions are assigned to roles, and the operator can change the role-to-permission mapping.',
  '2.1 RE(3)': 'A time-limited, logged supervisor override is available where the process needs it.',
  '2.1 RE(4)': 'Critical actions can be configured to need the approval of two people.',
  '2.2': 'Use of wireless interfaces can be authorised, restricted and monitored.',
  '2.4': 'Mobile code (scripts, logic uploads, plug-ins) is controlled: only permitted code runs.',
  '2.4 RE(1)': 'The authenticity of mobile code is verified before it runs.',
  '2.5': 'Interactive sessions lock after a configurable idle time and need re-authentication.',
  '2.6': 'Remote sessions end after a configurable idle time or on request.',
  '2.7': 'The number of concurrent sessions per user or interface can be limited.',
  '2.8': 'Security-relevant events (logins, changes, errors) are recorded with who, what, when and outcome.',
  '2.9': 'Enough audit storage is provided, with a documented behaviour when it runs full.',
  '2.9 RE(1)': 'A warning is raised when audit storage reaches a configurable threshold.',
  '2.10': 'When auditing fails the operator is alerted and essential functions keep running.',
  '2.11': 'Audit records carry reliable time stamps.',
  '2.11 RE(1)': 'The clock synchronises with an owner-chosen time source.',
  '2.11 RE(2)': 'Tampering with the time source is detected or prevented (authenticated time).',
  '2.12': 'Actions of human users can be attributed to them without doubt.',
  '2.12 RE(1)': 'Actions of software processes and devices can be attributed as well.',
  '2.13': 'Physical diagnostic and test ports (JTAG, UART, USB service) are disabled or protected.',
  '2.13 RE(1)': 'Use of physical diagnostic interfaces is detected and recorded.',
  '3.1': 'Transmitted data is protected against undetected changes (signed or authenticated protocols).',
  '3.1 RE(1)': 'Messages are authenticated so that forged or replayed traffic is rejected.',
  '3.2': 'Malicious code is prevented, detected or contained; the supplier states the supported protection.',
  '3.2 RE(1)': 'The version of the malware protection in use is reported.',
  '3.3': 'The supplier documents how the security functions can be verified, and they can be tested.',
  '3.3 RE(1)': 'Security functions can be verified while the component is in normal operation.',
  '3.4': 'Unauthorised changes to software, firmware and configuration are detected.',
  '3.4 RE(1)': 'Software and configuration are checked for authenticity (signatures) before use.',
  '3.4 RE(2)': 'Integrity violations are reported automatically to the operator.',
  '3.5': 'Malformed or unexpected input is rejected without crashes or side effects (robust parsers).',
  '3.6': 'Outputs go to a defined, documented state when normal operation cannot be kept.',
  '3.7': 'Error messages help the operator without exposing internals to an attacker.',
  '3.8': 'Sessions are protected against hijacking, replay and reuse after logout.',
  '3.9': 'Audit records and tools are protected from unauthorised reading, change and deletion.',
  '3.9 RE(1)': 'Audit records are kept on write-once (hardware enforced) storage.',
  '3.10': 'Security updates can be installed, and the supplier provides them over the component\u2019s lifetime.',
  '3.10 RE(1)': 'Updates are checked for authenticity and integrity before installation; rollback to old versions is controlled.',
  '3.11': 'The enclosure resists physical tampering and tampering can be detected.',
  '3.11 RE(1)': 'A tampering attempt raises a notification and an audit record.',
  '3.12': 'The supplier\u2019s roots of trust are provisioned and protected during manufacturing.',
  '3.13': 'The owner can install and replace its own roots of trust (CA certificates) without outside services.',
  '3.14': 'The boot process checks the integrity of what it loads.',
  '3.14 RE(1)': 'The boot process checks authenticity (secure boot with signed images).',
  '4.1': 'Confidential data (credentials, keys, configuration) is protected at rest and in transit.',
  '4.2': 'Sensitive data can be erased when the component is decommissioned or repurposed.',
  '4.2 RE(1)': 'Shared memory is cleared before it is reused, so no data leaks between users or processes.',
  '4.2 RE(2)': 'Erasure can be verified.',
  '4.3': 'Only current, well-reviewed cryptography is used (protocol versions, cipher suites, key sizes).',
  '5.1': 'The component supports segmentation: services can be bound to interfaces and networks separated.',
  '5.2': 'Traffic across the zone boundary is monitored and controlled as configured.',
  '5.2 RE(1)': 'Boundary traffic is denied by default and permitted only by explicit rule.',
  '5.2 RE(2)': 'An island mode stops all traffic across the boundary on command.',
  '5.2 RE(3)': 'If the boundary function fails, traffic stops rather than passing uncontrolled.',
  '5.3': 'General-purpose person-to-person traffic (e-mail, chat, file sharing) is blocked at the boundary.',
  '6.1': 'Authorised users can read the audit log without being able to change it.',
  '6.1 RE(1)': 'Audit logs are available to tools through a documented interface (e.g. syslog or an API).',
  '6.2': 'Security status and events can be monitored continuously by owner tools.',
  '7.1': 'Essential functions keep working under communication floods and overload, or degrade as documented.',
  '7.1 RE(1)': 'The component limits the load it sends, so it cannot flood others.',
  '7.2': 'Resource use by security functions is bounded so they cannot starve essential functions.',
  '7.3': 'Configuration and state can be backed up without disturbing operation.',
  '7.3 RE(1)': 'Backups are verified before restore; a tampered backup is refused.',
  '7.4': 'After failure or restore the component returns to a known secure state.',
  '7.6': 'Network and security settings can be configured following the supplier\u2019s hardening guide.',
  '7.6 RE(1)': 'The current security settings can be exported in a machine-readable form.',
  '7.7': 'Only the ports, services and functions needed for operation are enabled; the rest can be disabled.',
  '7.8': 'The component reports its identity and versions (vendor, model, firmware) for the owner\u2019s inventory.',
};

export const contractNoteKey = (id: string): string => id.replace(/^[A-Z]+ /, '');
export const contractNote = (id: string): string | undefined => CONTRACT_NOTES[contractNoteKey(id)];

const HOW_VERIFIED: Record<CatalogItem['testClass'], string> = {
  BB: 'black-box test',
  'BB-P': 'partly black-box, plus documents',
  DOC: 'supplier documentation',
  LAB: 'lab inspection',
  'N/A-net': 'not testable over the network',
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export interface ProcurementFilter {
  sl?: number;
  type?: string;
}

/**
 * The requirement list a buyer puts into a purchase contract: for the chosen component type and SL, every
 * requirement with its SL-C levels, what the supplier commits to, and how delivery can be verified.
 */
export function procurementMarkdown(items: Array<CatalogItem & { checks: Array<{ id: string }> }>, filter: ProcurementFilter, data: Pick<CatalogData, 'edition'>): string {
  const lines: string[] = [];
  const what = filter.type ? `${/^[aeiou]/.test(filter.type) ? 'an' : 'a'} ${filter.type.replace(/-/g, ' ')}` : 'a component';
  lines.push(`# Security requirements for ${what}${filter.sl ? ` at security level SL ${filter.sl}` : ''}`, '');
  lines.push(
    `The supplier delivers ${what} whose security capabilities meet the IEC 62443-4-2 requirements below` +
      (filter.sl ? ` at capability level SL-C ${filter.sl} (every item required at SL ${filter.sl} or lower)` : '') +
      ', and hands over the evidence named for each. Ids and short titles follow the standard; the commitments are summaries in our own words and do not replace it: where they differ, the standard\u2019s text governs.',
    '',
  );
  lines.push(`Catalog: ${data.edition}. SL-C: the capability levels at which an item is required.`, '');
  const base = items.filter((item) => item.kind === 'base').length;
  lines.push(`${base} requirements and ${items.length - base} requirement enhancements.`, '');
  for (const fr of Object.keys(FUNCTIONAL_REQUIREMENTS).map(Number)) {
    const mine = items.filter((item) => item.fr === fr);
    if (mine.length === 0) continue;
    lines.push(`## ${frLabel(fr)}`, '', '| Id | Title | SL-C | The supplier commits to | Verified by |', '|---|---|---|---|---|');
    for (const item of mine) {
      const sl = item.sl.length > 1 ? `${item.sl[0]}-${item.sl.at(-1)}` : String(item.sl[0]);
      const automated = item.checks.length ? `; automated: ${item.checks.length} check(s) of this harness` : '';
      lines.push(`| ${item.id} | ${cell(item.title)} | ${sl} | ${cell(contractNote(item.id) ?? '')} | ${HOW_VERIFIED[item.testClass]}${automated} |`);
    }
    lines.push('');
  }
  lines.push(
    '## Acceptance',
    '',
    '- The supplier hands over a device profile of the delivered configuration and the documentation named above.',
    `- Acceptance test: \`iec62443-harness run --profile <device profile>${filter.sl ? ` --sl ${filter.sl}` : ''}\` ends with no requirement failed; items marked manual are answered with documentary evidence.`,
    '',
  );
  return `${lines.join('\n')}\n`;
}
