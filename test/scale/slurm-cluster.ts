// A throw-away single-node SLURM cluster for tests: munged, slurmctld and slurmd (Debian packages
// munge and slurm-wlm) started from a temp directory with their own config, key, socket and free
// ports, so nothing of the machine's own SLURM or munge set-up is used or changed. Client commands
// reach it through SLURM_CONF in the returned environment.
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  dir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

function which(command: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running cluster, or the reason it could not start (for the test's skip message). */
export async function startSlurmCluster(dir: string): Promise<SlurmCluster | string> {
  const tools = { munged: which('munged'), slurmctld: which('slurmctld'), slurmd: which('slurmd'), sinfo: which('sinfo') };
  const missing = Object.entries(tools).filter(([, p]) => !p).map(([n]) => n);
  if (missing.length > 0) return `SLURM cannot start: ${missing.join(', ')} not found (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'SLURM cannot start: slurmd must run as root to start jobs';
  if (!existsSync('/etc/munge/munge.key')) return 'SLURM cannot start: /etc/munge/munge.key is missing (the munge package creates it)';
  for (const sub of ['state', 'spool', 'log', 'munge']) mkdirSync(join(dir, sub), { recursive: true });
  const key = join(dir, 'munge', 'key');
  copyFileSync('/etc/munge/munge.key', key);
  chmodSync(key, 0o600);
  const socket = join(dir, 'munge', 'sock');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const host = hostname();
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=ashtest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      // No cgroups in a container: process groups track job processes.
      'ProctrackType=proctrack/pgid',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'SchedulerType=sched/builtin',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'ReturnToService=2',
      'SlurmdParameters=config_overrides',
      `NodeName=ashnode NodeHostname=${host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN`,
      'PartitionName=debug Nodes=ashnode Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf } as Record<string, string>;
  const stop = async (): Promise<void> => {
    // Only the daemons this set-up started, by their recorded pids, newest first; then wait for them
    // to exit (slurmctld saves its state first), killing any that take longer than 10 s.
    const started: number[] = [];
    for (const file of [join(dir, 'slurmd.pid'), join(dir, 'slurmctld.pid'), join(dir, 'munge', 'pid')]) {
      try {
        const pid = Number(readFileSync(file, 'utf8').trim());
        process.kill(pid, 'SIGTERM');
        started.push(pid);
      } catch {
        // Not started, or already gone.
      }
    }
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = Date.now() + 10_000;
    while (started.some(alive) && Date.now() < until) await sleep(200);
    for (const pid of started.filter(alive)) process.kill(pid, 'SIGKILL');
  };
  const start = (what: string, command: string, args: string[]): string | undefined => {
    const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: 20_000 });
    return r.status === 0 ? undefined : `SLURM cannot start: ${what} exited ${r.status}: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().slice(0, 400)}`;
  };
  const failure =
    start('munged', tools.munged!, [`--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munge', 'pid')}`, `--log-file=${join(dir, 'munge', 'log')}`, `--seed-file=${join(dir, 'munge', 'seed')}`, '--force']) ??
    start('slurmctld', tools.slurmctld!, ['-f', conf]) ??
    start('slurmd', tools.slurmd!, ['-f', conf, '-N', 'ashnode']);
  if (failure) {
    await stop();
    return failure;
  }
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const info = spawnSync(tools.sinfo!, ['--noheader', '--format=%T'], { env, encoding: 'utf8', timeout: 10_000 });
    if (info.status === 0 && /idle|mixed|alloc/.test(info.stdout)) return { dir, env, stop };
    await sleep(500);
  }
  await stop();
  const log = (name: string) => (existsSync(join(dir, 'log', name)) ? readFileSync(join(dir, 'log', name), 'utf8').trim().split('\n').slice(-3).join(' | ') : '');
  return `SLURM cannot start: the node did not come up within 30 s (slurmctld: ${log('slurmctld.log')}; slurmd: ${log('slurmd.log')})`;
}
