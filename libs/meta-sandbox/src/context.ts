import type { RateLimits } from './messages/rate-limits';
import type { PhoneRecord } from './state/records';
import type { SandboxState } from './state/sandbox-state';
import type { RecordedRequest, RecordedUpload, RefusedRequest, StatusDelaysMs } from './types';
import type { WebhookDispatcher } from './webhooks/webhook-dispatcher';

/** What the route handlers share: state, limits, records and the way out (webhooks). */
export interface SandboxContext {
  readonly state: SandboxState;
  readonly limits: RateLimits;
  readonly webhooks: WebhookDispatcher;
  readonly statusDelaysMs: StatusDelaysMs;
  readonly templateReviewDelayMs: number;
  readonly appSecret: string;
  readonly apiVersion: string;
  readonly enforceServiceWindow: boolean;
  readonly sent: RecordedRequest[];
  readonly refused: RefusedRequest[];
  readonly reads: RecordedRequest[];
  readonly uploads: RecordedUpload[];
  baseUrl(): string;
  /** The callback for a WABA's webhooks: phone override, then WABA override, then the sandbox's URL. */
  callbackFor(wabaId: string, phone?: PhoneRecord): string | undefined;
  /** Runs `task` after `ms`, unless the sandbox closes first. */
  later(ms: number, task: () => Promise<unknown> | void): void;
}

export type Handler = (
  context: SandboxContext,
  request: import('./graph/http').GraphRequest,
) => Promise<unknown> | unknown;
