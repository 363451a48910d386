import { defineCheck, fail, pass } from '../../core/check.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.confidentiality.no-cleartext-credentials',
  requirement: 'CR 4.1',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA never takes credentials in clear',
  expectation: 'No endpoint without message encryption offers a UserName token policy without its own encryption, and SignAndEncrypt is offered',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const inventory = await target.inventory();
      // On a channel that does not encrypt, a UserName token is protected only by its own policy; None or empty means clear text.
      const cleartext = inventory.endpoints.flatMap((endpoint) =>
        endpoint.securityMode === 'SignAndEncrypt'
          ? []
          : endpoint.userTokens
              .filter((token) => token.tokenType === 'UserName')
              .filter((token) => {
                const own = token.securityPolicyUri;
                if (own) return own.endsWith('#None');
                return endpoint.securityPolicy === 'None';
              })
              .map((token) => `${endpoint.securityMode}/${endpoint.securityPolicy} policy "${token.policyId}"`),
      );
      const encrypted = inventory.endpoints.filter((endpoint) => endpoint.securityMode === 'SignAndEncrypt').map((endpoint) => endpoint.securityPolicy);
      const details = { cleartextUserNamePolicies: cleartext, signAndEncryptPolicies: encrypted };
      const problems: string[] = [];
      if (cleartext.length > 0) problems.push(`passwords would travel in clear on ${cleartext.join(', ')}`);
      if (encrypted.length === 0) problems.push('no SignAndEncrypt endpoint is offered');
      if (problems.length > 0) return fail(problems.join('; '), details);
      return pass(`no UserName policy sends passwords in clear; SignAndEncrypt offered with ${[...new Set(encrypted)].join(', ')}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
