/**
 * When each planned run of a campaign executes. Recording stays in catalog order (the mocha tests await their run's
 * result); execution follows three phases so that the device is never loaded by two things that could disturb each other:
 *
 * 1. non-disruptive runs, one lane per interface: the runs of a lane one after another in catalog order (they share the
 *    interface's sessions, lockout counters and failed-login budget), up to `lanesAtOnce` lanes at the same time;
 * 2. non-disruptive runs that must run alone (a scan of every port, events caused through the other interfaces), one
 *    at a time with nothing beside them;
 * 3. disruptive runs (lockout, storms, floods, fuzzing), one at a time with nothing beside them, after everything that
 *    judges the device in its normal state.
 */

export interface SchedulableRun {
  /** The interface the run targets; runs without one do not touch the network and run first. */
  lane?: string;
  /** Why nothing may run beside it; absent when it may share time with other lanes. */
  runsAlone?: string;
  /** Its protocol's checks mostly wait out timeouts: its lane starts first. */
  mostlyWaits?: boolean;
  disruptive: boolean;
}

/** The phase a run belongs to, in execution order. */
export type Phase = 'offline' | 'lanes' | 'alone' | 'disruptive';

export function phaseOf(run: SchedulableRun): Phase {
  if (run.lane === undefined) return 'offline';
  if (run.disruptive) return 'disruptive';
  return run.runsAlone ? 'alone' : 'lanes';
}

/**
 * Starts executing the runs in the background and returns one promise per run, in the runs' order. `execute` must not
 * throw (executeCheck never does); should it, that run's promise rejects and the others go on.
 */
export function scheduleRuns<T>(runs: readonly SchedulableRun[], execute: (index: number) => Promise<T>, lanesAtOnce: number): Promise<T>[] {
  const settle = runs.map(() => {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  });
  const runOne = async (index: number) => {
    try {
      settle[index]!.resolve(await execute(index));
    } catch (error) {
      settle[index]!.reject(error);
    }
  };
  const inPhase = (phase: Phase) => runs.flatMap((run, index) => (phaseOf(run) === phase ? [index] : []));

  const lanes = new Map<string, number[]>();
  for (const index of inPhase('lanes')) {
    const lane = runs[index]!.lane!;
    lanes.set(lane, [...(lanes.get(lane) ?? []), index]);
  }
  // Lanes that mostly wait first, as their waits cost the device nothing; then the longest lanes, so that a short one
  // never leaves a long one to finish alone at the end.
  const waits = (lane: number[]) => (runs[lane[0]!]!.mostlyWaits ? 1 : 0);
  const queue = [...lanes.values()].sort((a, b) => waits(b) - waits(a) || b.length - a.length);

  void (async () => {
    for (const index of inPhase('offline')) await runOne(index);
    const worker = async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) for (const index of lane) await runOne(index);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(lanesAtOnce, queue.length)) }, worker));
    for (const index of inPhase('alone')) await runOne(index);
    for (const index of inPhase('disruptive')) await runOne(index);
  })();
  return settle.map(({ promise }) => promise);
}
