import { defineCheck, fail, pass } from '../../core/check.js';
import { collectHostKeys } from '../../adapters/ssh/host-keys.js';
import { gradeHostKey, MIN_RSA_BITS } from '../../adapters/ssh/policy.js';
import { sshTarget } from '../../adapters/ssh/target.js';
import { readServerHello } from '../../adapters/ssh/wire.js';

export default defineCheck({
  id: 'ssh.host-key.strength',
  requirement: 'CR 1.9',
  sl: [2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'SSH host keys are strong',
  expectation: `Every host key the server offers is Ed25519, ECDSA, or RSA of at least ${MIN_RSA_BITS} bits; no DSA key`,
  timeoutMs: 60_000,
  async run(ctx) {
    const target = sshTarget(ctx);
    const hello = await ctx.step(`read the KEXINIT of ${ctx.host}:${target.port}`, () => readServerHello(target));
    const results = await ctx.step(`fetch one host key per key type (${hello.kexInit.hostKey.join(', ')})`, () => collectHostKeys(hello.kexInit, target));
    for (const entry of results) ctx.log(`${entry.algorithm}: ${entry.key ? `${entry.key.type} ${entry.key.bits ?? '?'} bits ${entry.key.fingerprint}` : entry.note}`);
    const keys = results.flatMap((entry) => (entry.key ? [{ algorithm: entry.algorithm, ...entry.key, ...gradeHostKey(entry.key) }] : []));
    const notFetched = results.filter((entry) => !entry.key);
    const details = { keys, notFetched };
    ctx.attach({ name: 'SSH host keys', contentType: 'application/json', extension: 'json', content: JSON.stringify(details, null, 2) });
    if (keys.length === 0) throw new Error(`no host key could be fetched: ${notFetched.map((entry) => `${entry.algorithm}: ${entry.note}`).join('; ')}`);
    const listing = keys.map((key) => `${key.type} ${key.bits ?? '?'} bits`).join(', ');
    const weak = keys.filter((key) => key.grade === 'weak');
    const unfetched = notFetched.length ? `; not fetched: ${notFetched.map((entry) => `${entry.algorithm} (${entry.note})`).join(', ')}` : '';
    if (weak.length > 0) return fail(`weak host key(s): ${weak.map((key) => key.reason).join('; ')} (all keys: ${listing})${unfetched}`, details);
    return pass(`host keys ${listing}, each strong${unfetched}`, details);
  },
});
