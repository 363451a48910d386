import { defineCheck, fail, pass } from '../../core/check.js';
import { helloExchange } from '../../adapters/opcua/raw.js';
import { SERVER_NODES } from '../../adapters/opcua/nodes.js';
import { formatStatus } from '../../adapters/opcua/status.js';
import { opcuaTarget, userIdentity } from '../../adapters/opcua/target.js';
import type { DiagnosedAnswer, Identity } from '../../adapters/opcua/types.js';

const NO_SUCH_NODE = 'ns=1;s=iec62443-harness.no-such-node';
const NO_SUCH_METHOD = 'ns=1;s=iec62443-harness.no-such-method';

/** What internal details look like in an error text, with a name for the report. */
const LEAKS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'stack frame', pattern: /(^|\n)\s*at\s+\S.*(:\d+:\d+\)?|\[native code\]|<anonymous>)/ },
  { name: 'source location', pattern: /\.(?:js|mjs|cjs|ts|c|cc|cpp|h|py|java|cs|go|rs):\d+/ },
  { name: 'file path', pattern: /(?:^|[\s'"(=])(?:\/(?:opt|usr|var|home|root|etc|srv|tmp|app|lib|proc)(?:\/[\w.@+-]+)+|[A-Za-z]:\\(?:[\w .@+-]+\\)*[\w .@+-]+)/ },
  { name: 'library folder', pattern: /node_modules|site-packages|\.jar\b|\.so(?:\.\d+)*\b|\.dll\b/ },
  { name: 'exception', pattern: /\b[A-Z]\w*(?:Exception|Error)\b(?::|\s+in\b|\s+at\b)/ },
  { name: 'software version', pattern: /\b(?:node-opcua|open62541|openssl|mbedtls|wolfssl|node\.?js|python|java|linux|kernel)[\s/@v-]*\d+\.\d+/i },
];

function leaksIn(text: string): string[] {
  return LEAKS.filter((leak) => leak.pattern.test(text)).map((leak) => leak.name);
}

export default defineCheck({
  id: 'opcua.error-handling.no-internal-details',
  requirement: 'CR 3.7',
  sl: [1, 2, 3, 4],
  protocol: 'opcua',
  disruptive: false,
  title: 'OPC UA error responses reveal no internal details',
  expectation:
    'Errors provoked with every diagnostics bit requested (unknown node, an attribute the node lacks, unknown method, a Hello with too small buffers, and in a disruptive run a write to an unknown node) are answered with status codes and texts that carry no stack trace, source location, file path, exception name or software version',
  timeoutMs: 60_000,
  async run(ctx) {
    const target = opcuaTarget(ctx);
    try {
      const channel = await target.sessionChannel();
      // The most privileged identity reaches the deepest code paths, where a careless stack shows most.
      const account = target.account('admin', 'operator', 'viewer');
      const identity: Identity = account ? userIdentity(account) : { kind: 'anonymous' };
      const answers = await ctx.step(`provoke errors with all diagnostics requested, as ${account ? `"${account.username}"` : 'anonymous'} on ${channel.securityMode}/${channel.securityPolicy}`, () =>
        target.withSession(identity, channel, async (session) => {
          const collected: DiagnosedAnswer[] = [];
          collected.push(await session.readDiagnosed(NO_SUCH_NODE));
          // An Object has no Value attribute.
          collected.push(await session.readDiagnosed(SERVER_NODES.server));
          collected.push(await session.browseDiagnosed(NO_SUCH_NODE));
          // A write, even to a node that does not exist, is sent only where the run may write at all.
          if (ctx.settings.disruptive) collected.push(await session.writeDiagnosed(NO_SUCH_NODE, 'Double', 0));
          collected.push(await session.callDiagnosed(SERVER_NODES.server, NO_SUCH_METHOD, []));
          return collected;
        }),
      );
      const hello = await ctx.step('Hello announcing buffers of 1 byte (below the 8192 minimum)', () =>
        helloExchange(target.probe.url, Math.max(ctx.settings.requestTimeoutMs, 3_000), ctx.signal, { receiveBufferSize: 1, sendBufferSize: 1 }),
      );
      const rows = [
        ...answers.map((answer) => ({ operation: answer.operation, status: formatStatus(answer.results[0] ?? answer.serviceResult), texts: answer.texts })),
        { operation: 'Hello with 1-byte buffers', status: hello.kind === 'error' ? formatStatus(hello.status) : hello.kind, texts: hello.kind === 'error' && hello.reason ? [hello.reason] : [] },
      ];
      const findings = rows.flatMap((row) => row.texts.map((text) => ({ operation: row.operation, kinds: leaksIn(text), text })).filter((finding) => finding.kinds.length > 0));
      ctx.attach({ name: 'Error responses and their diagnostic texts', contentType: 'application/json', extension: 'json', content: JSON.stringify(rows, null, 2) });
      const textCount = rows.reduce((sum, row) => sum + row.texts.length, 0);
      const summary = rows.map((row) => `${row.operation}: ${row.status}`).join('; ');
      const details = { rows, findings: findings.map((finding) => ({ operation: finding.operation, kinds: finding.kinds, text: finding.text.slice(0, 300) })) };
      if (findings.length > 0) {
        const kinds = [...new Set(findings.flatMap((finding) => finding.kinds))];
        const example = findings[0]!;
        return fail(`${findings.length} of ${textCount} diagnostic texts reveal internal details (${kinds.join(', ')}), e.g. for ${example.operation}: "${example.text.split('\n').slice(0, 2).join(' | ').slice(0, 160)}"`, details);
      }
      const unwritten = ctx.settings.disruptive ? '' : '; no write sent (run not disruptive)';
      return pass(`${rows.length} provoked errors answered with ${textCount} diagnostic texts, none with internal details (${summary})${unwritten}`, details);
    } finally {
      target.attachTranscript();
    }
  },
});
