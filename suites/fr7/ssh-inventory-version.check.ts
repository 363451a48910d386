import { defineCheck, fail, pass } from '../../core/check.js';
import { sshTarget } from '../../adapters/ssh/target.js';
import { readServerHello } from '../../adapters/ssh/wire.js';

const normalise = (text: string) => text.trim().toLowerCase().replace(/^v(?=\d)/, '');

export default defineCheck({
  id: 'ssh.inventory.version',
  requirement: 'CR 7.8',
  sl: [2, 3, 4],
  protocol: 'ssh',
  disruptive: false,
  title: 'The SSH server names its software and version for the inventory',
  expectation: 'The SSH identification string names the server software with a version number, which the inventory records; a difference from the declared firmware is pointed out for review',
  timeoutMs: 30_000,
  async run(ctx) {
    const target = sshTarget(ctx);
    const hello = await ctx.step(`read the identification of ${ctx.host}:${target.port}`, () => readServerHello(target));
    const versioned = /\d/.test(hello.software);
    const firmware = ctx.profile.component.firmware;
    const mentionsFirmware = firmware ? `${hello.software} ${hello.comment ?? ''}`.toLowerCase().includes(normalise(firmware)) : undefined;
    const details = { identification: hello.identification, protoVersion: hello.protoVersion, software: hello.software, comment: hello.comment ?? null, preIdentificationLines: hello.preIdentificationLines, firmware: firmware ?? null };
    if (hello.protoVersion !== '2.0' && hello.protoVersion !== '1.99') return fail(`the server speaks SSH protocol ${hello.protoVersion} ("${hello.identification}")`, details);
    if (!versioned) return fail(`the identification "${hello.identification}" names no software version, so the inventory cannot record what runs`, details);
    const note = firmware ? (mentionsFirmware ? `; it names the declared firmware ${firmware}` : `; declared firmware ${firmware} is not in it, to review`) : '';
    return pass(`SSH software="${hello.software}"${hello.comment ? ` comment="${hello.comment}"` : ''} (identification "${hello.identification}")${note}`, details);
  },
});
