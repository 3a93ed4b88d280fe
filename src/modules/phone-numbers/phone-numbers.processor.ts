import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { PhoneNumberJobName, PhoneNumberJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { PhoneNumbersService } from './phone-numbers.service';

@Processor(QueueName.PhoneNumbers)
export class PhoneNumbersProcessor extends WorkerHost {
  constructor(private readonly phoneNumbers: PhoneNumbersService) {
    super();
  }

  async process(job: Job<PhoneNumberJobs[PhoneNumberJobName], unknown, PhoneNumberJobName>): Promise<unknown> {
    switch (job.name) {
      case 'resync-phone': {
        const { phoneNumberId } = job.data as PhoneNumberJobs['resync-phone'];
        const phone = await this.phoneNumbers.resync(phoneNumberId);
        return { syncedAt: phone?.lastSyncedAt ?? null };
      }
      case 'resync-stale-phones':
        return { queued: await this.phoneNumbers.resyncStale() };
    }
  }
}
