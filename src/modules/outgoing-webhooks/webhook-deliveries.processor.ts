import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { WebhookDeliveryJobName, WebhookDeliveryJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { WebhookDeliveryService } from './webhook-delivery.service';

/** A delivery job waits this long when its endpoint already has its share of attempts in flight. */
const BUSY_ENDPOINT_DELAY_MS = 200;
/** Attempts in flight to one endpoint, per worker: a slow endpoint holds at most a few slots. */
const MAX_IN_FLIGHT_PER_ENDPOINT = 32;
const MAX_IN_FLIGHT_PER_SLOW_ENDPOINT = 4;
/** An endpoint whose recent attempts average more than this is slow. */
const SLOW_ENDPOINT_MS = 500;
/** A due delivery this late has lost its job. */
const LOST_AFTER_MS = 60_000;
/** An event still undispatched this long after it was recorded lost its nudge. */
const UNDISPATCHED_AFTER_MS = 2_000;

@Processor(QueueName.WebhookDeliveries, { concurrency: 128 })
export class WebhookDeliveriesProcessor extends WorkerHost {
  private readonly inFlight = new Map<string, number>();
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
      case 'deliver':
        return this.deliver(job as Job<WebhookDeliveryJobs['deliver']>, token);
    }
  }

  private async deliver(job: Job<WebhookDeliveryJobs['deliver']>, token?: string): Promise<unknown> {
    const { deliveryId, endpointId } = job.data;
    const busy = this.inFlight.get(endpointId) ?? 0;
    const slow = (this.latencyMs.get(endpointId) ?? 0) > SLOW_ENDPOINT_MS;
    if (busy >= (slow ? MAX_IN_FLIGHT_PER_SLOW_ENDPOINT : MAX_IN_FLIGHT_PER_ENDPOINT)) {
      // Not an attempt: this endpoint is slow, so its jobs step aside for everyone else's.
      await job.moveToDelayed(Date.now() + BUSY_ENDPOINT_DELAY_MS, token);
      throw new DelayedError();
    }
    this.inFlight.set(endpointId, busy + 1);
    const started = performance.now();
    try {
      const delivery = await this.deliveries.attempt(deliveryId, endpointId);
      this.latencyMs.set(endpointId, 0.8 * (this.latencyMs.get(endpointId) ?? 0) + 0.2 * (performance.now() - started));
      return { status: delivery?.status ?? 'skipped', attempts: delivery?.attempts };
    } finally {
      const left = (this.inFlight.get(endpointId) ?? 1) - 1;
      if (left > 0) {
        this.inFlight.set(endpointId, left);
      } else {
        this.inFlight.delete(endpointId);
      }
    }
  }
}
