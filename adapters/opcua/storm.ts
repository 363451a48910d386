import { performance } from 'node:perf_hooks';
import { percentile } from '../../core/load/index.js';
import { OpcuaTimeoutError } from './deadline.js';
import { RawUaConnection, decodeSecureMessage, encodeOpenSecureChannelNone, encodeSecureMessage, encodeServiceBody, parseOpcTcpUrl } from './raw.js';
import { CloseSecureChannelRequest, OpenSecureChannelResponse } from 'node-opcua';

/**
 * An OPC UA handshake storm: each operation opens a TCP connection, sends Hello, and when acknowledged opens a secure
 * channel with SecurityPolicy None (what any client may do for discovery), then closes it. The device spends a
 * connection, a transport buffer and a channel on each. Rate and duration belong to core/load's runLoad.
 */

export type HandshakeOutcome = 'channel' | 'acknowledged' | 'error' | 'closed' | 'refused' | 'timeout';

export interface HandshakeStormStats {
  attempts: number;
  /** Per outcome: a channel opened, Hello acknowledged but OPN refused, an Error message, a close, a refused connect, no answer. */
  outcomes: Record<HandshakeOutcome, number>;
  /** Error statuses the device sent, by name. */
  errorStatuses: Record<string, number>;
  /**
   * From the start of the attempt to the device's first answer to it (Acknowledge, Error, a close or a refused
   * connect), in ms: how long the device kept a new client waiting.
   */
  firstAnswer: { count: number; p50?: number; p99?: number; max?: number };
}

export interface HandshakeStorm {
  worker(signal: AbortSignal): Promise<void>;
  stats(): HandshakeStormStats;
}

export function handshakeStorm(url: string, options: { connectTimeoutMs: number; answerTimeoutMs: number }): HandshakeStorm {
  const { host, port } = parseOpcTcpUrl(url);
  const outcomes: Record<HandshakeOutcome, number> = { channel: 0, acknowledged: 0, error: 0, closed: 0, refused: 0, timeout: 0 };
  const errorStatuses: Record<string, number> = {};
  const firstAnswers: number[] = [];
  let attempts = 0;
  // Encoded once, before any timing: the first encoding in a process loads node-opcua's type tables.
  const open = encodeOpenSecureChannelNone({ sequenceNumber: 1, requestId: 1 });
  const closeBody = encodeServiceBody(new CloseSecureChannelRequest({}));

  const worker = async (signal: AbortSignal): Promise<void> => {
    attempts++;
    const begin = performance.now();
    let answered = false;
    const firstAnswer = () => {
      if (answered) return;
      answered = true;
      firstAnswers.push(Math.round((performance.now() - begin) * 10) / 10);
    };
    let connection: RawUaConnection;
    try {
      connection = await RawUaConnection.connect(host, port, options.connectTimeoutMs, signal);
    } catch (error) {
      if (error instanceof OpcuaTimeoutError) {
        outcomes.timeout++;
        throw new Error('TCP connect: no answer');
      }
      outcomes.refused++;
      firstAnswer();
      throw new Error('TCP connection refused');
    }
    try {
      let hello;
      try {
        hello = await connection.hello(url, options.answerTimeoutMs, signal);
      } catch (error) {
        if (error instanceof OpcuaTimeoutError) {
          outcomes.timeout++;
          throw new Error('Hello: no answer');
        }
        throw error;
      }
      firstAnswer();
      if (hello.kind === 'closed') {
        outcomes.closed++;
        throw new Error('Hello: connection closed');
      }
      if (hello.kind === 'error') {
        outcomes.error++;
        errorStatuses[hello.status.name] = (errorStatuses[hello.status.name] ?? 0) + 1;
        throw new Error(`Hello: Error ${hello.status.name}`);
      }
      connection.send(open);
      let answer;
      try {
        answer = await connection.receive(options.answerTimeoutMs, signal);
      } catch (error) {
        if (error instanceof OpcuaTimeoutError) {
          outcomes.timeout++;
          throw new Error('OpenSecureChannel: no answer');
        }
        throw error;
      }
      if (answer?.type === 'OPN') {
        outcomes.channel++;
        const response = new OpenSecureChannelResponse();
        response.decode(decodeSecureMessage(answer).body);
        // A close naming the channel and its token lets the device free them at once instead of at a timeout.
        const { channelId, tokenId } = response.securityToken;
        connection.send(encodeSecureMessage('CLO', { channelId, tokenId }, 2, 2, closeBody));
        return;
      }
      outcomes.acknowledged++;
      if (answer?.type === 'ERR') {
        const code = answer.body.readUInt32LE(0);
        const name = `0x${code.toString(16).padStart(8, '0')}`;
        errorStatuses[name] = (errorStatuses[name] ?? 0) + 1;
      }
      throw new Error(`OpenSecureChannel: ${answer ? `answered ${answer.type}` : 'connection closed'}`);
    } finally {
      connection.close();
    }
  };

  return {
    worker,
    stats() {
      const sorted = [...firstAnswers].sort((a, b) => a - b);
      return {
        attempts,
        outcomes: { ...outcomes },
        errorStatuses: { ...errorStatuses },
        firstAnswer: { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) },
      };
    },
  };
}

/** One line for the observed text: what was sent, at what rate, and how the device answered. */
export function describeStorm(load: { started: number; achievedRatePerSecond: number; plannedRatePerSecond: number; elapsedMs: number; skipped: number }, stats: HandshakeStormStats, maxInFlight: number): string {
  const { outcomes } = stats;
  const answers = [
    `${outcomes.channel} channels opened`,
    outcomes.acknowledged ? `${outcomes.acknowledged} Hello acknowledged but no channel` : '',
    outcomes.error ? `${outcomes.error} Error messages (${Object.entries(stats.errorStatuses).map(([name, count]) => `${count} × ${name}`).join(', ')})` : '',
    outcomes.closed ? `${outcomes.closed} closed without answer` : '',
    outcomes.refused ? `${outcomes.refused} connections refused` : '',
    outcomes.timeout ? `${outcomes.timeout} unanswered` : '',
  ].filter(Boolean);
  return `${load.started} connection attempts with Hello + OpenSecureChannel at ${load.achievedRatePerSecond}/s (planned ${load.plannedRatePerSecond}/s) for ${(load.elapsedMs / 1000).toFixed(1)} s: ${answers.join(', ')}${load.skipped ? `; ${load.skipped} not started (${maxInFlight} already pending)` : ''}`;
}
