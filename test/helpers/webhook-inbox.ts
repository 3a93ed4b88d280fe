import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: any;
}

interface Waiter {
  match: (webhook: ReceivedWebhook) => boolean;
  resolve: (webhook: ReceivedWebhook) => void;
}

/**
 * A webhook receiver over real HTTP: records every POST and lets a test await the one it expects.
 * `failNext(n)` answers the next n POSTs with 500, to exercise the sender's retries.
 */
export class WebhookInbox {
  readonly received: ReceivedWebhook[] = [];
  /** When each request arrived (accepted or not). */
  readonly arrivals: number[] = [];
  private readonly waiters = new Set<Waiter>();
  private failures = 0;
  /** `ok` answers 200; `gone` answers 410; `hang` never answers. */
  mode: 'ok' | 'gone' | 'hang' = 'ok';
  private server?: Server;
  url = '';

  static async start(): Promise<WebhookInbox> {
    const inbox = new WebhookInbox();
    await inbox.listen();
    return inbox;
  }

  failNext(count: number): void {
    this.failures = count;
  }

  /** Resolves with the first webhook (already received or still to come) that `match` accepts. */
  next(what: string, match: (webhook: ReceivedWebhook) => boolean, timeoutMs = 10_000): Promise<ReceivedWebhook> {
    const seen = this.received.find(match);
    if (seen) {
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`No webhook for ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (webhook) => {
          clearTimeout(timer);
          resolve(webhook);
        },
      };
      this.waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  private listen(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.arrivals.push(Date.now());
        if (this.mode === 'hang') {
          return;
        }
        if (this.mode === 'gone') {
          response.writeHead(410).end();
          return;
        }
        if (this.failures > 0) {
          this.failures -= 1;
          response.writeHead(500).end();
          return;
        }
        const raw = Buffer.concat(chunks);
        const webhook = { headers: request.headers, raw, body: JSON.parse(raw.toString('utf8') || 'null') };
        this.received.push(webhook);
        response.writeHead(200).end();
        for (const waiter of this.waiters) {
          if (waiter.match(webhook)) {
            this.waiters.delete(waiter);
            waiter.resolve(webhook);
          }
        }
      });
    });
    return new Promise((resolve) => {
      this.server!.listen(0, '127.0.0.1', () => {
        this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/hook`;
        resolve();
      });
    });
  }
}

/** Every status a `messages` webhook carries, in order (Meta may batch many in one POST). */
export const statusesOf = (webhook: ReceivedWebhook): any[] =>
  (webhook.body?.entry ?? []).flatMap((entry: any) =>
    (entry.changes ?? []).flatMap((change: any) => change.value?.statuses ?? []),
  );
/** The status of this message in a webhook (the first one, without a message id), if it carries one. */
export const statusOf = (webhook: ReceivedWebhook, messageId?: string, status?: string) =>
  statusesOf(webhook).find(
    (candidate) => (!messageId || candidate.id === messageId) && (!status || candidate.status === status),
  );
/** The first inbound message of a `messages` webhook, if it carries one. */
export const messageOf = (webhook: ReceivedWebhook) => webhook.body?.entry?.[0]?.changes?.[0]?.value?.messages?.[0];
