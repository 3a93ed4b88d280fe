import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { DeliveredWebhook, WebhookBatching, WebhookRetry } from '../types';

const ATTEMPT_TIMEOUT_MS = 10_000;

export function signatureOf(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** One `entry[].changes[]` item, for the WABA it belongs to. */
export interface WebhookChange {
  wabaId: string;
  change: { field: string; value: Record<string, unknown> };
}

interface PendingChange extends WebhookChange {
  done: (delivered: boolean) => void;
}

/** Changes waiting for one callback while its POSTs are in flight. */
interface CallbackLine {
  pending: PendingChange[];
  inFlight: number;
  scheduled: boolean;
}

/**
 * POSTs Meta-shaped webhooks, signed like Meta signs them, and retries while the callback fails
 * (non-2xx or unreachable) with doubling waits. Pending retries end when the sandbox closes.
 *
 * Changes sent with `deliverChange` (statuses) are batched as Meta batches them under load: while
 * `batching.inFlight` POSTs to a callback are unanswered, further changes wait, and the next POST
 * carries up to `batching.maxChanges` of them (an entry per WABA, a change each). A callback that
 * keeps up gets one change per POST.
 */
export class WebhookDispatcher {
  private readonly log: DeliveredWebhook[] = [];
  /** Waits between attempts; closing ends them at once, so no delivery outlives the sandbox. */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private readonly lines = new Map<string, CallbackLine>();
  private closed = false;

  constructor(
    private readonly appSecret: string,
    private readonly retry: WebhookRetry,
    private readonly batching: WebhookBatching = { maxChanges: 100, inFlight: 8 },
  ) {}

  /** Resolves once the POST that carried the change was acknowledged (true) or gave up (false). */
  deliverChange(url: string | undefined, change: WebhookChange): Promise<boolean> {
    if (!url) {
      return Promise.resolve(false);
    }
    if (this.batching.maxChanges <= 1) {
      return this.deliver(url, batchPayload([change]));
    }
    return new Promise((done) => {
      const line = this.lines.get(url) ?? { pending: [], inFlight: 0, scheduled: false };
      this.lines.set(url, line);
      line.pending.push({ ...change, done });
      this.drain(url, line);
    });
  }

  private drain(url: string, line: CallbackLine): void {
    if (line.scheduled || line.pending.length === 0 || line.inFlight >= this.batching.inFlight) {
      return;
    }
    // The next turn of the event loop: changes made in this one go out together.
    line.scheduled = true;
    setImmediate(() => {
      line.scheduled = false;
      const batch = line.pending.splice(0, this.batching.maxChanges);
      if (batch.length === 0) {
        return;
      }
      line.inFlight += 1;
      this.drain(url, line);
      void this.deliver(url, batchPayload(batch)).then((delivered) => {
        line.inFlight -= 1;
        for (const change of batch) {
          change.done(delivered);
        }
        this.drain(url, line);
      });
    });
  }

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

/** One webhook for these changes: an entry per WABA, in order of first appearance. */
function batchPayload(changes: WebhookChange[]) {
  const entries = new Map<string, { id: string; changes: WebhookChange['change'][] }>();
  for (const { wabaId, change } of changes) {
    const entry = entries.get(wabaId) ?? { id: wabaId, changes: [] };
    entries.set(wabaId, entry);
    entry.changes.push(change);
  }
  return { object: 'whatsapp_business_account', entry: [...entries.values()] };
}
