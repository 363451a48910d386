import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseProfile } from '../../core/profile/load.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

describe('README: the syslog collector example', function () {
  it('parses as a profile with the bounds it names', function () {
    const text = readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('### Audit records over syslog (`endpoints.syslog`)'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'a yaml block in the section').to.be.a('string');
    const input = { component: { name: 'PLC-17', vendor: 'ACME', model: 'X', type: 'embedded-device' }, targetSL: 2, host: '192.0.2.17', ...(parse(yaml!) as object) };
    const profile = parseProfile(input, 'README example');
    expect(profile.endpoints.syslog).to.deep.equal({ name: 'audit-log', listen: '192.0.2.5:6514', transport: 'tls', tls: { certFile: 'collector.pem', keyFile: 'collector.key' }, recordWithinS: 10, clockToleranceS: 5, outageS: 15 });
  });

  it('the time source example parses too', function () {
    const text = readFileSync(README, 'utf8');
    const section = text.slice(text.indexOf('### Time source (`endpoints.ntp`)'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    const input = { component: { name: 'PLC-17', vendor: 'ACME', model: 'X', type: 'embedded-device' }, targetSL: 2, host: '192.0.2.17', ...(parse(yaml!) as object) };
    expect(parseProfile(input, 'README example').endpoints.ntp).to.deep.equal({ name: 'time-source', listen: '192.0.2.5:123', queryWithinS: 120, clockToleranceS: 5 });
  });
});
