import type { RunSettings } from '../../core/check.js';
import type { Profile } from '../../core/profile/schema.js';
import type { ComponentInterface } from '../../core/protocol.js';
import type { ModbusEndpoint } from './endpoint.js';
import { writeProbeAddress } from './fuzz-setup.js';
import { Pdu } from './wire.js';

/**
 * Where a non-disruptive check may write on a live plant: only a holding register the vendor declares safe
 * (endpoints.modbus.writeProbes); a disruptive run may also use the first holding essential function. Either way the
 * write is FC 22 with AND mask 0xFFFF and OR mask 0, which the device applies to the value it holds at that moment:
 * it changes nothing, and no value read earlier is ever written back.
 */
export interface WriteProbeTarget {
  address: number;
  /** Why the check may write there, for the observed line. */
  allowedBy: string;
}

const NO_WRITE_ALLOWED =
  'it writes to the device, and the profile names no holding register in endpoints.modbus.writeProbes that is safe to write; name one or run with --disruptive';

function declaredProbe(endpoint: ModbusEndpoint | undefined): number | undefined {
  return endpoint?.writeProbes?.find((probe) => probe.table === 'holding')?.address;
}

/** The `withheld` hook of a check that writes: why it may not run on this interface with these settings. */
export function withheldWithoutWriteProbe(target: ComponentInterface, settings: RunSettings): string | undefined {
  if (settings.disruptive) return undefined;
  return declaredProbe(target.endpoint as ModbusEndpoint | undefined) === undefined ? NO_WRITE_ALLOWED : undefined;
}

export function writeProbeTarget(profile: Profile, settings: RunSettings): WriteProbeTarget {
  const declared = declaredProbe(profile.endpoints.modbus);
  if (declared !== undefined) return { address: declared, allowedBy: 'declared safe to write in endpoints.modbus.writeProbes' };
  if (!settings.disruptive) throw new Error(`the check was run although ${NO_WRITE_ALLOWED}`);
  return { address: writeProbeAddress(profile), allowedBy: 'the first holding essential function; the run is disruptive' };
}

/** The write that changes nothing: FC 22 keeps every bit of the register as the device holds it. */
export const noChangeWrite = (address: number): Buffer => Pdu.maskWriteRegister(address, 0xffff, 0x0000);
