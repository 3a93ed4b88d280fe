import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { WebhookDeliveryJobName, WebhookDeliveryJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { WebhookDeliveryService } from './webhook-delivery.service';

/** A delivery job waits this long when its endpoint already has its share of attempts in flight. */
const BUSY_ENDPOINT_DELAY_MS = 200;
/**
 * Attempts in flight to one slow endpoint, per worker: it holds a job slot or two, never the worker.
 * A healthy endpoint is bounded only by the worker's concurrency.
 */
const MAX_IN_FLIGHT_PER_SLOW_ENDPOINT = 4;
/** Jobs in flight to any one endpoint (of the worker's 128), before it is known to be slow or fast. */
const MAX_JOBS_PER_ENDPOINT = 16;
/** Slow: its recent attempts average more than this, or one in flight has taken longer. */
const SLOW_ENDPOINT_MS = 500;
/** A due delivery this late has lost its job. */
const LOST_AFTER_MS = 60_000;
/** An event still undispatched this long after it was recorded lost its nudge. */
const UNDISPATCHED_AFTER_MS = 2_000;

@Processor(QueueName.WebhookDeliveries, { concurrency: 128 })
export class WebhookDeliveriesProcessor extends WorkerHost {
  /** Start times of the jobs in flight per endpoint, and how many attempts they carry. */
  private readonly inFlight = new Map<string, { attempts: number; startedAt: number }[]>();
  /** Moving average of each endpoint's attempt duration in this worker. */
  private readonly latencyMs = new Map<string, number>();

  constructor(private readonly deliveries: WebhookDeliveryService) {
    super();
  }

  async process(
    job: Job<WebhookDeliveryJobs[WebhookDeliveryJobName], unknown, WebhookDeliveryJobName>,
    token?: string,
  ): Promise<unknown> {
    switch (job.name) {
      case 'dispatch':
        return { deliveries: await this.deliveries.dispatchPending() };
      case 'sweep':
        return {
          deliveries: await this.deliveries.dispatchPending(UNDISPATCHED_AFTER_MS),
          requeued: await this.deliveries.requeueDue(LOST_AFTER_MS),
        };
      case 'deliver': {
        const { deliveryId, endpointId } = job.data as WebhookDeliveryJobs['deliver'];
        return this.withEndpointSlot(job, token, endpointId, 1, () =>
          this.deliveries.attemptBatch([deliveryId], endpointId),
        );
      }
      case 'deliver-batch': {
        const { deliveryIds, endpointId } = job.data as WebhookDeliveryJobs['deliver-batch'];
        return this.withEndpointSlot(job, token, endpointId, deliveryIds.length, () =>
          this.deliveries.attemptBatch(deliveryIds, endpointId),
        );
      }
    }
  }

  /**
   * Runs `work` (that many attempts to one endpoint) unless the endpoint already has its share in
   * flight in this worker; then the job steps aside briefly, without counting as an attempt.
   */
  private async withEndpointSlot<T>(
    job: Job,
    token: string | undefined,
    endpointId: string,
    attempts: number,
    work: () => Promise<T>,
  ): Promise<T> {
    const now = performance.now();
    const running = this.inFlight.get(endpointId) ?? [];
    const busy = running.reduce((sum, entry) => sum + entry.attempts, 0);
    const slow =
      (this.latencyMs.get(endpointId) ?? 0) > SLOW_ENDPOINT_MS ||
      running.some((entry) => now - entry.startedAt > SLOW_ENDPOINT_MS);
    if (
      running.length >= MAX_JOBS_PER_ENDPOINT ||
      (slow && busy > 0 && busy + attempts > MAX_IN_FLIGHT_PER_SLOW_ENDPOINT)
    ) {
      await job.moveToDelayed(Date.now() + BUSY_ENDPOINT_DELAY_MS, token);
      throw new DelayedError();
    }
    const entry = { attempts, startedAt: now };
    this.inFlight.set(endpointId, [...running, entry]);
    try {
      return await work();
    } finally {
      this.latencyMs.set(endpointId, 0.8 * (this.latencyMs.get(endpointId) ?? 0) + 0.2 * (performance.now() - now));
      const left = (this.inFlight.get(endpointId) ?? []).filter((candidate) => candidate !== entry);
      if (left.length > 0) {
        this.inFlight.set(endpointId, left);
      } else {
        this.inFlight.delete(endpointId);
      }
    }
  }
}
