import type { CheckResult } from '../check.js';
import type { Profile } from '../profile/schema.js';
import type { ComponentIdentity, IdentityValue } from '../verdict/model.js';

/**
 * Who the component says it is. A check that reads the component's identity over an interface (OPC UA BuildInfo,
 * Modbus device identification, and later SSH, HTTP or SNMP banners) puts `identity: reportedIdentity(...)` into the
 * details of its outcome; the advisories are matched against every such identity and the profile's own.
 */
export interface ReportedIdentity {
  vendor?: IdentityValue;
  products: IdentityValue[];
  version?: IdentityValue;
}

const present = (value: IdentityValue | undefined): value is IdentityValue => value !== undefined && typeof value.value === 'string' && value.value.trim() !== '';

/** Builds the `identity` detail from the fields a device reported, leaving out empty ones. */
export function reportedIdentity(fields: { vendor?: IdentityValue; products?: Array<IdentityValue | undefined>; version?: IdentityValue }): ReportedIdentity {
  const trim = (value: IdentityValue): IdentityValue => ({ field: value.field, value: value.value.trim() });
  return {
    ...(present(fields.vendor) ? { vendor: trim(fields.vendor) } : {}),
    products: (fields.products ?? []).filter(present).map(trim),
    ...(present(fields.version) ? { version: trim(fields.version) } : {}),
  };
}

const isValue = (value: unknown): value is IdentityValue =>
  typeof value === 'object' && value !== null && typeof (value as IdentityValue).field === 'string' && typeof (value as IdentityValue).value === 'string';

/** The identity detail of a check result, if it carries one; anything malformed is left out rather than trusted. */
export function identityOfResult(result: Pick<CheckResult, 'checkId' | 'status' | 'details' | 'interface'>): ComponentIdentity | undefined {
  // A failed identification check still read what the device said (e.g. a firmware other than the declared one).
  if (result.status !== 'pass' && result.status !== 'fail') return undefined;
  const detail = (result.details as { identity?: unknown } | undefined)?.identity as Partial<ReportedIdentity> | undefined;
  if (typeof detail !== 'object' || detail === null) return undefined;
  const identity = reportedIdentity({
    ...(isValue(detail.vendor) ? { vendor: detail.vendor } : {}),
    products: Array.isArray(detail.products) ? detail.products.filter(isValue) : [],
    ...(isValue(detail.version) ? { version: detail.version } : {}),
  });
  if (!identity.vendor && identity.products.length === 0) return undefined;
  return { source: result.checkId, ...(result.interface ? { interface: result.interface.name } : {}), ...identity };
}

/** The identity the profile declares: component.vendor, component.model and component.firmware. */
export function identityOfProfile(component: Profile['component']): ComponentIdentity | undefined {
  const identity = reportedIdentity({
    ...(component.vendor ? { vendor: { field: 'component.vendor', value: component.vendor } } : {}),
    products: component.model ? [{ field: 'component.model', value: component.model }] : [],
    ...(component.firmware ? { version: { field: 'component.firmware', value: component.firmware } } : {}),
  });
  if (!identity.vendor && identity.products.length === 0) return undefined;
  return { source: 'profile', ...identity };
}

/** Every identity of a run: each check that reported one (in run order), then the profile's. */
export function identitiesOf(results: Array<Pick<CheckResult, 'checkId' | 'status' | 'details' | 'interface'>>, component: Profile['component']): ComponentIdentity[] {
  const identities = results.map(identityOfResult).filter((identity): identity is ComponentIdentity => identity !== undefined);
  const declared = identityOfProfile(component);
  return declared ? [...identities, declared] : identities;
}
