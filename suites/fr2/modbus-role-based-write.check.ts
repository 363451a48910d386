import { defineCheck, fail, pass } from '../../core/check.js';
import {
  caKeyFromProfile,
  describeAccess,
  isNormalResponse,
  issueRoleCertificate,
  modbusTarget,
  noChangeWrite,
  outcomeText,
  Pdu,
  requiresSecurityCredentials,
  roleOf,
  tryRequest,
  withCredentials,
  withheldWithoutWriteProbe,
  writeProbeTarget,
  type AccessResult,
  type ModbusTarget,
} from '../../adapters/modbus/index.js';

/** The read-only role when the profile names none (endpoints.modbus.readOnlyRole). */
const DEFAULT_READ_ONLY_ROLE = 'viewer';

export default defineCheck({
  id: 'modbus.authorization.viewer-cannot-write',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Modbus writes are authorised by role',
  expectation:
    'A client whose certificate carries the read-only role (endpoints.modbus.readOnlyRole, default "viewer") cannot write a register that the profile\'s certificate can; plain Modbus/TCP lets any client write, which is a gap unless a countermeasure is declared. Writes go only to a register the profile declares safe (writeProbes) or, in a disruptive run, the first holding essential function, and change nothing (FC 22 with masks 0xFFFF/0)',
  requires: requiresSecurityCredentials(['clientCertificate', 'clientPrivateKey', 'caCertificate', 'caPrivateKey']),
  withheld: withheldWithoutWriteProbe,
  async run(ctx) {
    const { target, label, options } = modbusTarget(ctx);
    const { address, allowedBy } = writeProbeTarget(ctx.profile, ctx.settings);
    const pdu = noChangeWrite(address);
    const readRequest = Pdu.read('holding', address, 1);
    const text = (request: Buffer, result: AccessResult) => describeAccess(result, (outcome) => outcomeText(request, outcome));
    ctx.log(`holding ${address}: ${allowedBy}`);

    const write = async (as: ModbusTarget, who: string) => {
      const result = await ctx.step(`write holding ${address} ${who} (FC 22, AND 0xFFFF OR 0: no change)`, () => tryRequest(as, pdu, options));
      ctx.log(`write ${who}: ${text(pdu, result)}`);
      return { accepted: result.kind === 'request' && isNormalResponse(pdu, result.outcome), seen: text(pdu, result) };
    };

    if (!target.tls) {
      const anonymous = await write(target, 'without credentials');
      if (!anonymous.accepted) {
        throw new Error(`holding ${address} (${allowedBy}) refused the anonymous write (${anonymous.seen}), so it is no register to test authorisation on; name a writable one in writeProbes`);
      }
      return fail(`plain Modbus/TCP on ${label} accepted an unauthenticated write to holding ${address} (${anonymous.seen}; a write that changes nothing): any client on the network may change setpoints`, {
        transport: 'Modbus/TCP',
        address,
        allowedBy,
        anonymousWrite: anonymous.seen,
      });
    }

    const profileRole = target.tls.certPem ? roleOf(target.tls.certPem) : undefined;
    const readOnlyRole = ctx.profile.endpoints.modbus?.readOnlyRole ?? DEFAULT_READ_ONLY_ROLE;
    const reader = issueRoleCertificate(caKeyFromProfile(ctx.profile)!, readOnlyRole);
    ctx.attach({ name: `Read-only role (${readOnlyRole}) test client certificate`, contentType: 'application/x-pem-file', extension: 'pem', content: reader.certPem });
    const asReader = withCredentials(target, { certPem: reader.certPem, keyPem: reader.keyPem });

    const ownWrite = await write(target, `with the profile's certificate (role ${profileRole ?? 'none'})`);
    if (!ownWrite.accepted) {
      throw new Error(`the profile's certificate (role ${profileRole ?? 'none'}) could not write holding ${address} either (${ownWrite.seen}); a read-only role's refusal would prove nothing`);
    }
    // The read shows the read-only certificate reached the device: a refused write is then the role's doing, not the handshake's.
    const readerRead = await ctx.step(`read holding ${address} as ${readOnlyRole}`, () => tryRequest(asReader, readRequest, options));
    if (!(readerRead.kind === 'request' && isNormalResponse(readRequest, readerRead.outcome))) {
      throw new Error(`the certificate with the read-only role "${readOnlyRole}" could not even read holding ${address} (${text(readRequest, readerRead)}), so a refused write would prove nothing; is readOnlyRole the device's name for it?`);
    }
    const readerWrite = await write(asReader, `as ${readOnlyRole}`);
    const details = {
      transport: 'Modbus/TCP Security',
      address,
      allowedBy,
      profileCertificate: { role: profileRole, write: ownWrite.seen },
      readOnly: { role: readOnlyRole, read: text(readRequest, readerRead), write: readerWrite.seen },
    };
    if (readerWrite.accepted) {
      return fail(`${label} let a certificate with the read-only role "${readOnlyRole}" write holding ${address} (${readerWrite.seen}); the ${profileRole ?? 'profile'} certificate may write it too`, details);
    }
    return pass(
      `${label} refused the write of a certificate with the read-only role "${readOnlyRole}" to holding ${address} (${readerWrite.seen}) while the ${profileRole ?? 'profile'} certificate wrote it; ${readOnlyRole} read: ${text(readRequest, readerRead)}`,
      details,
    );
  },
});
