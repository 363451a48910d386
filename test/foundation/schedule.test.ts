import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { scheduleRuns, type SchedulableRun } from '../../harness/run/schedule.js';

/** Executes the runs with a short pause each and records which others were running when each started. */
async function execute(runs: SchedulableRun[], lanesAtOnce: number) {
  const running = new Set<number>();
  const beside = new Map<number, number[]>();
  const order: number[] = [];
  let mostAtOnce = 0;
  const results = await Promise.all(
    scheduleRuns(
      runs,
      async (index) => {
        beside.set(index, [...running]);
        running.add(index);
        mostAtOnce = Math.max(mostAtOnce, running.size);
        order.push(index);
        await sleep(5);
        running.delete(index);
        return `result ${index}`;
      },
      lanesAtOnce,
    ),
  );
  return { results, beside, order, mostAtOnce };
}

describe('campaign schedule', function () {
  const runs: SchedulableRun[] = [
    { lane: 'opcua', disruptive: true }, // 0: a lockout, first in catalog order
    { lane: 'opcua', disruptive: false }, // 1
    { lane: 'web', disruptive: false }, // 2
    { lane: 'network', runsAlone: 'scans every port', disruptive: false }, // 3
    { lane: 'opcua', disruptive: false }, // 4
    { lane: 'ssh', disruptive: false }, // 5
    { disruptive: false }, // 6: no interface serves it
    { lane: 'web', disruptive: true }, // 7
    { lane: 'web', disruptive: false }, // 8
  ];

  it('gives each run its own result in the runs\' order, whatever order they ran in', async function () {
    const { results, order } = await execute(runs, 4);
    expect(results).to.deep.equal(runs.map((_, index) => `result ${index}`));
    expect(order).to.not.deep.equal(runs.map((_, index) => index));
  });

  it('runs lanes of different interfaces side by side, each lane in catalog order, never two runs of one interface at once', async function () {
    const { beside, order, mostAtOnce } = await execute(runs, 4);
    expect(mostAtOnce).to.equal(3);
    for (const [index, others] of beside) {
      expect(others.filter((other) => runs[other]!.lane === runs[index]!.lane), `run ${index} beside its own interface`).to.deep.equal([]);
    }
    expect(order.indexOf(1)).to.be.lessThan(order.indexOf(4));
    expect(order.indexOf(2)).to.be.lessThan(order.indexOf(8));
  });

  it('runs what must run alone, and every disruptive run, with nothing beside it and after every lane', async function () {
    const { beside, order } = await execute(runs, 4);
    for (const index of [3, 0, 7]) expect(beside.get(index), `run ${index}`).to.deep.equal([]);
    const lanesDone = Math.max(...[1, 2, 4, 5, 8].map((index) => order.indexOf(index)));
    expect(order.slice(lanesDone + 1)).to.deep.equal([3, 0, 7]);
    expect(order[0], 'a run no interface serves touches nothing and goes first').to.equal(6);
  });

  it('starts a lane whose protocol mostly waits before longer busy lanes, when not every lane fits at once', async function () {
    const lanes: SchedulableRun[] = [
      { lane: 'opcua', disruptive: false },
      { lane: 'opcua', disruptive: false },
      { lane: 'web', disruptive: false },
      { lane: 'web', disruptive: false },
      { lane: 'snmp', mostlyWaits: true, disruptive: false },
    ];
    const { order } = await execute(lanes, 1);
    expect(order).to.deep.equal([4, 0, 1, 2, 3]);
  });

  it('with one interface at a time nothing ever runs beside anything', async function () {
    const { beside, mostAtOnce } = await execute(runs, 1);
    expect(mostAtOnce).to.equal(1);
    expect([...beside.values()].every((others) => others.length === 0)).to.equal(true);
  });
});
