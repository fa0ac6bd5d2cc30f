// A local HTTP server (127.0.0.1 only) that serves fixture archives with Range support, and can misbehave
// on purpose: drop the first connection part-way, or ignore Range headers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  path: string;
  range: string | undefined;
}

export interface ArchiveServer {
  url(path: string): string;
  requests: ServedRequest[];
  /** Drop the next `count` responses after `bytes` bytes of the body. */
  cutNext(count: number, bytes: number): void;
  ignoreRange: boolean;
  close(): Promise<void>;
}

export async function startArchiveServer(files: Record<string, Uint8Array>): Promise<ArchiveServer> {
  const requests: ServedRequest[] = [];
  let cuts = 0;
  let cutAt = 0;
  const state = { ignoreRange: false };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    requests.push({ path, range: req.headers.range });
    const body = files[path];
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && !state.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    } else {
      res.writeHead(200, { 'Content-Length': body.length });
    }
    const rest = body.subarray(start);
    if (cuts > 0) {
      cuts--;
      // Cut a while after the bytes went out: fetch drops body chunks still queued when its stream errors,
      // so an immediate cut would sometimes leave the client with none of them to resume from.
      res.write(rest.subarray(0, cutAt), () => setTimeout(() => res.socket?.end(), 500));
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p) => `http://127.0.0.1:${port}/${p}`,
    requests,
    cutNext(count, bytes) {
      cuts = count;
      cutAt = bytes;
    },
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(v: boolean) {
      state.ignoreRange = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
