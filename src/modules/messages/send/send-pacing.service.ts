import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { OutboundMessageJobs } from '../../../queue/job-payloads';
import { messagesPerSecond } from '../../phone-numbers/dto/phone-number.dto';
import { PhoneNumber } from '../../phone-numbers/phone-number.entity';
import { markDue, messageIdsOf } from './send-job';
import { INTERVALS_IN_PLACE, SEND_SLOTS, SendSlots } from './send-slots';

/** How long a phone's throughput level is trusted before it is read again. */
const RATE_TTL_MS = 10_000;

type SendJob = Job<OutboundMessageJobs['send']>;

/** When a run's first message may go, and the wait between its messages. */
export interface RunSlots {
  firstAt: number;
  intervalMs: number;
}

/**
 * Keeps each phone number at its Meta throughput (80/s, or 1,000/s at the top tier). A job whose
 * slots are later is delayed until just before them, so it holds no worker meanwhile: a phone with
 * a huge backlog only spaces its own messages and never starves the other phones' jobs.
 */
@Injectable()
export class SendPacingService {
  private readonly rates = new Map<string, { perSecond: number; until: number }>();

  constructor(
    @Inject(SEND_SLOTS) private readonly slots: SendSlots,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Reserves the slots of the job's `count` messages. Answers when the first may go (epoch ms, a
   * few intervals away at most) and the interval between them; or null when the job was moved to
   * just before its slots (throw `DelayedError`).
   */
  async takeSlots(job: SendJob, token: string | undefined, count: number): Promise<RunSlots | null> {
    const { phoneNumberId, slotAt, slotAttempt } = job.data;
    const perSecond = await this.perSecond(phoneNumberId);
    const intervalMs = 1000 / perSecond;
    // Slots reserved before the job was delayed belong to that attempt only; a retry takes new ones.
    if (slotAt !== undefined && slotAttempt === job.attemptsMade) {
      return { firstAt: slotAt, intervalMs };
    }
    const waitMs = await this.slots.reserve(phoneNumberId, perSecond, count);
    const inPlaceMs = INTERVALS_IN_PLACE * intervalMs;
    if (waitMs <= inPlaceMs) {
      return { firstAt: Date.now() + waitMs, intervalMs };
    }
    const firstAt = Date.now() + waitMs;
    await markDue(this.dataSource, this.config, [{ messageIds: messageIdsOf(job.data), delayMs: waitMs }]);
    await job.updateData({ ...job.data, slotAt: firstAt, slotAttempt: job.attemptsMade });
    await job.moveToDelayed(firstAt - inPlaceMs / 2, token);
    return null;
  }

  private async perSecond(phoneNumberId: string): Promise<number> {
    const cached = this.rates.get(phoneNumberId);
    if (cached && cached.until > Date.now()) {
      return cached.perSecond;
    }
    const phone = await this.dataSource.getRepository(PhoneNumber).findOneBy({ id: phoneNumberId });
    const perSecond = messagesPerSecond(phone?.throughputLevel ?? null);
    this.rates.set(phoneNumberId, { perSecond, until: Date.now() + RATE_TTL_MS });
    return perSecond;
  }
}
