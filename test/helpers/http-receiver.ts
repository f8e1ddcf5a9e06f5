// Test helper: a real HTTP server on 127.0.0.1 (ephemeral port) that records requests, standing in for webhooks.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers instead of the canned response (e.g. to stall past a client timeout). */
export type ReceiverHandler = (request: ReceivedRequest, response: ServerResponse) => void | Promise<void>;

export interface Receiver {
  /** Base URL, e.g. `http://127.0.0.1:49152`; append any path. */
  url: string;
  requests: ReceivedRequest[];
  setResponse(status: number, body: string, headers?: Record<string, string>): void;
  stop(): Promise<void>;
}

export async function startReceiver(handler?: ReceiverHandler): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let canned = { status: 200, body: 'ok', headers: { 'content-type': 'text/plain' } as Record<string, string> };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      if (handler) {
        Promise.resolve(handler(request, res)).catch(() => res.destroy());
        return;
      }
      res.writeHead(canned.status, canned.headers);
      res.end(canned.body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setResponse(status, body, headers = {}) {
      canned = { status, body, headers: { 'content-type': 'text/plain', ...headers } };
    },
    stop() {
      // Stalled handlers keep sockets open; close them so the test run does not hang.
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
