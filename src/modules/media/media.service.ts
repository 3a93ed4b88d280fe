import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isRetryable, MetaApiError } from '@libs/meta-graph';
import type { Queue } from 'bullmq';
import { isUUID } from 'class-validator';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource, In } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { newId } from '../../common/ids';
import { MediaJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { PhoneNumber } from '../phone-numbers/phone-number.entity';
import { WabasService } from '../wabas/wabas.service';
import { Media } from './media.entity';
import { MEDIA_STORAGE, MediaStorage, MediaStorageError } from './media-storage';
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
/**
 * How long a claim on uploading a copy lasts unless renewed: what others wait at most for a worker
 * that died mid-upload. The uploader renews it every CLAIM_RENEW_MS while its upload runs.
 */
const CLAIM_TTL_MS = 30_000;
const CLAIM_RENEW_MS = 10_000;
/**
 * The longest an upload to Meta may take: a minute, plus a second per 100 KB (100 MB: about 18
 * minutes). Past it the upload is abandoned (and retried with the message), so a stalled one never
 * holds its claim, and the sends waiting for it, for ever.
 */
const uploadDeadlineMs = (sizeBytes: number) => 60_000 + Math.ceil(sizeBytes / 100_000) * 1000;
/** While another worker uploads a copy, look again after 25 ms, doubling up to every 500 ms. */
const WAIT_FIRST_MS = 25;
const WAIT_MAX_MS = 500;

/** What `media_uploads` says of the copy for one media and phone. */
interface CopyState {
  /** The Meta id, when the copy is usable (outlives the margin). */
  live: string | null;
  /** Another worker is uploading it now. */
  claimed: boolean;
}

const storageUnavailable = (what: string) =>
  new AppException(ErrorCode.ServiceUnavailable, `Media storage is unavailable: ${what}. Try again later.`, {
    dependency: 'media-storage',
  });

@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);
  /** Copies to Meta being made by this process, by organization, media and phone. */
  private readonly copies = new Map<string, Promise<string>>();

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
    try {
      await this.storage.put(storageKey, file.bytes);
    } catch (error) {
      this.logger.error(`Storing media ${storageKey} failed: ${String(error)}`);
      throw storageUnavailable('the file was not stored');
    }
    const repository = this.dataSource.getRepository(Media);
    try {
      return await repository.save(
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
    } catch (error) {
      // Without its row the file is unreachable: it goes too.
      await this.storage.remove(storageKey).catch((cause: unknown) => {
        this.logger.warn(`Media file ${storageKey} left without its row: ${String(cause)}`);
      });
      throw error;
    }
  }

  /**
   * Deletes the bytes, then the media; messages queued with it fail when their turn comes. When the
   * store refuses, nothing is deleted (the client is told to try again) rather than a row gone
   * with its file left behind.
   */
  async remove(principal: ApiKeyPrincipal, id: string): Promise<void> {
    const media = await this.get(principal, id);
    if (media.storageKey) {
      try {
        await this.storage.remove(media.storageKey);
      } catch (error) {
        this.logger.error(`Removing media file ${media.storageKey} failed: ${String(error)}`);
        throw storageUnavailable('the file was not deleted');
      }
    }
    await this.dataSource.getRepository(Media).delete({ id: media.id });
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

  /**
   * The Meta id of this media's copy for this phone, uploading it when there is none or it expires
   * soon. Concurrent callers for one (media, phone) share one attempt in this process; across
   * processes, the uploader claims the copy's row for a short, renewed time and the others wait for
   * its copy. No transaction or connection is held while the file travels to Meta.
   */
  private metaCopy(scope: OutboundContent, mediaId: string, phone: SendingPhone): Promise<string> {
    const key = `${scope.organizationId}:${mediaId}:${phone.id}`;
    let copy = this.copies.get(key);
    if (!copy) {
      copy = this.copyToMeta(scope, mediaId, phone).finally(() => this.copies.delete(key));
      this.copies.set(key, copy);
    }
    return copy;
  }

  private async copyToMeta(scope: OutboundContent, mediaId: string, phone: SendingPhone): Promise<string> {
    let media: Media | undefined;
    for (let wait = WAIT_FIRST_MS; ; wait = Math.min(wait * 2, WAIT_MAX_MS)) {
      const state = await this.copyState(mediaId, phone.id);
      if (state.live) {
        return state.live;
      }
      if (!state.claimed) {
        media ??= await this.sendableMedia(scope, mediaId);
        if (await this.claimCopy(mediaId, phone.id)) {
          return this.uploadCopy(media, phone);
        }
      }
      await delay(wait);
    }
  }

  private async copyState(mediaId: string, phoneNumberId: string): Promise<CopyState> {
    const rows: { live: string | null; claimed: boolean }[] = await this.dataSource.query(
      `SELECT CASE WHEN expires_at > now() + $3::interval THEN meta_media_id END AS live,
              coalesce(claimed_until > now(), false) AS claimed
         FROM media_uploads WHERE media_id = $1 AND phone_number_id = $2`,
      [mediaId, phoneNumberId, META_MEDIA_MARGIN],
    );
    return rows[0] ?? { live: null, claimed: false };
  }

  /** The media a message names, if it can still be sent: in the organization, ready, with its bytes. */
  private async sendableMedia(scope: OutboundContent, mediaId: string): Promise<Media> {
    const media = await this.dataSource
      .getRepository(Media)
      .findOneBy({ id: mediaId, organizationId: scope.organizationId, livemode: scope.livemode });
    if (!media || media.status !== 'ready' || !media.storageKey) {
      throw new MetaApiError({ kind: 'http', retry: 'never', message: `Media ${mediaId} is no longer available` });
    }
    return media;
  }

  /**
   * Claims the upload of a copy: answers true when this worker now holds it. The row is created if
   * need be; an existing one is taken only when its copy is missing or expiring and no unexpired claim
   * holds it (a claim that ran out belongs to a worker that died or stalled).
   */
  private async claimCopy(mediaId: string, phoneNumberId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO media_uploads AS copy (media_id, phone_number_id, claimed_until)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (media_id, phone_number_id) DO UPDATE SET claimed_until = EXCLUDED.claimed_until
        WHERE (copy.expires_at IS NULL OR copy.expires_at <= now() + $4::interval)
          AND (copy.claimed_until IS NULL OR copy.claimed_until <= now())
       RETURNING 1`,
      [mediaId, phoneNumberId, CLAIM_TTL_MS, META_MEDIA_MARGIN],
    );
    return rows.length > 0;
  }

  /** Streams the stored file to Meta under a claim renewed while it runs, then keeps the copy's id. */
  private async uploadCopy(media: Media, phone: SendingPhone): Promise<string> {
    const renewal = setInterval(() => {
      this.dataSource
        .query(
          `UPDATE media_uploads SET claimed_until = now() + $3 * interval '1 millisecond'
            WHERE media_id = $1 AND phone_number_id = $2 AND claimed_until IS NOT NULL`,
          [media.id, phone.id, CLAIM_TTL_MS],
        )
        .catch((error: unknown) =>
          this.logger.warn(`Renewing the upload claim of media ${media.id}: ${String(error)}`),
        );
    }, CLAIM_RENEW_MS).unref();
    try {
      const waba = await this.wabas.findById(phone.wabaId);
      if (!waba) {
        throw new Error(`WABA of phone ${phone.id} is gone`);
      }
      const { graph, token } = await this.wabas.access(waba);
      const file = await this.storage.open(media.storageKey!);
      let metaMediaId: string;
      try {
        ({ id: metaMediaId } = await graph.uploadMedia(
          token,
          phone.metaPhoneNumberId,
          {
            stream: file.stream,
            size: file.size,
            mimeType: normalizeMimeType(media.mimeType, media.filename),
            filename: media.filename ?? undefined,
          },
          { signal: AbortSignal.timeout(uploadDeadlineMs(file.size)) },
        ));
      } finally {
        file.stream.destroy();
      }
      await this.dataSource.query(
        `UPDATE media_uploads
            SET meta_media_id = $3, expires_at = now() + $4::interval, created_at = now(), claimed_until = NULL
          WHERE media_id = $1 AND phone_number_id = $2`,
        [media.id, phone.id, metaMediaId, META_MEDIA_TTL],
      );
      return metaMediaId;
    } catch (error) {
      // Others may try at once: a claim row without a copy goes, one with an expired copy is freed.
      await this.dataSource
        .query(
          `WITH unclaimed AS (
             DELETE FROM media_uploads WHERE media_id = $1 AND phone_number_id = $2 AND meta_media_id IS NULL
           )
           UPDATE media_uploads SET claimed_until = NULL
            WHERE media_id = $1 AND phone_number_id = $2 AND meta_media_id IS NOT NULL`,
          [media.id, phone.id],
        )
        .catch((cause: unknown) =>
          this.logger.warn(`Releasing the upload claim of media ${media.id}: ${String(cause)}`),
        );
      throw error;
    } finally {
      clearInterval(renewal);
    }
  }

  async content(principal: ApiKeyPrincipal, id: string): Promise<{ media: Media; stream: Readable; size: number }> {
    const media = await this.get(principal, id);
    if (media.status !== 'ready' || !media.storageKey) {
      throw new AppException(
        ErrorCode.Conflict,
        media.status === 'failed'
          ? `Media ${id} could not be downloaded from WhatsApp: ${media.error ?? 'unknown error'}`
          : `Media ${id} is still being downloaded from WhatsApp; try again shortly`,
      );
    }
    try {
      return { media, ...(await this.storage.open(media.storageKey)) };
    } catch (error) {
      this.logger.error(`Reading media file ${media.storageKey} failed: ${String(error)}`);
      throw storageUnavailable('the file could not be read');
    }
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
      // Meta's passing errors and our store's failures are tried again; only Meta's final answers fail the media.
      if (isRetryable(error) || error instanceof MediaStorageError) {
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
