// The local HTTP front door: turns requests into API Gateway HTTP API (2.0) events for the same handlers.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const MAX_BODY = 6 * 1024 * 1024; // API Gateway's payload limit

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('payload too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function toHttpEvent(req: IncomingMessage, body: Buffer, port: number): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => {
    query[k] = v;
  });
  const method = (req.method ?? 'GET').toUpperCase();
  const now = new Date();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: `127.0.0.1:${port}`,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (body.length) event.body = body.toString('utf8');
  return event;
}

export interface Route {
  method: string;
  path: string;
  handler: HttpHandler;
}

/** Serves `routes` (exact method + path) first, then `fallback` for everything else. */
export function startHttpServer(
  port: number,
  routes: Route[],
  fallback: HttpHandler,
  host = '127.0.0.1',
): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const event = toHttpEvent(req, body, actualPort);
      const route = routes.find((r) => r.method === event.requestContext.http.method && r.path === event.rawPath);
      const result = await (route?.handler ?? fallback)(event);
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
      res.end(result.body ?? '');
    } catch (e) {
      const tooLarge = (e as Error).message === 'payload too large';
      res.writeHead(tooLarge ? 413 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: tooLarge ? 'payload too large (max 6 MB)' : 'internal error' }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
