// `ash sweep FILE --executor k8s --emit OUT.yaml`: a ConfigMap with the frozen sweep config and an
// Indexed Job (one completion index per shard) from runners/kubernetes/indexed-job.yaml. Nothing is
// applied here; `kubectl apply -f OUT.yaml` is the user's step, so ash needs no cluster credentials.
import { parseAllDocuments, stringify } from 'yaml';
import { UserError } from '../engine/errors.js';
import { slug } from '../contract/spec.js';
import type { LaunchPlan } from './launch.js';
import { fillTemplateFile } from './template.js';

export const K8S_TEMPLATE = 'kubernetes/indexed-job.yaml';

export interface KubernetesOptions {
  image: string;
  /** GPUs per pod (nvidia.com/gpu); 0 for the CPU image. */
  gpus: number;
  /** ReadWriteMany claim holding results/, datasets/ and cache/. */
  pvc: string;
  namespace: string;
  /** Pods at once; default: all shards. */
  parallelism?: number;
  cpu: string;
  memory: string;
  backoffLimit: number;
}

export const KUBERNETES_DEFAULTS: KubernetesOptions = {
  image: 'ash-bench:gpu',
  gpus: 1,
  pvc: 'ash-bench-data',
  namespace: 'default',
  cpu: '4',
  memory: '16Gi',
  backoffLimit: 6,
};

/** A DNS-1123 label short enough for the pod names the Job controller derives from it. */
export function kubernetesName(sweep: string): string {
  return `ash-${slug(sweep).replace(/\./g, '-')}`.slice(0, 50).replace(/-+$/, '');
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;

function check(options: KubernetesOptions, shards: number): void {
  if (!Number.isInteger(options.gpus) || options.gpus < 0) throw new UserError(`--gpus-per-job ${options.gpus}: expected a whole number >= 0`);
  if (options.image.trim() === '' || /\s/.test(options.image)) throw new UserError(`--image '${options.image}': expected an image reference without spaces, e.g. registry.example.com/ash-bench:gpu`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(options.pvc)) throw new UserError(`--pvc '${options.pvc}': expected the name of a PersistentVolumeClaim (lowercase letters, digits, '-' and '.')`);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.namespace)) throw new UserError(`--namespace '${options.namespace}': expected a namespace name (lowercase letters, digits and '-')`);
  if (!QUANTITY.test(options.cpu)) throw new UserError(`--cpus-per-job '${options.cpu}': expected a Kubernetes CPU quantity such as 4 or 500m`);
  if (!QUANTITY.test(options.memory)) throw new UserError(`--mem '${options.memory}': expected a Kubernetes memory quantity such as 16Gi`);
  const parallelism = options.parallelism ?? shards;
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new UserError(`--parallelism ${options.parallelism}: expected a whole number >= 1`);
}

/** The manifest (two YAML documents) for `plan`. */
export function renderKubernetesManifest(plan: LaunchPlan, options: KubernetesOptions): string {
  check(options, plan.shards);
  const name = kubernetesName(plan.loaded.config.name);
  const q = (value: string | number) => JSON.stringify(value);
  const text = fillTemplateFile(K8S_TEMPLATE, {
    CONFIG_MAP: q(`${name}-config`),
    NAMESPACE: q(options.namespace),
    SWEEP_LABEL: q(slug(plan.loaded.config.name).slice(0, 63)),
    CONFIG_TEXT: q(plan.frozenConfig),
    JOB_NAME: q(name),
    SHARDS: String(plan.shards),
    PARALLELISM: String(Math.min(options.parallelism ?? plan.shards, plan.shards)),
    BACKOFF_LIMIT: String(options.backoffLimit),
    IMAGE: q(options.image),
    CPU: q(options.cpu),
    MEMORY: q(options.memory),
    GPUS: q(String(options.gpus)),
    PVC: q(options.pvc),
  });
  const docs = parseAllDocuments(text);
  const objects = (Array.isArray(docs) ? docs : [docs]).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${K8S_TEMPLATE}: the filled template is not valid YAML: ${doc.errors[0]!.message}`);
    return doc.toJS() as Record<string, unknown>;
  });
  if (options.gpus === 0) {
    // A CPU pod asks for no GPU at all rather than for zero of them.
    const job = objects.find((o) => o.kind === 'Job') as { spec: { template: { spec: { containers: { resources: { limits: Record<string, unknown> } }[] } } } };
    for (const container of job.spec.template.spec.containers) delete container.resources.limits['nvidia.com/gpu'];
  }
  const header = `# ash-bench sweep ${plan.loaded.config.name}: ${plan.jobs.length} jobs in ${plan.shards} shards.\n# kubectl apply -f THIS_FILE; then \`ash status\` on the results volume, and \`ash report\` when done.\n`;
  return header + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
