// Reading chosen top-level arrays of a JSON object from a Buffer without ever holding the document as one
// string: COCO's instances_train2017.json is 448 MB, close to V8's limit on string length (2^29 - 24
// characters, ~512 MB), and JSON.parse of the whole would also need the whole parsed tree at once. The
// scanner walks the bytes, finds where each element of a wanted array starts and ends (respecting strings
// and their escapes), and JSON.parse's that element's slice alone. Other top-level values are skipped after
// checking their brackets match. Structural characters are ASCII, so byte positions never split a UTF-8
// character and each slice decodes on its own.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Malformed JSON, at a byte offset of the buffer. */
export class JsonScanError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at byte ${offset}`);
    this.name = 'JsonScanError';
  }
}

/** The document is well-formed so far but is not an object (a list, a number...). */
export class NotAnObjectError extends Error {
  constructor() {
    super('the top-level JSON value is not an object');
    this.name = 'NotAnObjectError';
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function describeByte(buf: Uint8Array, at: number): string {
  if (at >= buf.length) return 'end of file';
  const b = buf[at]!;
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `byte 0x${b.toString(16).padStart(2, '0')}`;
}

class Scanner {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  skipSpace(): void {
    const { buf } = this;
    while (this.pos < buf.length && isSpace(buf[this.pos]!)) this.pos++;
  }

  fail(expected: string, at = this.pos): never {
    throw new JsonScanError(`expected ${expected}, found ${describeByte(this.buf, at)}`, at);
  }

  /** The end (exclusive) of the string whose opening quote is at `from`. */
  stringEnd(from: number): number {
    const { buf } = this;
    let i = from + 1;
    for (;;) {
      const q = buf.indexOf(QUOTE, i);
      if (q < 0) throw new JsonScanError('unterminated string', from);
      // A quote preceded by an odd number of backslashes is escaped (\" inside the string); \\" ends it.
      let slashes = 0;
      for (let j = q - 1; j > from && buf[j] === BACKSLASH; j--) slashes++;
      if (slashes % 2 === 0) return q + 1;
      i = q + 1;
    }
  }

  /** The end (exclusive) of the value starting at `from`: a string, a bracketed value, or a bare scalar. */
  valueEnd(from: number): number {
    const { buf } = this;
    const first = buf[from];
    if (first === QUOTE) return this.stringEnd(from);
    if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
      const closers: number[] = [];
      const n = buf.length;
      let i = from;
      while (i < n) {
        const b = buf[i]!;
        // Digits, signs, dots, commas and spaces (most of COCO's bytes: polygon coordinates) are all below
        // '[' (0x5b), as is the quote: one comparison sends them on. This loop is the scan's whole cost.
        if (b < OPEN_ARRAY) {
          if (b === QUOTE) {
            i = this.stringEnd(i);
            continue;
          }
        } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
          closers.push(b + 2); // '{' + 2 is '}', '[' + 2 is ']'
        } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
          if (closers.pop() !== b) throw new JsonScanError(`mismatched '${String.fromCharCode(b)}'`, i);
          if (closers.length === 0) return i + 1;
        }
        i++;
      }
      throw new JsonScanError(`unterminated ${first === OPEN_OBJECT ? 'object' : 'list'}`, from);
    }
    // A number, true, false or null runs to the next delimiter; JSON.parse of its slice checks it.
    let i = from;
    while (i < buf.length) {
      const b = buf[i]!;
      if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isSpace(b)) break;
      i++;
    }
    if (i === from) this.fail('a value', from);
    return i;
  }

  parseSlice(start: number, end: number): unknown {
    try {
      return JSON.parse(this.buf.toString('utf8', start, end));
    } catch (err) {
      throw new JsonScanError((err as Error).message, start);
    }
  }
}

/**
 * The values of the `wanted` keys of the top-level object in `buf`. A wanted key whose value is a list
 * comes back as an array of its elements, each parsed on its own and passed through `keep` (to drop fields
 * the caller does not need before the next element is parsed); any other value comes back parsed whole.
 * Keys not wanted are skipped; a repeated key counts once, its last value (as JSON.parse does). Throws
 * JsonScanError for malformed input and NotAnObjectError when the document is not an object.
 */
export function scanTopLevelArrays(buf: Buffer, wanted: readonly string[], keep: (key: string, element: unknown) => unknown = (_k, e) => e): Record<string, unknown> {
  const s = new Scanner(buf);
  const wantedSet = new Set(wanted);
  const out: Record<string, unknown> = {};
  s.skipSpace();
  if (s.pos >= buf.length) s.fail('a JSON object');
  if (buf[s.pos] !== OPEN_OBJECT) {
    // Valid JSON of another type is a different mistake from a broken file: tell them apart.
    const end = s.valueEnd(s.pos);
    s.parseSlice(s.pos, end);
    s.pos = end;
    s.skipSpace();
    if (s.pos < buf.length) s.fail('end of file');
    throw new NotAnObjectError();
  }
  s.pos++;
  s.skipSpace();
  if (buf[s.pos] === CLOSE_OBJECT) s.pos++;
  else {
    for (;;) {
      s.skipSpace();
      if (buf[s.pos] !== QUOTE) s.fail('a key in quotes');
      const keyEnd = s.stringEnd(s.pos);
      const key = s.parseSlice(s.pos, keyEnd) as string;
      s.pos = keyEnd;
      s.skipSpace();
      if (buf[s.pos] !== COLON) s.fail(`':' after key ${JSON.stringify(key)}`);
      s.pos++;
      s.skipSpace();
      if (s.pos >= buf.length) s.fail(`a value for key ${JSON.stringify(key)}`);
      if (wantedSet.has(key) && buf[s.pos] === OPEN_ARRAY) {
        out[key] = readArray(s, key, keep);
      } else {
        const end = s.valueEnd(s.pos);
        if (wantedSet.has(key)) out[key] = s.parseSlice(s.pos, end);
        s.pos = end;
      }
      s.skipSpace();
      if (buf[s.pos] === COMMA) {
        s.pos++;
        continue;
      }
      if (buf[s.pos] === CLOSE_OBJECT) {
        s.pos++;
        break;
      }
      s.fail(`',' or '}' after the value of key ${JSON.stringify(key)}`);
    }
  }
  s.skipSpace();
  if (s.pos < buf.length) s.fail('end of file after the top-level object');
  return out;
}

/** The elements of the list whose '[' is at s.pos, each parsed from its own slice; leaves s.pos after ']'. */
function readArray(s: Scanner, key: string, keep: (key: string, element: unknown) => unknown): unknown[] {
  const { buf } = s;
  const items: unknown[] = [];
  s.pos++;
  s.skipSpace();
  if (buf[s.pos] === CLOSE_ARRAY) {
    s.pos++;
    return items;
  }
  for (;;) {
    s.skipSpace();
    const start = s.pos;
    if (start >= buf.length) s.fail(`an element of '${key}'`);
    const end = s.valueEnd(start);
    items.push(keep(key, s.parseSlice(start, end)));
    s.pos = end;
    s.skipSpace();
    if (buf[s.pos] === COMMA) {
      s.pos++;
      continue;
    }
    if (buf[s.pos] === CLOSE_ARRAY) {
      s.pos++;
      return items;
    }
    s.fail(`',' or ']' after ${key}[${items.length - 1}]`);
  }
}
