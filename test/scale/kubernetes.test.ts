// `--executor k8s --emit`: the Indexed Job manifest, checked for what the sweep needs (one completion
// index per shard, JOB_COMPLETION_INDEX into --shard, GPU requests, the results volume, a frozen
// config that loads to the same jobs) and validated against the Kubernetes API schema by
// kubernetes-models (generated from the Kubernetes OpenAPI spec), when that package is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { planLaunch } from '../../src/runner/launch.js';
import { KUBERNETES_DEFAULTS, renderKubernetesManifest } from '../../src/runner/kubernetes.js';
import { loadSweepConfig } from '../../src/config/load.js';
import { expandJobs } from '../../src/config/expand.js';
import { tempDir, writeSweep } from '../runner/helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

interface SchemaModels {
  Job: new (data: unknown) => { validate(): void };
  ConfigMap: new (data: unknown) => { validate(): void };
}

/** The schema package, or why it cannot be used (a variable specifier keeps tsc from needing it). */
async function loadSchemaModels(): Promise<SchemaModels | string> {
  const batch = 'kubernetes-models/batch/v1';
  const core = 'kubernetes-models/v1';
  try {
    const [{ Job }, { ConfigMap }] = await Promise.all([import(batch), import(core)]);
    return { Job, ConfigMap };
  } catch (err) {
    return `kubernetes-models is not installed (${(err as Error).message.split('\n')[0]}); the lead installs kubernetes-models@5.1.0`;
  }
}

function emit(shards: number, extra: Partial<typeof KUBERNETES_DEFAULTS> = {}, set?: string[]) {
  const dir = tempDir('ash-k8s-');
  const file = writeSweep(dir, 'paper.table2', ['relu', 'swish', 'ash'], [1, 2], 1);
  const plan = planLaunch({ file, out: join(dir, 'results'), shards, ...(set ? { set } : {}) });
  const text = renderKubernetesManifest(plan, { ...KUBERNETES_DEFAULTS, image: 'registry.example.com/ash-bench:gpu', pvc: 'sweeps', ...extra });
  const docs = parseAllDocuments(text) as Any[];
  for (const doc of docs) assert.deepEqual(doc.errors, []);
  const objects = docs.map((d) => d.toJS());
  return { dir, plan, text, configMap: objects.find((o: Any) => o.kind === 'ConfigMap'), job: objects.find((o: Any) => o.kind === 'Job') };
}

test('the Indexed Job runs shard $(JOB_COMPLETION_INDEX) of N with GPUs and the results volume', () => {
  const { job, configMap, plan } = emit(4);
  assert.equal(plan.jobs.length, 6);
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 4);
  assert.equal(job.spec.parallelism, 4);
  assert.match(job.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS-1123 name (the sweep name has a dot)');
  const pod = job.spec.template.spec;
  assert.equal(pod.restartPolicy, 'Never');
  const [container] = pod.containers;
  assert.equal(container.image, 'registry.example.com/ash-bench:gpu');
  const args: string[] = container.args;
  assert.equal(args[args.indexOf('--shard') + 1], '$(JOB_COMPLETION_INDEX)/4');
  assert.equal(args[args.indexOf('--out') + 1], '/results');
  assert.equal(container.resources.limits['nvidia.com/gpu'], '1');
  const mounts = new Map(container.volumeMounts.map((m: Any) => [m.mountPath, m]));
  assert.equal((mounts.get('/results') as Any).name, 'ash-data');
  assert.equal((mounts.get('/app/data') as Any).subPath, 'datasets');
  const claim = pod.volumes.find((v: Any) => v.name === 'ash-data');
  assert.equal(claim.persistentVolumeClaim.claimName, 'sweeps');
  const configVolume = pod.volumes.find((v: Any) => v.configMap);
  assert.equal(configVolume.configMap.name, configMap.metadata.name);
  assert.equal(args[1], `${(mounts.get('/etc/ash-bench') as Any).mountPath}/sweep.yaml`);
});

test('the ConfigMap holds the frozen config, which loads to the same jobs (with --set applied)', () => {
  const { configMap, plan, dir } = emit(2, {}, ['seeds=[7]']);
  const frozen = join(dir, 'frozen.yaml');
  writeFileSync(frozen, configMap.data['sweep.yaml']);
  const reloaded = expandJobs(loadSweepConfig(frozen).config).map((j) => j.id);
  assert.deepEqual(reloaded, plan.jobs.map((j) => j.id));
  assert.ok(reloaded.every((id) => id.includes('-s7-')));
});

test('CPU pods ask for no GPU; bad options are errors naming the flag', () => {
  const { job } = emit(3, { gpus: 0 });
  assert.equal(job.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'], undefined);
  assert.throws(() => emit(3, { pvc: 'Not_A_Name' }), /--pvc 'Not_A_Name'/);
  assert.throws(() => emit(3, { memory: '16 GB' }), /--mem '16 GB'/);
  assert.throws(() => emit(7), /--shards 7: the sweep paper.table2 has only 6 jobs/);
  const { job: throttled } = emit(6, { parallelism: 2 });
  assert.equal(throttled.spec.completions, 6);
  assert.equal(throttled.spec.parallelism, 2);
});

test('the manifest validates against the Kubernetes API schema', async (t) => {
  const models = await loadSchemaModels();
  if (typeof models === 'string') {
    t.skip(models);
    return;
  }
  for (const gpus of [0, 2]) {
    const { job, configMap } = emit(3, { gpus });
    new models.Job(job).validate();
    new models.ConfigMap(configMap).validate();
  }
  // The validator is really checking: a broken copy must fail.
  const { job } = emit(3);
  job.spec.completions = 'three';
  assert.throws(() => new models.Job(job).validate());
  const { job: noImage } = emit(3);
  delete noImage.spec.template.spec.containers[0].name;
  assert.throws(() => new models.Job(noImage).validate());
});
