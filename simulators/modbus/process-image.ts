/**
 * The simulated PLC's process: a water tank whose level follows a setpoint through an inflow disturbance and a pump.
 * The control loop keeps the registers alive, so a monitor reading them sees real, changing values.
 */

export const TABLE_SIZE = { holding: 100, input: 100, coil: 64, discrete: 64 } as const;

/** Holding registers: setpoints and limits an operator may write, then read-only mirrors and configuration. */
export const Holding = { levelSetpointMm: 0, highAlarmMm: 1, lowAlarmMm: 2, pumpMaxPercent: 3, firstProtected: 10 } as const;
export const Input = { levelMm: 0, inflowLpm: 1, outflowLpm: 2, pumpPercent: 3, temperatureDeciC: 4, uptimeS: 5, cycles: 6 } as const;
export const Coil = { pumpAuto: 0, drainValve: 1 } as const;
export const Discrete = { pumpRunning: 0, highAlarm: 1, lowAlarm: 2 } as const;

export class ProcessImage {
  readonly holding = new Uint16Array(TABLE_SIZE.holding);
  readonly input = new Uint16Array(TABLE_SIZE.input);
  readonly coils = new Uint8Array(TABLE_SIZE.coil);
  readonly discrete = new Uint8Array(TABLE_SIZE.discrete);
  private level = 1200;
  private cycles = 0;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.holding[Holding.levelSetpointMm] = 1500;
    this.holding[Holding.highAlarmMm] = 2800;
    this.holding[Holding.lowAlarmMm] = 300;
    this.holding[Holding.pumpMaxPercent] = 100;
    this.coils[Coil.pumpAuto] = 1;
    this.step(0);
  }

  start(periodMs = 100): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(periodMs / 1000), periodMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One control cycle: inflow disturbance, proportional pump control, level integration. */
  step(dtSeconds: number): void {
    this.cycles++;
    const t = (Date.now() - this.startedAt) / 1000;
    const inflow = 40 + 15 * Math.sin(t / 7);
    const error = this.level - this.holding[Holding.levelSetpointMm]!;
    const pumpMax = Math.min(100, this.holding[Holding.pumpMaxPercent]!);
    const pump = this.coils[Coil.pumpAuto] ? Math.max(0, Math.min(pumpMax, error * 0.2)) : 0;
    const outflow = pump * 1.2 + (this.coils[Coil.drainValve] ? 30 : 0);
    this.level = Math.max(0, Math.min(3000, this.level + (inflow - outflow) * dtSeconds * 2));

    this.input[Input.levelMm] = Math.round(this.level);
    this.input[Input.inflowLpm] = Math.round(inflow);
    this.input[Input.outflowLpm] = Math.round(outflow);
    this.input[Input.pumpPercent] = Math.round(pump);
    this.input[Input.temperatureDeciC] = Math.round(180 + 5 * Math.sin(t / 60));
    this.input[Input.uptimeS] = Math.floor(t) & 0xffff;
    this.input[Input.cycles] = this.cycles & 0xffff;
    this.discrete[Discrete.pumpRunning] = pump > 0 ? 1 : 0;
    this.discrete[Discrete.highAlarm] = this.level >= this.holding[Holding.highAlarmMm]! ? 1 : 0;
    this.discrete[Discrete.lowAlarm] = this.level <= this.holding[Holding.lowAlarmMm]! ? 1 : 0;
    // Read-only mirror of the measurements in the holding range, as many PLCs map them.
    for (let index = 0; index < 7; index++) this.holding[Holding.firstProtected + index] = this.input[index]!;
  }
}
