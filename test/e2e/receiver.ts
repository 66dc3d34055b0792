/**
 * A webhook receiver on 127.0.0.1 for the delivery tests: it verifies every
 * request's signature with the `standardwebhooks` package (the reference
 * implementation, not robofy's own code) and answers as scripted: statuses,
 * 429 with Retry-After, a hang, a reset connection. It can serve HTTPS.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answers (the client's timeout must end it). */
  | { kind: 'hang' }
  /** Destroys the connection without a response. */
  | { kind: 'reset' };

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  /** The signature checked out against the secret with standardwebhooks. */
  verified: boolean;
  /** The reply it got. */
  reply: Reply;
}

export interface ReceiverOptions {
  /** Serve HTTPS with this key and certificate. */
  tls?: { key: string; cert: string };
  /** The host name in `url` (default 127.0.0.1); it listens on 127.0.0.1 whatever the name. */
  name?: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Connections accepted; on HTTPS, `cleartext` counts those that did not open with a TLS handshake. */
  connections: { total: number; cleartext: number };
  /** Bodies (parsed) of the requests answered 2xx, in order. */
  delivered(): Record<string, unknown>[];
  /** Replies for the next requests, in order; then `fallback`. */
  script(replies: Reply[]): void;
  /** What every request gets once the script is used up (default 200). */
  fallback(reply: Reply | ((body: Record<string, unknown>) => Reply)): void;
  close(): Promise<void>;
}

export async function startReceiver(secret: string, options: ReceiverOptions = {}): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const connections = { total: 0, cleartext: 0 };
  let scripted: Reply[] = [];
  let fallback: Reply | ((body: Record<string, unknown>) => Reply) = { status: 200, body: '{"ok":true}' };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        verifier.verify(body, {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        });
        verified = true;
      } catch {
        verified = false;
      }
      const next = scripted.shift() ?? (typeof fallback === 'function' ? fallback(JSON.parse(body) as Record<string, unknown>) : fallback);
      requests.push({ headers: req.headers, body, verified, reply: next });
      if ('kind' in next) {
        if (next.kind === 'reset') req.socket.destroy();
        return;
      }
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(next.body ?? '');
    });
  };
  const https = options.tls && createHttpsServer(options.tls, handler);
  const server = https
    ? // Each connection's first bytes are looked at before TLS takes it: a TLS handshake record starts with 22.
      createTcpServer((socket) =>
        socket.once('data', (first: Buffer) => {
          if (first[0] !== 22) connections.cleartext++;
          socket.pause();
          socket.unshift(first);
          https.emit('connection', socket);
        }),
      )
    : createServer(handler);
  server.on('connection', (socket: Socket) => {
    connections.total++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${https ? 'https' : 'http'}://${options.name ?? '127.0.0.1'}:${port}/hooks/robofy`,
    requests,
    connections,
    delivered: () =>
      requests
        .filter((request) => 'status' in request.reply && request.reply.status >= 200 && request.reply.status < 300)
        .map((request) => JSON.parse(request.body) as Record<string, unknown>),
    script: (replies) => {
      scripted = [...replies];
    },
    fallback: (reply) => {
      fallback = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
