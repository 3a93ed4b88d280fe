import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../../../config/app-config';
import { OutboundMessageJobs } from '../../../queue/job-payloads';

/**
 * The delivery job of one accepted message. Its id is the message id, so a message has at most one
 * live job however often it is queued again (reconciler, replays).
 */
export function sendJob(
  config: AppConfig,
  messageId: string,
  phoneNumberId: string,
): { name: 'send'; data: OutboundMessageJobs['send']; opts: JobsOptions } {
  return {
    name: 'send',
    data: { messageId, phoneNumberId },
    opts: {
      jobId: messageId,
      removeOnComplete: true,
      attempts: config.sending.maxAttempts,
      backoff: { type: 'exponential', delay: config.sending.retryDelayMs, jitter: 0.5 },
    },
  };
}
