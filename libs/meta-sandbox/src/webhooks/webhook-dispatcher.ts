import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DeliveredWebhook, WebhookRetry } from '../types';

const ATTEMPT_TIMEOUT_MS = 10_000;

export function signatureOf(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/**
 * POSTs Meta-shaped webhooks, signed like Meta signs them, and retries while the callback fails
 * (non-2xx or unreachable) with doubling waits. Pending retries end when the sandbox closes.
 */
export class WebhookDispatcher {
  private readonly log: DeliveredWebhook[] = [];
  /** Waits between attempts; closing ends them at once, so no delivery outlives the sandbox. */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly appSecret: string,
    private readonly retry: WebhookRetry,
  ) {}

  delivered(): DeliveredWebhook[] {
    return [...this.log];
  }

  /** Resolves true once the callback acknowledged with a 2xx, false when every attempt failed. */
  async deliver(url: string | undefined, body: unknown): Promise<boolean> {
    if (!url) {
      return false;
    }
    const raw = JSON.stringify(body);
    for (let attempt = 1; attempt <= this.retry.attempts && !this.closed; attempt += 1) {
      const status = await this.post(url, raw);
      this.log.push({ body, status });
      if (status >= 200 && status < 300) {
        return true;
      }
      if (attempt < this.retry.attempts) {
        await this.wait(this.retry.backoffMs * 2 ** (attempt - 1));
      }
    }
    return false;
  }

  close(): void {
    this.closed = true;
    for (const [timer, end] of this.waits) {
      clearTimeout(timer);
      end();
    }
    this.waits.clear();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      this.waits.set(timer, resolve);
    });
  }

  private post(url: string, raw: string): Promise<number> {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : request;
    return new Promise((resolve) => {
      const outgoing = send(
        target,
        {
          method: 'POST',
          timeout: ATTEMPT_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(raw),
            'user-agent': 'facebookexternalua',
            'x-hub-signature-256': signatureOf(raw, this.appSecret),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', () => resolve(0));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
      outgoing.on('error', () => resolve(0));
      outgoing.end(raw);
    });
  }
}
