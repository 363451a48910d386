import { defineCheck, fail, pass } from '../../core/check.js';
import { DEPRECATED_POLICIES, policyName } from '../../adapters/opcua/client.js';
import { opcuaTarget } from '../../adapters/opcua/target.js';

export default defineCheck({
  id: 'opcua.cryptography.no-deprecated-policies',
  requirement: 'CR 4.3',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA offers no deprecated security policy',
  expectation: 'Neither the endpoints nor their user token policies offer the deprecated Basic128Rsa15 or Basic256 policies',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      // Judged from GetEndpoints alone: a Basic128Rsa15 channel cannot even be opened on current Node releases.
      const inventory = await target.inventory();
      const offered = inventory.endpoints.flatMap((endpoint) => [
        ...(DEPRECATED_POLICIES.includes(endpoint.securityPolicy) ? [`endpoint ${endpoint.securityMode}/${endpoint.securityPolicy}`] : []),
        ...endpoint.userTokens
          .filter((token) => DEPRECATED_POLICIES.includes(policyName(token.securityPolicyUri)) && token.securityPolicyUri)
          .map((token) => `${token.tokenType} token "${token.policyId}" on ${endpoint.securityMode}/${endpoint.securityPolicy} encrypted with ${policyName(token.securityPolicyUri)}`),
      ]);
      const policies = [...new Set(inventory.endpoints.map((endpoint) => endpoint.securityPolicy))];
      const details = { policies, deprecated: offered };
      if (offered.length > 0) return fail(`deprecated policies offered: ${offered.join('; ')}`, details);
      const note = policies.includes('Basic256Sha256') ? ' (note: Basic256Sha256 is acceptable today; prefer Aes256_Sha256_RsaPss or Aes128_Sha256_RsaOaep for new deployments)' : '';
      return pass(`offered policies: ${policies.join(', ')}${note}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
