// The sweep's log lines: pino JSON for machines (ISO times, numbers cut to a readable precision) or the
// same records as short human lines (`--log-format pretty`), at the level --quiet / --verbose chose.
import { Writable } from 'node:stream';
import pino from 'pino';

export type LogFormat = 'json' | 'pretty';
/** quiet: warnings and errors only; normal: job and epoch events; verbose: also training steps. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface LogOptions {
  format?: LogFormat;
  verbosity?: Verbosity;
}

/** Significant digits logged numbers keep: 0.123456789 -> 0.12346, 93.41999 -> 93.42 (float32 noise is not information). */
export const LOG_SIGNIFICANT_DIGITS = 5;

/** A number cut to LOG_SIGNIFICANT_DIGITS significant digits; integers and non-finite values pass unchanged. */
export function roundForLog(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  return Number(value.toPrecision(LOG_SIGNIFICANT_DIGITS));
}

function roundDeep(value: unknown): unknown {
  if (typeof value === 'number') return roundForLog(value);
  if (Array.isArray(value)) return value.map(roundDeep);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundDeep(v)]));
  return value;
}

const LEVELS: Record<Verbosity, pino.Level> = { quiet: 'warn', normal: 'info', verbose: 'debug' };

/** pino's numeric levels, for the pretty lines. */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Keys the pretty line shows in its fixed part, or never (pino's own). */
const PRETTY_SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'jobId', 'sweep']);

/** One pino JSON record as a human line: `13:05:42  job ended  <job id>  status=ok top1=91.2` (WARN/ERROR named). */
export function prettyLine(record: Record<string, unknown>): string {
  const time = typeof record.time === 'string' ? new Date(record.time) : new Date(Number(record.time ?? Date.now()));
  const clock = [time.getHours(), time.getMinutes(), time.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  const level = typeof record.level === 'number' && record.level >= 40 ? `${LEVEL_NAMES[record.level] ?? record.level} ` : '';
  const fields = Object.entries(record)
    .filter(([k, v]) => !PRETTY_SKIP.has(k) && v !== undefined && v !== null)
    .map(([k, v]) => {
      const text = typeof v === 'string' ? v.split('\n')[0]! : JSON.stringify(v);
      return `${k}=${/\s/.test(text) ? JSON.stringify(text) : text}`;
    });
  return [`${clock}  ${level}${String(record.msg ?? '')}`, ...(typeof record.jobId === 'string' ? [record.jobId] : []), fields.join(' ')].filter((p) => p !== '').join('  ');
}

/** A stream taking pino's JSON lines and writing them on `out` as pretty lines. */
export function prettyDestination(out: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          out.write(`${prettyLine(JSON.parse(line) as Record<string, unknown>)}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/** The sweep's logger: ISO times, rounded numbers, `base` on every line, JSON or pretty lines on `destination` (default stderr). */
export function createLogger(base: Record<string, unknown>, options: LogOptions = {}, destination?: pino.DestinationStream | NodeJS.WritableStream): pino.Logger {
  const format = options.format ?? 'json';
  const target = destination ?? (format === 'json' ? pino.destination({ dest: 2, sync: true }) : process.stderr);
  return pino(
    {
      base,
      level: LEVELS[options.verbosity ?? 'normal'],
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (object) => roundDeep(object) as Record<string, unknown> },
    },
    (format === 'pretty' ? prettyDestination(target as NodeJS.WritableStream) : target) as pino.DestinationStream,
  );
}
