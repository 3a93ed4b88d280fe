import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isRetryable } from '@libs/meta-graph';
import type { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { MediaJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { PhoneNumber } from '../phone-numbers/phone-number.entity';
import { WabasService } from '../wabas/wabas.service';
import { Media } from './media.entity';
import { MEDIA_STORAGE, MediaStorage } from './media-storage';

@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @InjectQueue(QueueName.Media) private readonly queue: Queue,
    private readonly wabas: WabasService,
  ) {}

  async get(principal: ApiKeyPrincipal, id: string): Promise<Media> {
    const media = await this.dataSource.getRepository(Media).findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!media) {
      throw AppException.notFound('Media');
    }
    return media;
  }

  async content(principal: ApiKeyPrincipal, id: string): Promise<{ media: Media; stream: Readable }> {
    const media = await this.get(principal, id);
    if (media.status !== 'ready' || !media.storageKey) {
      throw new AppException(
        ErrorCode.Conflict,
        media.status === 'failed'
          ? `Media ${id} could not be downloaded from WhatsApp: ${media.error ?? 'unknown error'}`
          : `Media ${id} is still being downloaded from WhatsApp; try again shortly`,
      );
    }
    return { media, stream: this.storage.read(media.storageKey) };
  }

  /** Queues the downloads of inbound media rows (after their transaction committed). */
  async queueDownloads(mediaIds: string[]): Promise<void> {
    if (mediaIds.length === 0) {
      return;
    }
    await this.queue.addBulk(
      mediaIds.map((mediaId) => ({
        name: 'download-inbound-media',
        data: { mediaId } satisfies MediaJobs['download-inbound-media'],
        opts: { jobId: `download-${mediaId}` },
      })),
    );
  }

  /**
   * Fetches a customer's media from Meta (its URL lives five minutes, so it is asked for each
   * attempt) and keeps the bytes. Errors Meta says are final mark the media failed; others retry.
   */
  async downloadInbound(mediaId: string): Promise<Media | null> {
    const repository = this.dataSource.getRepository(Media);
    const media = await repository.findOneBy({ id: mediaId });
    if (!media || media.status === 'ready' || !media.metaMediaId || !media.phoneNumberId) {
      return media;
    }
    const phone = await this.dataSource.getRepository(PhoneNumber).findOneByOrFail({ id: media.phoneNumberId });
    const waba = await this.wabas.findById(phone.wabaId);
    if (!waba) {
      throw new Error(`WABA of phone ${phone.id} is gone`);
    }
    try {
      const { graph, token } = await this.wabas.access(waba);
      const info = await graph.getMedia(token, media.metaMediaId, phone.metaPhoneNumberId);
      const { bytes, mimeType } = await graph.downloadMedia(token, info.url);
      const storageKey = `${media.organizationId}/${media.id}`;
      await this.storage.put(storageKey, bytes);
      const update = {
        status: 'ready' as const,
        storageKey,
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        mimeType: info.mime_type ?? mimeType ?? media.mimeType,
        error: null,
      };
      await repository.update({ id: media.id }, update);
      return Object.assign(media, update);
    } catch (error) {
      if (isRetryable(error)) {
        throw error;
      }
      this.logger.warn(`Inbound media ${media.id} not downloadable: ${String(error)}`);
      await repository.update({ id: media.id }, { status: 'failed', error: String(error).slice(0, 1000) });
      return null;
    }
  }
}
