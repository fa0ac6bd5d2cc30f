import { writeFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { UserError } from '../engine/errors.js';
import { KUBERNETES_DEFAULTS, renderKubernetesManifest } from '../runner/kubernetes.js';
import { planLaunch } from '../runner/launch.js';
import { parseShard } from '../runner/shard.js';
import { renderSbatchScript, submitSlurmArray } from '../runner/slurm.js';
import { parseGpuList, runSweep } from '../runner/sweep.js';
import { logSettings, type GlobalArgs } from './global-options.js';

const EXECUTORS = ['local', 'slurm', 'k8s'] as const;

interface SweepArgs extends GlobalArgs {
  file: string;
  jobs?: number;
  gpus?: string;
  out: string;
  'dry-run': boolean;
  /** One --set gives a string, several an array (not `array: true`, which would swallow the FILE after it). */
  set?: string | string[];
  progress: 'auto' | 'tty' | 'json' | 'pretty';
  shard?: string;
  executor: (typeof EXECUTORS)[number];
  shards?: number;
  emit?: string;
  image: string;
  pvc: string;
  namespace: string;
  partition?: string;
  'gpus-per-job'?: number;
  'cpus-per-job'?: number;
  mem?: string;
  time?: string;
  parallelism?: number;
  sbatch?: string | string[];
}

const CLUSTER = 'Cluster executors (slurm, k8s):';

export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep <file>',
  describe: 'Run every job of a sweep config (skipping finished ones), then print the results table; or launch it on SLURM / Kubernetes',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'sweep config (YAML)' })
      .option('jobs', { type: 'number', describe: 'jobs at once (default: one per core for wasm/cpu, one per GPU otherwise)' })
      .option('gpus', { type: 'string', describe: 'comma-separated GPU ids, one per job slot (CUDA_VISIBLE_DEVICES)' })
      .option('out', { type: 'string', default: 'results', describe: 'results root; the sweep writes to OUT/<name>/' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'list the jobs, which are finished, and an estimate of the time the rest take (slurm: print the script); run nothing' })
      .option('set', { type: 'string', describe: 'override a config value: key.path=value (repeat --set for more)' })
      .option('progress', {
        choices: ['auto', 'tty', 'json', 'pretty'] as const,
        default: 'auto' as const,
        describe: 'live view (tty), JSON log lines (json) or human log lines (pretty); auto: --log-format if given, else the live view on a terminal and JSON elsewhere',
      })
      .option('shard', { type: 'string', describe: 'run only shard I of N (I/N, 0-based; a job goes to shard sha256(job id) mod N)' })
      .option('executor', { choices: EXECUTORS, default: 'local' as const, describe: 'local process pool, an sbatch job array, or a Kubernetes Indexed Job manifest' })
      .option('shards', { type: 'number', group: CLUSTER, describe: 'array tasks / pods, each running one shard (default: one per job)' })
      .option('emit', { type: 'string', group: CLUSTER, describe: 'k8s: write the manifest to this file (--emit=- for stdout)' })
      .option('image', { type: 'string', group: CLUSTER, default: KUBERNETES_DEFAULTS.image, describe: 'k8s: container image (built from the Dockerfile)' })
      .option('pvc', { type: 'string', group: CLUSTER, default: KUBERNETES_DEFAULTS.pvc, describe: 'k8s: ReadWriteMany claim with results/, datasets/, cache/' })
      .option('namespace', { type: 'string', group: CLUSTER, default: KUBERNETES_DEFAULTS.namespace, describe: 'k8s: namespace' })
      .option('partition', { type: 'string', group: CLUSTER, describe: 'slurm: partition' })
      .option('gpus-per-job', { type: 'number', group: CLUSTER, describe: 'GPUs per array task / pod (slurm default 0, k8s default 1)' })
      .option('cpus-per-job', { type: 'number', group: CLUSTER, describe: 'CPUs per array task / pod (slurm default 1, k8s default 4)' })
      .option('mem', { type: 'string', group: CLUSTER, describe: 'memory per task / pod (slurm: 16G; k8s: 16Gi)' })
      .option('time', { type: 'string', group: CLUSTER, describe: 'slurm: wall-clock limit per task, HH:MM:SS' })
      .option('parallelism', { type: 'number', group: CLUSTER, describe: 'tasks / pods at once (default: all)' })
      .option('sbatch', { type: 'string', group: CLUSTER, describe: 'slurm: extra sbatch option, e.g. --sbatch=--account=abc (repeatable)' })
      .example('ash sweep configs/smoke.yaml --dry-run', 'list the jobs, which are done, and a time estimate')
      .example('ash sweep configs/smoke.yaml --jobs 2', 'run on 2 slots; Ctrl-C stops cleanly, the same command resumes')
      .example('ash sweep configs/smoke.yaml --set train.epochs=1 --set seeds=[1]', 'override config values (Hydra-style key.path=value)')
      .example('ash sweep configs/smoke.yaml --log-format pretty --quiet', 'human log lines, warnings only (CI logs)')
      .example('ash sweep configs/smoke.yaml --shard 0/4', 'run one quarter of the jobs (other machines run 1/4..3/4)')
      .example('ash sweep configs/smoke.yaml --executor slurm --partition gpu --gpus-per-job 1', 'submit a SLURM job array')
      .example('ash sweep configs/smoke.yaml --executor k8s --emit job.yaml', 'write a Kubernetes Indexed Job manifest') as never,
  handler: async (args) => {
    if (args.executor === 'local') {
      const outcome = await runSweep({
        file: args.file,
        ...(args.set !== undefined ? { set: args.set } : {}),
        out: args.out,
        ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
        ...(args.gpus !== undefined ? { gpus: parseGpuList(args.gpus) } : {}),
        ...(args.shard !== undefined ? { shard: parseShard(args.shard) } : {}),
        dryRun: args['dry-run'],
        // --progress wins; else --log-format; else the live view on a terminal.
        progress: args.progress !== 'auto' ? args.progress : (logSettings(args).format ?? 'auto'),
        verbosity: logSettings(args).verbosity,
      });
      process.exitCode = outcome.exitCode;
      return;
    }
    if (args.shard !== undefined) throw new UserError(`--shard is for the local executor (what each ${args.executor} task runs); use --shards N to choose how many`);
    const plan = planLaunch({ file: args.file, ...(args.set !== undefined ? { set: args.set } : {}), out: args.out, ...(args.shards !== undefined ? { shards: args.shards } : {}) });
    if (args.executor === 'k8s') {
      if (!args.emit) throw new UserError('--executor k8s needs --emit FILE.yaml (or --emit=- for stdout): ash writes the manifest, kubectl applies it');
      const manifest = renderKubernetesManifest(plan, {
        ...KUBERNETES_DEFAULTS,
        image: args.image,
        pvc: args.pvc,
        namespace: args.namespace,
        ...(args['gpus-per-job'] !== undefined ? { gpus: args['gpus-per-job'] } : {}),
        ...(args['cpus-per-job'] !== undefined ? { cpu: String(args['cpus-per-job']) } : {}),
        ...(args.mem !== undefined ? { memory: args.mem } : {}),
        ...(args.parallelism !== undefined ? { parallelism: args.parallelism } : {}),
      });
      if (args.emit === '-') process.stdout.write(manifest);
      else {
        writeFileSync(args.emit, manifest);
        console.log(`wrote ${args.emit}: Indexed Job for ${plan.jobs.length} jobs in ${plan.shards} shards; run \`kubectl apply -f ${args.emit}\``);
      }
      return;
    }
    const slurm = {
      ...(args.partition !== undefined ? { partition: args.partition } : {}),
      ...(args['gpus-per-job'] !== undefined ? { gpus: args['gpus-per-job'] } : {}),
      ...(args['cpus-per-job'] !== undefined ? { cpus: args['cpus-per-job'] } : {}),
      ...(args.mem !== undefined ? { mem: args.mem } : {}),
      ...(args.time !== undefined ? { time: args.time } : {}),
      ...(args.parallelism !== undefined ? { maxParallel: args.parallelism } : {}),
      ...(args.sbatch !== undefined ? { extra: [args.sbatch].flat() } : {}),
    };
    if (args['dry-run']) {
      process.stdout.write(renderSbatchScript(plan, slurm));
      return;
    }
    const submission = await submitSlurmArray(plan, slurm);
    console.log(`submitted SLURM job ${submission.jobId}: array of ${plan.shards} tasks for ${plan.jobs.length} jobs; script ${submission.script}; follow with \`ash status ${plan.sweepDir}\``);
  },
};
