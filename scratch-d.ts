import { startSshd, startSnmpd, testUsername } from './test/support/debian-daemons.js';
import { readServerHello } from './adapters/ssh/wire.js';
import { collectHostKeys } from './adapters/ssh/host-keys.js';
import { gradeOffer } from './adapters/ssh/policy.js';
import { attemptPasswordLogin, observeIdleSession } from './adapters/ssh/login.js';
import { snmpGet, observeUsmReports, OID, readSystemInfo, setSameValue } from './adapters/snmp/client.js';
const user = { username: testUsername('iecq'), password: 'Xy-' + Math.random().toString(36).slice(2) };
const d = await startSshd({ banner: 'Authorised use only', hostKeys: ['ed25519', 'rsa:3072'], users: [user], config: ['PasswordAuthentication yes', 'KbdInteractiveAuthentication no', 'PermitRootLogin no', 'ChannelTimeout session:*=2s', 'UnusedConnectionTimeout 2s'] });
try {
  const o = { host: d.host, port: d.port, timeoutMs: 5000 };
  const h = await readServerHello(o);
  console.log(h.identification, h.kexInit.kex, gradeOffer(h.kexInit).filter(v => v.grade !== 'ok'));
  console.log(await collectHostKeys(h.kexInit, o));
  console.log(await attemptPasswordLogin({ ...o, ...user }));
  console.log(await attemptPasswordLogin({ ...o, username: user.username, password: 'nope' }));
  console.log(await attemptPasswordLogin({ ...o, username: 'root', password: 'root' }));
  console.log(await observeIdleSession({ ...o, ...user, maxIdleMs: 8000 }));
} finally { await d.stop(); console.log(d.output().split('\n').slice(-8).join('\n')); }
const s = await startSnmpd({ config: ['createUser mon SHA-256 authpass123 AES privpass123', 'rouser mon priv', 'sysDescr Debian snmpd under test', 'sysName snmpd-test'] });
try {
  const t = { host: s.host, port: s.port, timeoutMs: 1000 };
  const u = { user: 'mon', authProtocol: 'sha256', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' } as const;
  console.log(JSON.stringify(await readSystemInfo(t, { version: '3', user: u })).slice(0, 300));
  console.log(JSON.stringify(await snmpGet(t, { version: '2c', community: 'public' }, [OID.sysDescr])));
  console.log(JSON.stringify(await snmpGet(t, { version: '3', user: u, level: 'authNoPriv' }, [OID.sysDescr])));
  console.log(JSON.stringify(await observeUsmReports(t, u)));
  console.log(JSON.stringify(await setSameValue(t, { version: '3', user: u }, OID.sysName, { kind: 'disruptive' })).slice(0, 400));
} finally { await s.stop(); console.log(s.output().slice(-500)); }
