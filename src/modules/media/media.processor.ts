import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { MediaJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { MediaService } from './media.service';

@Processor(QueueName.Media, { concurrency: 8 })
export class MediaProcessor extends WorkerHost {
  constructor(private readonly media: MediaService) {
    super();
  }

  async process(job: Job<MediaJobs['download-inbound-media']>): Promise<unknown> {
    const media = await this.media.downloadInbound(job.data.mediaId);
    return { status: media?.status ?? 'failed' };
  }
}
