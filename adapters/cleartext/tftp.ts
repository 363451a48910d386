import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { settleWithin, StepTimeoutError } from '../../core/net/deadline.js';
import type { ProbeOptions } from './telnet.js';

/**
 * Does this UDP port serve TFTP? One read request (RFC 1350) for a file name no device has; a TFTP server answers
 * with ERROR (file not found, access violation) or, if it serves anything asked for, with the first DATA block, which
 * the probe stops at once with an ERROR of its own. Silence proves nothing: UDP ports that do not answer may be
 * closed or filtered.
 */

const OPCODE = { rrq: 1, data: 3, ack: 4, error: 5 } as const;

export interface TftpProbe {
  port: number;
  /** True when a TFTP DATA or ERROR packet came back. */
  tftp: boolean;
  /** The file name asked for. */
  requested: string;
  answer?: { opcode: 'DATA' | 'ERROR'; block?: number; errorCode?: number; message?: string };
  note: string;
}

export function encodeReadRequest(name: string): Buffer {
  return Buffer.concat([Buffer.from([0, OPCODE.rrq]), Buffer.from(`${name}\0octet\0`, 'latin1')]);
}

export function decodeTftp(packet: Buffer): TftpProbe['answer'] | undefined {
  if (packet.length < 4) return undefined;
  const opcode = packet.readUInt16BE(0);
  if (opcode === OPCODE.data) return { opcode: 'DATA', block: packet.readUInt16BE(2) };
  if (opcode === OPCODE.error) {
    const end = packet.indexOf(0, 4);
    const message = packet.subarray(4, end < 0 ? packet.length : end).toString('latin1').replace(/[^\x20-\x7e]/g, '.').slice(0, 120);
    return { opcode: 'ERROR', errorCode: packet.readUInt16BE(2), message };
  }
  return undefined;
}

export function probeTftp(options: ProbeOptions): Promise<TftpProbe> {
  const socket = createSocket(isIP(options.host) === 6 ? 'udp6' : 'udp4');
  const requested = `iec62443-harness-probe-${randomBytes(4).toString('hex')}`;
  return settleWithin<TftpProbe>(
    `TFTP probe of ${options.host}:${options.port}`,
    options.timeoutMs,
    options.signal,
    ({ resolve, reject }) => {
      socket.on('error', (error: NodeJS.ErrnoException) => reject(new Error(`TFTP probe of ${options.host}:${options.port} failed: ${error.code ?? error.message}`)));
      socket.on('message', (packet, peer) => {
        // The server answers from a new port of its own (its transfer id), but from the probed host.
        if (peer.address !== options.host) return;
        const answer = decodeTftp(packet);
        if (!answer) return;
        const observed: TftpProbe = { port: options.port, tftp: true, requested, answer, note: answer.opcode === 'DATA' ? `served block ${answer.block} of a file named ${requested}` : `answered ERROR ${answer.errorCode}` };
        if (answer.opcode !== 'DATA') return resolve(observed);
        // The stop must leave before the socket closes.
        const stop = Buffer.concat([Buffer.from([0, OPCODE.error, 0, 0]), Buffer.from('probe only, transfer not wanted\0', 'latin1')]);
        socket.send(stop, peer.port, peer.address, () => resolve(observed));
      });
      socket.send(encodeReadRequest(requested), options.port, options.host);
    },
    () => {
      try {
        socket.close();
      } catch {
        // already closed
      }
    },
  ).catch((error: unknown) => {
    if (error instanceof StepTimeoutError && !options.signal?.aborted) return { port: options.port, tftp: false, requested, note: `no answer within ${options.timeoutMs} ms (closed or filtered)` };
    throw error;
  });
}
