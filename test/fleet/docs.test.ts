import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

const DOCS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

/** The examples in docs/ are meant to be copied: they must parse, and their shard arithmetic must add up. */
describe('fleet examples in docs/', function () {
  it('the CI workflow runs one matrix job per shard and merges them in a fleet job that runs even after failures', function () {
    const workflow = parse(readFileSync(join(DOCS, 'examples', 'nightly-fleet.github-workflow.yml'), 'utf8')) as {
      env: { SHARDS: number };
      jobs: { shard: { strategy: { 'fail-fast': boolean; matrix: { shard: number[] } }; steps: Array<{ run?: string }> }; fleet: { needs: string; if: string; steps: Array<{ run?: string }> } };
    };
    const shards = workflow.env.SHARDS;
    expect(workflow.jobs.shard.strategy.matrix.shard).to.deep.equal(Array.from({ length: shards }, (_, index) => index + 1));
    expect(workflow.jobs.shard.strategy['fail-fast']).to.equal(false);
    const run = workflow.jobs.shard.steps.map((step) => step.run ?? '').join('\n');
    expect(run).to.match(/iec62443-harness run --profiles \S+ --shard \$\{\{ matrix\.shard \}\}\/\$\{SHARDS\} --concurrency \d+/);
    expect(workflow.jobs.fleet).to.include({ needs: 'shard', if: 'always()' });
    expect(workflow.jobs.fleet.steps.map((step) => step.run ?? '').join('\n')).to.include('iec62443-harness fleet history --out fleet');
  });

  it('the Kubernetes Indexed Job has as many completions as shards and derives the shard from its completion index', function () {
    const documents = parseAllDocuments(readFileSync(join(DOCS, 'examples', 'kubernetes-nightly.yaml'), 'utf8')).map((document) => document.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
    expect(documents.map((document) => document.kind)).to.deep.equal(['PersistentVolumeClaim', 'CronJob', 'CronJob', 'NetworkPolicy']);
    const nightly = documents[1]!.spec as { jobTemplate: { spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }>; args: string[] }> } } } } };
    const job = nightly.jobTemplate.spec;
    const container = job.template.spec.containers[0]!;
    const shards = Number(container.env.find((variable) => variable.name === 'SHARDS')!.value);
    expect(job).to.include({ completionMode: 'Indexed', completions: shards, parallelism: shards });
    expect(container.args[0]).to.include('--shard $((JOB_COMPLETION_INDEX + 1))/$SHARDS');
    const fleet = documents[2]!.spec as { jobTemplate: { spec: { template: { spec: { containers: Array<{ command: string[] }> } } } } };
    expect(fleet.jobTemplate.spec.template.spec.containers[0]!.command).to.include('fleet');
  });
});
