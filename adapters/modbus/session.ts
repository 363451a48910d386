// A named import: jsmodbus marks itself __esModule without a default export, which breaks default-import interop under CJS loading.
import { ModbusTCPClient } from 'jsmodbus';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { openSocket, abortError, type ModbusTarget } from './connection.js';
import { identificationObjectName, type IdentificationObject, type Table } from './wire.js';

/**
 * Normal Modbus operations through jsmodbus's client, wrapped so that every request has a deadline, honours the abort
 * signal, and reports a Modbus exception as a value instead of an error.
 */

export type ModbusResult<T> = { ok: true; value: T; latencyMs: number } | { ok: false; exception: number; latencyMs: number };

export class ModbusRequestError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'closed' | 'protocol',
  ) {
    super(message);
    this.name = 'ModbusRequestError';
  }
}

export interface SessionOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  signal?: AbortSignal;
}

export interface DeviceIdentification {
  conformityLevel: number;
  objects: IdentificationObject[];
  /** The read device id codes used: 1 basic, 2 regular, 3 extended. */
  categories: number[];
}

interface JsModbusError {
  err?: string;
  message?: string;
  response?: { body?: { code?: number } };
}

type TcpClient = ModbusTCPClient;

export class ModbusSession {
  private constructor(
    readonly target: ModbusTarget,
    private readonly socket: net.Socket,
    private readonly client: TcpClient,
    private readonly options: SessionOptions,
  ) {}

  static async connect(target: ModbusTarget, options: SessionOptions): Promise<ModbusSession> {
    let client: TcpClient | undefined;
    // jsmodbus marks itself online on the socket's 'connect' event, so it must be attached before connecting.
    const socket = await openSocket(target, options, (pending) => {
      client = new ModbusTCPClient(pending, target.unitId, options.requestTimeoutMs);
    });
    const session = new ModbusSession(target, socket, client!, options);
    const onAbort = () => socket.destroy();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => options.signal?.removeEventListener('abort', onAbort));
    return session;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  read(table: Table, address: number, count = 1): Promise<ModbusResult<number[]>> {
    return this.call(`read ${table} ${address}+${count}`, async () => {
      switch (table) {
        case 'holding':
          return registers((await this.client.readHoldingRegisters(address, count)).response.body.valuesAsArray, count);
        case 'input':
          return registers((await this.client.readInputRegisters(address, count)).response.body.valuesAsArray, count);
        case 'coil':
          return bits((await this.client.readCoils(address, count)).response.body.valuesAsArray, count);
        case 'discrete':
          return bits((await this.client.readDiscreteInputs(address, count)).response.body.valuesAsArray, count);
      }
    });
  }

  writeRegister(address: number, value: number): Promise<ModbusResult<number>> {
    return this.call(`write holding ${address}`, async () => {
      await this.client.writeSingleRegister(address, value);
      return value;
    });
  }

  writeCoil(address: number, on: boolean): Promise<ModbusResult<boolean>> {
    return this.call(`write coil ${address}`, async () => {
      await this.client.writeSingleCoil(address, on);
      return on;
    });
  }

  /**
   * FC 43 / MEI 14: basic objects, then regular and extended ones as far as the device offers them, following
   * "more follows" within each category. An exception on the basic category is returned as the result.
   */
  async readDeviceIdentification(): Promise<ModbusResult<DeviceIdentification>> {
    const objects = new Map<number, IdentificationObject>();
    let conformityLevel = 0;
    const categories: number[] = [];
    const started = performance.now();
    for (const category of [1, 2, 3] as const) {
      if (category > 1 && (conformityLevel & 0x7f) < category) break;
      let objectId = 0;
      for (let page = 0; page < 32; page++) {
        const result = await this.call(`read device identification ${category}/${objectId}`, async () => {
          const { response } = await this.client.readDeviceIdentification(category, objectId);
          return response.body;
        });
        if (!result.ok) {
          if (category === 1) return { ok: false, exception: result.exception, latencyMs: performance.now() - started };
          break;
        }
        const body = result.value;
        conformityLevel = body.conformityLevel;
        if (!categories.includes(category)) categories.push(category);
        for (const object of body.objects) {
          objects.set(object.id, { id: object.id, name: identificationObjectName(object.id), value: object.value.toString('utf8') });
        }
        if (body.moreFollows !== 0xff || body.nextObjectId <= objectId) break;
        objectId = body.nextObjectId;
      }
    }
    const latencyMs = performance.now() - started;
    return { ok: true, value: { conformityLevel, objects: [...objects.values()].sort((a, b) => a.id - b.id), categories }, latencyMs };
  }

  /** Drops the connection at once; requests in flight fail as closed. */
  destroy(): void {
    this.socket.destroy();
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), 200);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  private async call<T>(what: string, body: () => Promise<T>): Promise<ModbusResult<T>> {
    const signal = this.options.signal;
    if (signal?.aborted) throw abortError(signal);
    const started = performance.now();
    try {
      const value = await body();
      return { ok: true, value, latencyMs: performance.now() - started };
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      const failure = error as JsModbusError;
      const latencyMs = performance.now() - started;
      switch (failure.err) {
        case 'ModbusException':
          return { ok: false, exception: failure.response?.body?.code ?? -1, latencyMs };
        case 'Timeout':
          throw new ModbusRequestError(`${what}: no reply from ${this.target.host}:${this.target.port} within ${this.options.requestTimeoutMs} ms`, 'timeout');
        case 'Offline':
          throw new ModbusRequestError(`${what}: ${this.target.host}:${this.target.port} closed the connection`, 'closed');
        case undefined:
          throw error instanceof Error ? error : new Error(String(error));
        default:
          throw new ModbusRequestError(`${what}: ${failure.message ?? failure.err}`, 'protocol');
      }
    }
  }
}

function registers(values: ArrayLike<number>, count: number): number[] {
  return Array.from(values).slice(0, count);
}

function bits(values: ArrayLike<boolean | number>, count: number): number[] {
  return Array.from(values)
    .slice(0, count)
    .map((value) => (value ? 1 : 0));
}
