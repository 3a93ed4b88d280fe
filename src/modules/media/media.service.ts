import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isRetryable, MetaApiError } from '@libs/meta-graph';
import type { Queue } from 'bullmq';
import { isUUID } from 'class-validator';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DataSource, EntityManager, In } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { newId } from '../../common/ids';
import { MediaJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { PhoneNumber } from '../phone-numbers/phone-number.entity';
import { WabasService } from '../wabas/wabas.service';
import { Media } from './media.entity';
import { MEDIA_STORAGE, MediaStorage } from './media-storage';
import { mediaReferencesIn, withMediaIds } from './media-references';
import { MEDIA_KINDS, MediaKind, normalizeMimeType } from './media-types';
import type { UploadedFile } from './read-upload';

/** The phone a message goes out from, as far as media needs it. */
export type SendingPhone = Pick<PhoneNumber, 'id' | 'wabaId' | 'metaPhoneNumberId'>;

export interface OutboundContent {
  organizationId: string;
  livemode: boolean;
  type: string;
  content: Record<string, unknown>;
}

/** Meta keeps uploaded media 30 days. */
const META_MEDIA_TTL = '30 days';
/** A copy is reused only while it outlives the send by this much, so Meta never gets an id about to expire. */
const META_MEDIA_MARGIN = '1 day';

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

  /** Keeps an uploaded file; the caller has checked it against Meta's limits. */
  async upload(principal: ApiKeyPrincipal, file: UploadedFile): Promise<Media> {
    const id = newId();
    const storageKey = `${principal.organizationId}/${id}`;
    await this.storage.put(storageKey, file.bytes);
    const repository = this.dataSource.getRepository(Media);
    return repository.save(
      repository.create({
        id,
        organizationId: principal.organizationId,
        livemode: principal.livemode,
        phoneNumberId: null,
        source: 'upload',
        status: 'ready',
        mimeType: file.mimeType,
        filename: file.filename,
        sizeBytes: file.bytes.length,
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        storageKey,
        metaMediaId: null,
        error: null,
      }),
    );
  }

  /** Deletes the media and its bytes; messages queued with it fail when their turn comes. */
  async remove(principal: ApiKeyPrincipal, id: string): Promise<void> {
    const media = await this.get(principal, id);
    await this.dataSource.getRepository(Media).delete({ id: media.id });
    if (media.storageKey) {
      await this.storage.remove(media.storageKey);
    }
  }

  /**
   * At accept time: media named by our id (`image: { id }`, a media header of an interactive message
   * or a template) must be in the organization, ready, and of a type and size its place takes.
   * Links pass.
   */
  async assertSendable(principal: ApiKeyPrincipal, type: string, content: Record<string, unknown>): Promise<void> {
    (await this.sendableCheck(principal, type, [content]))(content);
  }

  /**
   * The same check for many contents (a batch's recipients) with one read: answers a function that
   * throws for a content whose media cannot be sent.
   */
  async sendableCheck(
    principal: ApiKeyPrincipal,
    type: string,
    contents: Record<string, unknown>[],
  ): Promise<(content: Record<string, unknown>) => void> {
    const ids = new Set(
      contents
        .flatMap((content) => mediaReferencesIn(type, content).map((reference) => reference.id))
        .filter((id) => isUUID(id)),
    );
    const found = new Map(
      (ids.size > 0
        ? await this.dataSource
            .getRepository(Media)
            .findBy({ id: In([...ids]), organizationId: principal.organizationId, livemode: principal.livemode })
        : []
      ).map((media) => [media.id, media]),
    );
    return (content) => {
      for (const { kind, id, field, object } of mediaReferencesIn(type, content)) {
        const media = found.get(id);
        if (!media) {
          throw new AppException(ErrorCode.NotFound, 'Media not found', [
            { field, message: 'no such media in your organization (upload it with POST /v1/media)' },
          ]);
        }
        if (media.status !== 'ready') {
          throw new AppException(ErrorCode.Conflict, `Media ${id} is ${media.status}, not ready to send`, [
            { field, message: `media ${id} is ${media.status}` },
          ]);
        }
        const problem = unsuitable(kind, media, object);
        if (problem) {
          throw AppException.validation(`Invalid request: ${problem}`, [{ field, message: problem }]);
        }
      }
    };
  }

  /**
   * At delivery: the content with our media ids replaced by the ids of their copies on Meta for this
   * phone, uploaded on first use and again once a copy expires. Unchanged when it names none.
   */
  async resolveOutbound(message: OutboundContent, phone: SendingPhone): Promise<Record<string, unknown>> {
    // Only our ids (UUIDs) are looked up; anything else was accepted before ids in headers were ours.
    const references = mediaReferencesIn(message.type, message.content).filter((reference) => isUUID(reference.id));
    if (references.length === 0) {
      return message.content;
    }
    const metaIds = new Map<string, string>();
    for (const { id } of references) {
      if (!metaIds.has(id)) {
        metaIds.set(id, await this.metaCopy(message, id, phone));
      }
    }
    return withMediaIds(message.type, message.content, metaIds);
  }

  private async metaCopy(scope: OutboundContent, mediaId: string, phone: SendingPhone): Promise<string> {
    const known = await this.liveCopy(this.dataSource.manager, mediaId, phone.id);
    if (known) {
      return known;
    }
    const media = await this.dataSource
      .getRepository(Media)
      .findOneBy({ id: mediaId, organizationId: scope.organizationId, livemode: scope.livemode });
    if (!media || media.status !== 'ready' || !media.storageKey) {
      throw new MetaApiError({ kind: 'http', retry: 'never', message: `Media ${mediaId} is no longer available` });
    }
    const waba = await this.wabas.findById(phone.wabaId);
    if (!waba) {
      throw new Error(`WABA of phone ${phone.id} is gone`);
    }
    const { graph, token } = await this.wabas.access(waba);
    const storageKey = media.storageKey;
    return this.dataSource.transaction(async (manager) => {
      // Held through the upload: a worker sending the same media from the same phone waits, then reuses the copy.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`media:${mediaId}:${phone.id}`]);
      const raced = await this.liveCopy(manager, mediaId, phone.id);
      if (raced) {
        return raced;
      }
      const bytes = Buffer.concat(await this.storage.read(storageKey).toArray());
      const mimeType = normalizeMimeType(media.mimeType, media.filename);
      const filename = media.filename ?? undefined;
      const { id } = await graph.uploadMedia(token, phone.metaPhoneNumberId, { bytes, mimeType, filename });
      await manager.query(
        `INSERT INTO media_uploads (media_id, phone_number_id, meta_media_id, expires_at)
         VALUES ($1, $2, $3, now() + $4::interval)
         ON CONFLICT (media_id, phone_number_id)
         DO UPDATE SET meta_media_id = EXCLUDED.meta_media_id, expires_at = EXCLUDED.expires_at, created_at = now()`,
        [mediaId, phone.id, id, META_MEDIA_TTL],
      );
      return id;
    });
  }

  private async liveCopy(manager: EntityManager, mediaId: string, phoneNumberId: string): Promise<string | undefined> {
    const rows: { meta_media_id: string }[] = await manager.query(
      `SELECT meta_media_id FROM media_uploads
        WHERE media_id = $1 AND phone_number_id = $2 AND expires_at > now() + $3::interval`,
      [mediaId, phoneNumberId, META_MEDIA_MARGIN],
    );
    return rows[0]?.meta_media_id;
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

/** Why this media cannot go in a message of this type, if it cannot. */
function unsuitable(kind: MediaKind, media: Media, object: Record<string, unknown>): string | undefined {
  const { mimeTypes, maxBytes } = MEDIA_KINDS[kind];
  const mimeType = normalizeMimeType(media.mimeType, media.filename);
  if (!mimeTypes.includes(mimeType)) {
    return `media ${media.id} is ${mimeType}; a ${kind} message takes ${mimeTypes.join(', ')}`;
  }
  if (media.sizeBytes !== null && media.sizeBytes > maxBytes) {
    return `media ${media.id} has ${media.sizeBytes} bytes; a ${kind} may have at most ${maxBytes}`;
  }
  if (kind === 'audio' && object.voice === true && mimeType !== 'audio/ogg') {
    return `a voice note must be audio/ogg (OPUS); media ${media.id} is ${mimeType}`;
  }
  return undefined;
}
