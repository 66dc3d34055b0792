/**
 * A real HTTP CONNECT proxy on 127.0.0.1 for tests: it can require Basic
 * auth, maps test host names (api.robofy.test) to local addresses so the CLI
 * reaches them only through it, and records every tunnel it was asked for.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyOptions {
  /** `user:password` the proxy requires; unset: no auth. */
  credentials?: string;
  /** Host name -> address the proxy connects to instead (the port is kept). */
  hosts?: Record<string, string>;
  /** Answer every CONNECT with this status instead of tunnelling. */
  refuseWith?: number;
}

export interface ConnectRecord {
  /** host:port as asked. */
  target: string;
  /** The Proxy-Authorization header, if any. */
  authorization: string | undefined;
  /** The status the proxy answered. */
  status: number;
}

export interface TestProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  connects: ConnectRecord[];
  close(): Promise<void>;
}

export async function startConnectProxy(options: ProxyOptions = {}): Promise<TestProxy> {
  const connects: ConnectRecord[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end('this test proxy only tunnels (CONNECT)\n'));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const record: ConnectRecord = { target, authorization: req.headers['proxy-authorization'], status: 200 };
    connects.push(record);
    const answer = (status: number, text: string, extra = ''): void => {
      record.status = status;
      client.end(`HTTP/1.1 ${status} ${text}\r\n${extra}content-length: 0\r\n\r\n`);
    };
    if (options.credentials !== undefined && record.authorization !== `Basic ${Buffer.from(options.credentials).toString('base64')}`) {
      return answer(407, 'Proxy Authentication Required', 'proxy-authenticate: Basic realm="test"\r\n');
    }
    if (options.refuseWith !== undefined) return answer(options.refuseWith, 'Refused');
    const match = /^(.+):(\d+)$/.exec(target);
    if (!match) return answer(400, 'Bad Request');
    const host = options.hosts?.[match[1]!] ?? match[1]!;
    const upstream = connect(Number(match[2]), host.replace(/^\[|\]$/g, ''));
    sockets.add(upstream);
    let tunnelled = false;
    upstream.once('connect', () => {
      tunnelled = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', () => (tunnelled ? client.destroy() : answer(502, 'Bad Gateway')));
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
