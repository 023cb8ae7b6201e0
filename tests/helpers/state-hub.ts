import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingMessage['headers'];
}

/** Answers one request; `n` is its 1-based position among all requests the hub saw. */
export type HubHandler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface StateHubStandIn {
  /** Base URL to use as KAIZEN_STATE_HUB_URL. */
  url: string;
  requests: SeenRequest[];
  /** Answers the following requests in turn; the last handler keeps answering. */
  respond(...handlers: HubHandler[]): void;
  close(): Promise<void>;
}

export const json = (body: unknown, status = 200): HubHandler => (_req, res) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

export const raw = (status: number, text: string, headers: Record<string, string> = {}): HubHandler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
};

/**
 * A real HTTP server standing in for the State Hub on 127.0.0.1 (port 0),
 * programmable per test. Every request is recorded, whatever its path.
 */
export async function startStateHub(): Promise<StateHubStandIn> {
  let handlers: HubHandler[] = [json([])];
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const n = requests.length;
    const handler = handlers[Math.min(n - 1, handlers.length - 1)]!;
    handler(req, res, n);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond(...next: HubHandler[]) {
      handlers = next;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on 127.0.0.1 where nothing listens: a port was bound, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
