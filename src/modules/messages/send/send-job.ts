import type { JobsOptions } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../config/app-config';
import { OutboundMessageJobs } from '../../../queue/job-payloads';
import { messagesPerSecond } from '../../phone-numbers/dto/phone-number.dto';
import { INTERVALS_IN_PLACE } from './send-slots';

type SendJob = { name: 'send'; data: OutboundMessageJobs['send']; opts: JobsOptions };

/**
 * The delivery job of one accepted message. Its id is the message id, so a message has at most one
 * live job however often it is queued again (reconciler, replays).
 */
export function sendJob(config: AppConfig, messageId: string, phoneNumberId: string, delayMs = 0): SendJob {
  return {
    name: 'send',
    data: { messageId, phoneNumberId },
    opts: {
      jobId: messageId,
      removeOnComplete: true,
      attempts: config.sending.maxAttempts,
      backoff: { type: 'exponential', delay: config.sending.retryDelayMs, jitter: 0.5 },
      ...(delayMs > 0 ? { delay: delayMs } : {}),
    },
  };
}

/**
 * The jobs of many messages of one phone, spread over time at the phone's throughput: the n-th
 * becomes due about when the phone can send it, so a backlog waits in the delayed set instead of
 * the wait list, and the other phones' jobs never queue behind it. The worker still reserves each
 * send's slot (`SendPacingService`): the spread only keeps the line short.
 */
export function spreadSendJobs(
  config: AppConfig,
  phone: { id: string; throughputLevel: string | null },
  messageIds: string[],
): SendJob[] {
  const intervalMs = 1000 / messagesPerSecond(phone.throughputLevel);
  // Due a little early, like a job the worker sends away: it then waits the rest in place.
  const leadMs = (INTERVALS_IN_PLACE * intervalMs) / 2;
  return messageIds.map((messageId, index) =>
    sendJob(config, messageId, phone.id, Math.max(0, Math.floor(index * intervalMs - leadMs))),
  );
}

/**
 * Records when messages sent far ahead (by more than half of `RECOVERY_AFTER_MS`) are due, so the
 * reconciler does not take a long paced backlog for lost jobs; nearer ones need nothing.
 */
export async function markDue(
  dataSource: DataSource,
  config: AppConfig,
  sends: { messageId: string; delayMs: number }[],
): Promise<void> {
  const later = sends.filter((send) => send.delayMs > config.recovery.afterMs / 2);
  if (later.length === 0) {
    return;
  }
  await dataSource.query(
    `UPDATE messages m SET due_at = now() + d.delay_ms * interval '1 millisecond'
       FROM unnest($1::uuid[], $2::float8[]) AS d (id, delay_ms) WHERE m.id = d.id`,
    [later.map((send) => send.messageId), later.map((send) => send.delayMs)],
  );
}
