import { defineCheck, fail, pass } from '../../core/check.js';
import { gradeOffer } from '../../adapters/ssh/policy.js';
import { sshTarget } from '../../adapters/ssh/target.js';
import { readServerHello } from '../../adapters/ssh/wire.js';

export default defineCheck({
  id: 'ssh.cryptography.algorithms',
  requirement: 'CR 4.3',
  sl: [1, 2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH offers no weak key exchange, host-key signature, cipher or MAC',
  expectation:
    'The server\'s KEXINIT offers no SHA-1 key exchange, no SHA-1 or DSA host-key signature, no CBC, 3DES, arcfour or other 64-bit block cipher, and no hmac-md5 or hmac-sha1-96 MAC (policy in adapters/ssh/policy.ts)',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = sshTarget(ctx);
    const hello = await ctx.step(`read the identification and KEXINIT of ${ctx.host}:${target.port}`, () => readServerHello(target));
    const { kexInit } = hello;
    ctx.log(`identification: ${hello.identification}`);
    ctx.log(`kex: ${kexInit.kex.join(',')}`);
    ctx.log(`host key: ${kexInit.hostKey.join(',')}`);
    ctx.log(`ciphers: ${[...new Set([...kexInit.ciphersClientToServer, ...kexInit.ciphersServerToClient])].join(',')}`);
    ctx.log(`MACs: ${[...new Set([...kexInit.macsClientToServer, ...kexInit.macsServerToClient])].join(',')}`);
    const graded = gradeOffer(kexInit);
    ctx.attach({ name: 'SSH algorithms offered', contentType: 'application/json', extension: 'json', content: JSON.stringify({ identification: hello.identification, kexInit, graded }, null, 2) });
    const weak = graded.filter((verdict) => verdict.grade === 'weak');
    const legacy = graded.filter((verdict) => verdict.grade === 'legacy');
    const details = { identification: hello.identification, offered: kexInit, weak, legacy };
    const legacyNote = legacy.length ? `; legacy, recorded as an observation: ${legacy.map((verdict) => `${verdict.name} (${verdict.reason})`).join(', ')}` : '';
    if (weak.length > 0) {
      const listed = weak.map((verdict) => `${verdict.category} ${verdict.name} (${verdict.reason})`).join(', ');
      return fail(`${weak.length} weak algorithm(s) offered: ${listed}${legacyNote}`, details);
    }
    return pass(`${graded.length} algorithms offered (${kexInit.kex.length} kex, ${kexInit.hostKey.length} host-key, ciphers and MACs), none weak${legacyNote}`, details);
  },
});
