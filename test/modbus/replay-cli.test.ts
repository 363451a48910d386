import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSimulator } from '../support/both-ways.js';
import { cli } from '../support/harness-cli.js';
import type { RunningModbusSimulator } from '../../simulators/modbus/index.js';

describe('run --replay: one CR 3.5 case alone', function () {
  this.timeout(120_000);
  const work = mkdtempSync(join(tmpdir(), 'replay-test-'));
  const simulators: Array<Awaited<ReturnType<typeof startSimulator>>> = [];
  after(async () => Promise.all(simulators.map((simulator) => simulator.cleanup())));

  async function profileOf(name: string): Promise<string> {
    const simulator = await startSimulator('modbus', name);
    simulators.push(simulator);
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, stringify(simulator.running.profile));
    return file;
  }

  it('shows the bytes, the expected and the observed answer, and exits by whether the device handled it', async function () {
    const weak = await cli(['run', '--profile', await profileOf('weak'), '--replay', 'modbus:function.unknown-0x19', '--disruptive']);
    expect(weak.code, weak.output).to.equal(1);
    expect(weak.stdout).to.include('sent:     ').and.include('expected: exception 01').and.include('NOT handled correctly');
    const hardened = await cli(['run', '--profile', await profileOf('hardened'), '--replay', 'function.unknown-0x19', '--disruptive']);
    expect(hardened.code, hardened.output).to.equal(0);
    expect(hardened.stdout).to.include('observed: exception 01').and.include('handled correctly');
  });

  it('exits 2 naming the flag for a case id that is not in the corpus', async function () {
    const result = await cli(['run', '--profile', join(work, 'weak.yaml'), '--replay', 'modbus:no.such-case', '--disruptive']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('--replay: no case "modbus:no.such-case"');
  });

  it('exits 2 naming --disruptive when it is not given, and sends nothing', async function () {
    const simulator = await startSimulator('modbus', 'hardened');
    simulators.push(simulator);
    const file = join(work, 'counted.yaml');
    writeFileSync(file, stringify(simulator.running.profile));
    const before = (simulator.running as RunningModbusSimulator).stats.requests;
    const result = await cli(['run', '--profile', file, '--replay', 'modbus:function.unknown-0x19']);
    expect(result.code, result.output).to.equal(2);
    expect(result.stderr).to.include('--replay').and.include('--disruptive');
    expect((simulator.running as RunningModbusSimulator).stats.requests).to.equal(before);
  });
});
