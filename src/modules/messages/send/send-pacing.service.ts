import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { OutboundMessageJobs } from '../../../queue/job-payloads';
import { messagesPerSecond } from '../../phone-numbers/dto/phone-number.dto';
import { PhoneNumber } from '../../phone-numbers/phone-number.entity';
import { markDue } from './send-job';
import { INTERVALS_IN_PLACE, SEND_SLOTS, SendSlots } from './send-slots';

/** How long a phone's throughput level is trusted before it is read again. */
const RATE_TTL_MS = 10_000;

type SendJob = Job<OutboundMessageJobs['send']>;

/**
 * Keeps each phone number at its Meta throughput (80/s, or 1,000/s at the top tier). A job whose
 * slot is later is delayed until just before it, so it holds no worker meanwhile: a phone with a
 * huge backlog only spaces its own messages and never starves the other phones' jobs.
 */
@Injectable()
export class SendPacingService {
  private readonly rates = new Map<string, { perSecond: number; until: number }>();

  constructor(
    @Inject(SEND_SLOTS) private readonly slots: SendSlots,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True when the message may go now; false when its job was moved to its slot (throw `DelayedError`). */
  async takeSlot(job: SendJob, token: string | undefined): Promise<boolean> {
    const reserved = job.data;
    // A slot reserved before the job was delayed belongs to that attempt only; a retry takes a new one.
    if (reserved.slotAt !== undefined && reserved.slotAttempt === job.attemptsMade) {
      await sleep(Math.max(0, reserved.slotAt - Date.now()));
      return true;
    }
    const { phoneNumberId } = job.data;
    const perSecond = await this.perSecond(phoneNumberId);
    const waitMs = await this.slots.reserve(phoneNumberId, perSecond);
    const inPlaceMs = (INTERVALS_IN_PLACE * 1000) / perSecond;
    if (waitMs <= inPlaceMs) {
      await sleep(waitMs);
      return true;
    }
    const slotAt = Date.now() + waitMs;
    await markDue(this.dataSource, this.config, [{ messageId: job.data.messageId, delayMs: waitMs }]);
    await job.updateData({ ...job.data, slotAt, slotAttempt: job.attemptsMade });
    await job.moveToDelayed(slotAt - inPlaceMs / 2, token);
    return false;
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
