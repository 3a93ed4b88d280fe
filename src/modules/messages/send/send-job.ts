import type { JobsOptions } from 'bullmq';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../config/app-config';
import { OutboundMessageJobs } from '../../../queue/job-payloads';
import { messagesPerSecond } from '../../phone-numbers/dto/phone-number.dto';
import { INTERVALS_IN_PLACE } from './send-slots';

export type SendJob = { name: 'send'; data: OutboundMessageJobs['send']; opts: JobsOptions };

/** The most messages one send job hands to Meta. */
const MAX_RUN = 100;
/** A run lasts about this long at its phone's throughput (20 messages at 80/s, 100 at 1,000/s). */
const RUN_SECONDS = 0.25;

/** How many messages of a phone at this throughput one send job takes. */
export function runSize(perSecond: number): number {
  return Math.max(1, Math.min(MAX_RUN, Math.round(perSecond * RUN_SECONDS)));
}

/**
 * The delivery job of a run of messages of one phone, sent one after another at the phone's pace.
 * Its id names exactly those messages, so queueing the same run again (a batch's job run twice)
 * adds nothing while the first is waiting. What keeps a message from being sent twice is its claim
 * (`MessageDeliveryService`), not the job id.
 */
export function sendJob(
  config: AppConfig,
  phoneNumberId: string,
  messageIds: string[],
  options: { delayMs?: number; jobId?: string } = {},
): SendJob {
  const jobId =
    options.jobId ??
    (messageIds.length === 1
      ? messageIds[0]
      : `run-${createHash('sha1').update(messageIds.join(',')).digest('hex').slice(0, 24)}`);
  return {
    name: 'send',
    data: { phoneNumberId, messageIds },
    opts: {
      jobId,
      removeOnComplete: true,
      // Retries of the job itself, should the database or queue fail under it; Meta's errors are retried per message.
      attempts: config.sending.maxAttempts,
      backoff: { type: 'exponential', delay: config.sending.retryDelayMs, jitter: 0.5 },
      ...(options.delayMs && options.delayMs > 0 ? { delay: options.delayMs } : {}),
    },
  };
}

/** A retry of one message after Meta's error that may pass, `delayMs` from now. */
export function retryJob(
  config: AppConfig,
  phoneNumberId: string,
  messageId: string,
  attempts: number,
  delayMs: number,
) {
  return sendJob(config, phoneNumberId, [messageId], { delayMs, jobId: `${messageId}-retry-${attempts}` });
}

/**
 * The send jobs of many messages of one phone: runs spread over time at the phone's throughput, so
 * the n-th run becomes due about when the phone can send it. A backlog thus waits in the delayed
 * set instead of the wait list, and the other phones' jobs never queue behind it. The worker still
 * reserves each run's slots (`SendPacingService`): the spread only keeps the line short.
 */
export function spreadSendJobs(
  config: AppConfig,
  phone: { id: string; throughputLevel: string | null },
  messageIds: string[],
): SendJob[] {
  const perSecond = messagesPerSecond(phone.throughputLevel);
  const intervalMs = 1000 / perSecond;
  const size = runSize(perSecond);
  // Due a little early, like a job the worker sends away: it then waits the rest in place.
  const leadMs = (INTERVALS_IN_PLACE * intervalMs) / 2;
  const jobs: SendJob[] = [];
  for (let start = 0; start < messageIds.length; start += size) {
    const delayMs = Math.max(0, Math.floor(start * intervalMs - leadMs));
    jobs.push(sendJob(config, phone.id, messageIds.slice(start, start + size), { delayMs }));
  }
  return jobs;
}

/**
 * Records when messages sent far ahead (by more than half of `RECOVERY_AFTER_MS`) are due, so the
 * reconciler does not take a long paced backlog for lost jobs; nearer ones need nothing.
 */
export async function markDue(
  dataSource: DataSource,
  config: AppConfig,
  sends: { messageIds: string[]; delayMs: number }[],
): Promise<void> {
  const later = sends.filter((send) => send.delayMs > config.recovery.afterMs / 2);
  if (later.length === 0) {
    return;
  }
  await dataSource.query(
    `UPDATE messages m SET due_at = now() + d.delay_ms * interval '1 millisecond'
       FROM unnest($1::uuid[], $2::float8[]) AS d (id, delay_ms) WHERE m.id = d.id`,
    [later.flatMap((send) => send.messageIds), later.flatMap((send) => send.messageIds.map(() => send.delayMs))],
  );
}

/** The messages a send job names (jobs queued before runs named one). */
export function messageIdsOf(data: OutboundMessageJobs['send']): string[] {
  return data.messageIds ?? (data.messageId ? [data.messageId] : []);
}
