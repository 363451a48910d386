import { defineCheck, fail, pass } from '../../core/check.js';
import {
  caKeyFromProfile,
  describeAccess,
  isNormalResponse,
  issueRoleCertificate,
  modbusTarget,
  outcomeText,
  Pdu,
  requiresSecurityCredentials,
  roleOf,
  tryRequest,
  valuesOf,
  withCredentials,
  writeProbeAddress,
  type AccessResult,
  type ModbusTarget,
} from '../../adapters/modbus/index.js';

export default defineCheck({
  id: 'modbus.authorization.viewer-cannot-write',
  requirement: 'CR 2.1',
  sl: [1, 2, 3, 4],
  protocol: 'modbus',
  disruptive: false,
  title: 'Modbus writes are authorised by role',
  expectation:
    'A client whose certificate carries the viewer role cannot write a setpoint that an operator can; plain Modbus/TCP lets any client write, which is a gap unless a countermeasure is declared',
  requires: requiresSecurityCredentials(['clientCertificate', 'clientPrivateKey', 'caCertificate', 'caPrivateKey']),
  async run(ctx) {
    const { target, label, options } = modbusTarget(ctx);
    const address = writeProbeAddress(ctx.profile);
    const readRequest = Pdu.read('holding', address, 1);
    const text = (pdu: Buffer, result: AccessResult) => describeAccess(result, (outcome) => outcomeText(pdu, outcome));

    // Every write puts back the value just read, so the process is never changed by the probe.
    const currentValue = async (as: ModbusTarget, who: string) => {
      const result = await ctx.step(`read holding ${address} ${who}`, () => tryRequest(as, readRequest, options));
      const value = result.kind === 'request' ? valuesOf(readRequest, result.outcome)?.[0] : undefined;
      if (value === undefined) throw new Error(`holding register ${address} could not be read ${who} (${text(readRequest, result)}); name a writable setpoint as the first holding essential function`);
      return value;
    };
    const writeBack = async (as: ModbusTarget, who: string, value: number) => {
      const pdu = Pdu.writeSingleRegister(address, value);
      const result = await ctx.step(`write ${value} back to holding ${address} ${who}`, () => tryRequest(as, pdu, options));
      ctx.log(`write ${who}: ${text(pdu, result)}`);
      return { accepted: result.kind === 'request' && isNormalResponse(pdu, result.outcome), seen: text(pdu, result) };
    };

    if (!target.tls) {
      const value = await currentValue(target, 'without credentials');
      const write = await writeBack(target, 'without credentials', value);
      if (!write.accepted) {
        throw new Error(`holding ${address} refused the anonymous write (${write.seen}), so it is no setpoint to test authorisation on; name a writable setpoint as the first holding essential function`);
      }
      return fail(`plain Modbus/TCP on ${label} accepted an unauthenticated write to holding ${address} (its value ${value} written back): any client on the network may change setpoints`, {
        transport: 'Modbus/TCP',
        address,
        anonymousWrite: write.seen,
      });
    }

    const operatorRole = target.tls.certPem ? roleOf(target.tls.certPem) : undefined;
    const viewer = issueRoleCertificate(caKeyFromProfile(ctx.profile)!, 'viewer');
    ctx.attach({ name: 'Viewer-role test client certificate', contentType: 'application/x-pem-file', extension: 'pem', content: viewer.certPem });
    const asViewer = withCredentials(target, { certPem: viewer.certPem, keyPem: viewer.keyPem });

    const value = await currentValue(target, `with the profile's certificate (role ${operatorRole ?? 'none'})`);
    const operatorWrite = await writeBack(target, `with the profile's certificate (role ${operatorRole ?? 'none'})`, value);
    if (!operatorWrite.accepted) {
      throw new Error(`the profile's certificate (role ${operatorRole ?? 'none'}) could not write holding ${address} either (${operatorWrite.seen}); a viewer's refusal would prove nothing`);
    }
    const viewerRead = await ctx.step(`read holding ${address} as viewer`, () => tryRequest(asViewer, readRequest, options));
    const viewerWrite = await writeBack(asViewer, 'as viewer', value);
    const details = {
      transport: 'Modbus/TCP Security',
      address,
      operator: { role: operatorRole, write: operatorWrite.seen },
      viewer: { read: text(readRequest, viewerRead), write: viewerWrite.seen },
    };
    if (viewerWrite.accepted) {
      return fail(`${label} let a viewer-role certificate write holding ${address} (${viewerWrite.seen}); the ${operatorRole ?? 'profile'} certificate may write it too`, details);
    }
    return pass(
      `${label} refused the viewer's write to holding ${address} (${viewerWrite.seen}) while the ${operatorRole ?? 'profile'} certificate wrote it; viewer read: ${text(readRequest, viewerRead)}`,
      details,
    );
  },
});
