import { createSocket } from 'node:dgram';
import { abortReason } from '../../core/net/abort.js';
import { EnipError } from './session.js';
import { Command, decodeCpf, decodeListIdentityItem, encodeFrame, ItemType, splitFrames, type ListedIdentity } from './wire.js';

/**
 * ListIdentity over UDP, as EtherNet/IP scanners discover devices: one datagram out, the first well-formed reply back
 * within the timeout; an abort or the deadline closes the socket. Silence is reported as such (UDP has no refusal).
 */
export function listIdentityUdp(target: { host: string; port: number }, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ListedIdentity> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.close();
      outcome();
    };
    const onAbort = () => settle(() => reject(abortReason(options.signal!)));
    const timer = setTimeout(() => settle(() => reject(new EnipError(`no ListIdentity answer over UDP from ${target.host}:${target.port} within ${options.timeoutMs} ms`, 'timeout'))), options.timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => settle(() => reject(new EnipError(`ListIdentity over UDP to ${target.host}:${target.port} failed: ${error.message}`, 'closed'))));
    socket.on('message', (message, peer) => {
      if (peer.address !== target.host || peer.port !== target.port) return;
      const [frame] = splitFrames(message).frames;
      if (!frame || frame.command !== Command.listIdentity || frame.status !== 0) return;
      const item = decodeCpf(frame.data)?.find((entry) => entry.type === ItemType.identity);
      const identity = item && decodeListIdentityItem(item.data);
      if (identity) settle(() => resolve(identity));
    });
    socket.send(encodeFrame({ command: Command.listIdentity }), target.port, target.host);
  });
}
