/**
 * The parts of the device profile that protocols own. Each adapters/<protocol>/protocol.ts adds its section by
 * declaration merging, so the kernel names no protocol and a new protocol edits no shared file:
 *
 *   declare module '../../core/profile/endpoints.js' {
 *     interface EndpointSections { modbus?: ModbusEndpoint }
 *     interface EssentialFunctionKinds { modbus: ModbusRead }
 *   }
 *
 * The zod schemas behind these types come from the same definitions at run time (core/protocol.ts).
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EndpointSections {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EssentialFunctionKinds {}

interface EssentialFunctionBase {
  name: string;
  maxLatencyMs: number;
}

/** One entry of essentialFunctions: a name, a latency bound and exactly one protocol's way to exercise it. */
export type EssentialFunction = {
  [K in keyof EssentialFunctionKinds]: EssentialFunctionBase & { [P in K]: EssentialFunctionKinds[K] };
}[keyof EssentialFunctionKinds];
