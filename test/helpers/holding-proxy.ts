import { createServer, IncomingMessage, request as forwardRequest, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy holds: its body is not read (the client's upload stalls) until it is let through or failed. */
export interface HeldRequest {
  method: string;
  url: string;
  /** Forwards the request, its body and the answer, as if nothing had happened. */
  release(): void;
  /** Answers it without forwarding (the body is drained first). */
  fail(status: number, body: unknown): void;
}

export interface HoldingProxy {
  url: string;
  /** Requests held so far, oldest first; released and failed ones stay listed. */
  held: HeldRequest[];
  /** Holds the requests `match` picks from now on; `undefined` lets everything through again. */
  hold(match: ((request: IncomingMessage) => boolean) | undefined): void;
  close(): Promise<void>;
}

/**
 * An HTTP reverse proxy in front of `target` (the sandbox standing in for Meta) that can stall
 * chosen requests mid-flight, to see what a service does while a call to Meta is in progress.
 */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let match: ((request: IncomingMessage) => boolean) | undefined;
  const held: HeldRequest[] = [];

  function forward(request: IncomingMessage, response: ServerResponse): void {
    const upstream = forwardRequest(
      new URL(request.url ?? '/', target),
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  }

  const server = createServer((request, response) => {
    if (!match?.(request)) {
      return forward(request, response);
    }
    let settled = false;
    const once = (action: () => void) => () => {
      if (!settled) {
        settled = true;
        action();
      }
    };
    held.push({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      release: once(() => forward(request, response)),
      fail: (status, body) =>
        once(() => {
          request.resume();
          request.on('end', () =>
            response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
          );
        })(),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    hold: (next) => {
      match = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
