import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { inspectDataset, listDatasets } from '../data/registry.js';
import type { DatasetSummary, SplitSummary } from '../data/summary.js';
import { downloadDataset } from '../data/download.js';
import { loadManifest } from '../data/manifest.js';
import { verifyDataset } from '../data/verify.js';
import { logSettings, type GlobalArgs } from './global-options.js';

interface InspectArgs {
  name: string;
  root?: string;
  json: boolean;
  'image-size'?: number;
  'skip-unreadable': boolean;
}

interface DownloadArgs extends GlobalArgs {
  name: string;
  root: string;
  manifest?: string;
  'keep-archives': boolean;
  'allow-unverified': boolean;
}

function describeSplit(name: string, s: SplitSummary): string {
  if ('firstImageSha256' in s) {
    return `  ${name}: ${s.count} images, ${s.shape.join('x')}, ${s.numClasses} classes (per class ${Math.min(...s.labelCounts)}..${Math.max(...s.labelCounts)}), first image sha256 ${s.firstImageSha256.slice(0, 16)}...`;
  }
  if ('objects' in s) return `  ${name}: ${s.count} images, ${s.objects} objects, ${s.classes} classes`;
  return `  ${name}: ${s.count} images, ${s.numClasses} classes`;
}

function printSummary(summary: DatasetSummary): void {
  process.stdout.write(`${summary.dataset}\n`);
  for (const [name, split] of Object.entries(summary.splits)) process.stdout.write(`${describeSplit(name, split)}\n`);
}

const listCommand: CommandModule<object, object> = {
  command: 'list',
  describe: 'List the datasets and their tasks',
  builder: (y: Argv) => y.example('ash datasets list', 'every dataset: name, task, shape and files') as never,
  handler: () => {
    const all = listDatasets();
    const width = Math.max(...all.map((d) => d.name.length));
    for (const d of all) process.stdout.write(`${d.name.padEnd(width)}  ${d.task.padEnd(14)}  ${d.description}\n`);
    process.stdout.write('\nclassification datasets train with `ash train` / `ash sweep` and size models with `ash models summary --dataset NAME`\n');
  },
};

const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <name>',
  describe: 'Count images, labels and objects of a dataset on disk',
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'dataset name (`ash datasets list`)' })
      .option('root', { type: 'string', describe: 'where the dataset is (default: its usual place under data/)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON' })
      .option('image-size', { type: 'number', describe: 'output side for resizing readers (imagefolder)' })
      .option('skip-unreadable', { type: 'boolean', default: false, describe: 'skip undecodable images with a warning instead of failing' })
      .example('ash datasets inspect fashion-mnist', 'counts, shape, classes of the copy under data/ (or /usr/share/datasets)')
      .example('ash datasets inspect cifar10 --root ~/data/cifar10 --json', 'a copy elsewhere, as JSON') as never,
  handler: async (args) => {
    const summary = await inspectDataset(args.name, {
      dataDir: args.root,
      imageSize: args['image-size'],
      onUnreadable: args['skip-unreadable'] ? 'skip' : 'error',
    });
    if (args.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else printSummary(summary);
  },
};

const downloadCommand: CommandModule<object, DownloadArgs> = {
  command: 'download <name>',
  describe: 'Download a dataset (resumable), verify its SHA-256 sums and unpack it under --root',
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'dataset name (datasets/<name>.yaml)' })
      .option('root', { type: 'string', demandOption: true, describe: 'directory to download and unpack into' })
      .option('manifest', { type: 'string', describe: 'manifest file to use instead of datasets/<name>.yaml' })
      .option('keep-archives', { type: 'boolean', default: true, describe: 'keep the verified archives after unpacking' })
      .option('allow-unverified', { type: 'boolean', default: false, describe: 'download archives whose manifest has no SHA-256 (prints their sum)' })
      .example('ash datasets download cifar10 --root data/cifar10', 'fetch, verify and unpack CIFAR-10 (resumes a partial download)')
      .example('ash datasets download mine --manifest my-data.yaml --root data/mine', 'a dataset described by your own manifest') as never,
  handler: async (args) => {
    const manifest = await loadManifest(args.manifest ?? args.name);
    const outcomes = await downloadDataset(manifest, args.root, {
      keepArchives: args['keep-archives'],
      allowUnverified: args['allow-unverified'],
      // --quiet: only the verified files and the final line.
      log: (m) => (logSettings(args).verbosity === 'quiet' ? undefined : process.stderr.write(`${m}\n`)),
    });
    for (const o of outcomes) process.stdout.write(`${o.status.padEnd(10)} ${o.sha256}  ${o.file}\n`);
    process.stdout.write(`${manifest.name}: ready under ${args.root}\n`);
  },
};

interface VerifyArgs {
  name: string;
  root?: string;
}

const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <name>',
  describe: 'Re-hash every downloaded archive of a dataset; one ok/bad line per file (exit 1 if any is bad)',
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'dataset name (datasets/<name>.yaml) or a manifest file' })
      .option('root', { type: 'string', describe: 'the directory given to `ash datasets download` (default: data/<name>)' }) as never,
  handler: async (args) => {
    const manifest = await loadManifest(args.name);
    const checks = await verifyDataset(manifest, args.root ?? join('data', manifest.name));
    for (const c of checks) process.stdout.write(`${c.status.padEnd(7)} ${c.file}: ${c.detail}\n`);
    const bad = checks.filter((c) => c.status === 'bad').length;
    process.stdout.write(`${manifest.name}: ${bad === 0 ? 'all files ok' : `${bad} bad`}\n`);
    if (bad > 0) process.exitCode = 1;
  },
};

export const datasetsCommand: CommandModule<object, object> = {
  command: 'datasets',
  describe: 'List, inspect, download and verify datasets',
  builder: (y: Argv) =>
    y
      .command(listCommand)
      .command(inspectCommand)
      .command(downloadCommand)
      .command(verifyCommand)
      .demandCommand(1, 'name a datasets subcommand: list, inspect, download, verify')
      .example('ash datasets list', 'every dataset with its task and shape')
      .example('ash datasets download cifar10 --root data/cifar10', 'fetch, verify and unpack')
      .example('ash datasets inspect cifar10 --root data/cifar10', 'check what is on disk')
      .example('ash datasets verify cifar10 --root data/cifar10', 're-hash every downloaded archive') as never,
  handler: () => undefined,
};
