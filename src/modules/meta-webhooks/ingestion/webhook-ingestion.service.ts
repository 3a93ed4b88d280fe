import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AccountUpdateValue,
  MessagesValue,
  PhoneNumberQualityUpdateValue,
  TemplateStatusUpdateValue,
  WebhookPayload,
} from '@libs/meta-graph';
import { DataSource } from 'typeorm';
import { columnsOf, entityFromRow } from '../../../database/entity-from-row';
import { preparedQuery } from '../../../database/prepared-query';
import type { EventType } from '../../events/event.entity';
import { EventsService } from '../../events/events.service';
import { recordEvent } from '../../events/record-event';
import { MediaService } from '../../media/media.service';
import { PhoneNumber } from '../../phone-numbers/phone-number.entity';
import { PhoneNumbersService } from '../../phone-numbers/phone-numbers.service';
import { MetaWebhookEvent } from '../meta-webhook-event.entity';
import { storeInboundMessage } from './inbound-messages';
import { applyStatuses, StatusOutcome, StatusUpdate } from './message-statuses';

export interface IngestionResult {
  messages: number;
  duplicates: number;
  /** Meta phone ids no connected phone has: the payload is kept as `unroutable`. */
  unknownPhones: string[];
  /** Fields stored but not acted on yet (templates, account updates, …). */
  otherFields: string[];
}

/** What one ingestion job did, over all its payloads. */
export interface IngestionSummary {
  events: number;
  messages: number;
  duplicates: number;
  statuses: number;
  parked: number;
}

interface Outcome {
  id: string;
  status: MetaWebhookEvent['status'];
  error: string | null;
}

/**
 * Turns stored Meta webhooks into contacts, conversations, messages and status changes. Each
 * inbound message is its own transaction, and the statuses of all the payloads ingested together
 * share one, so a bad payload does not hold back the good ones; the event row records the outcome,
 * and running it again changes nothing already stored.
 */
@Injectable()
export class WebhookIngestionService {
  private readonly logger = new Logger(WebhookIngestionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly phoneNumbers: PhoneNumbersService,
    private readonly media: MediaService,
    private readonly events: EventsService,
  ) {}

  /**
   * Ingests stored payloads, oldest first: those received together are queued as one job. Payloads
   * already processed are skipped. Each payload's outcome is written in one statement at the end;
   * a payload that throws is marked failed and the job fails after the others, so its retry runs
   * that one again.
   */
  async ingest(eventIds: string[]): Promise<IngestionSummary> {
    const events = (await preparedQuery(
      this.dataSource.manager,
      'webhook-events-to-ingest',
      `SELECT id, payload FROM meta_webhook_events WHERE id = ANY($1::uuid[]) AND status IN ('received', 'failed') ORDER BY id`,
      [eventIds],
    )) as { id: string; payload: WebhookPayload }[];
    const summary: IngestionSummary = { events: events.length, messages: 0, duplicates: 0, statuses: 0, parked: 0 };
    const outcomes = new Map<string, Outcome>();
    let failure: unknown = null;
    const fail = (id: string, error: unknown) => {
      failure ??= error;
      outcomes.set(id, { id, status: 'failed', error: String(error) });
    };
    // Payloads received together mostly name the same phones: each is read once per job.
    const phones = new Map<string, Promise<PhoneNumber | null>>();
    const statuses: { eventId: string; update: StatusUpdate }[] = [];
    for (const event of events) {
      const result = await this.ingestPayload(event.payload, phones, (update) =>
        statuses.push({ eventId: event.id, update }),
      ).catch((error: unknown) => {
        fail(event.id, error);
        return null;
      });
      if (!result) {
        continue;
      }
      summary.messages += result.messages;
      summary.duplicates += result.duplicates;
      outcomes.set(
        event.id,
        result.unknownPhones.length > 0
          ? {
              id: event.id,
              status: 'unroutable',
              error: `Unknown phone number id(s): ${result.unknownPhones.join(', ')}`,
            }
          : { id: event.id, status: 'processed', error: null },
      );
    }
    const applied = await this.applyStatusesOf(
      statuses.filter(({ eventId }) => outcomes.get(eventId)?.status !== 'failed'),
      fail,
    );
    summary.statuses += applied.filter((outcome) => outcome === 'applied').length;
    summary.parked += applied.filter((outcome) => outcome === 'parked').length;
    this.events.nudge();
    await this.finish([...outcomes.values()]);
    if (failure) {
      throw failure instanceof Error ? failure : new Error(String(failure));
    }
    return summary;
  }

  /**
   * The statuses of all the job's payloads, in one transaction; should it fail, each payload's
   * statuses in their own, so that only the payload at fault fails.
   */
  private async applyStatusesOf(
    statuses: { eventId: string; update: StatusUpdate }[],
    fail: (eventId: string, error: unknown) => void,
  ): Promise<StatusOutcome[]> {
    if (statuses.length === 0) {
      return [];
    }
    const apply = (some: typeof statuses) =>
      this.dataSource.transaction((manager) =>
        applyStatuses(
          manager,
          some.map(({ update }) => update),
        ),
      );
    try {
      return await apply(statuses);
    } catch (error) {
      const eventIds = [...new Set(statuses.map(({ eventId }) => eventId))];
      if (eventIds.length === 1) {
        fail(eventIds[0], error);
        return [];
      }
    }
    const outcomes: StatusOutcome[] = [];
    for (const eventId of new Set(statuses.map((status) => status.eventId))) {
      outcomes.push(
        ...(await apply(statuses.filter((status) => status.eventId === eventId)).catch((error: unknown) => {
          fail(eventId, error);
          return [];
        })),
      );
    }
    return outcomes;
  }

  private async ingestPayload(
    payload: WebhookPayload,
    phones: Map<string, Promise<PhoneNumber | null>>,
    onStatus: (update: StatusUpdate) => void,
  ): Promise<IngestionResult> {
    const result: IngestionResult = {
      messages: 0,
      duplicates: 0,
      unknownPhones: [],
      otherFields: [],
    };
    for (const entry of payload.entry ?? []) {
      for (const change of entry.changes ?? []) {
        if (change.field === 'messages') {
          await this.ingestMessages(change.value as MessagesValue, result, phones, onStatus);
        } else if (change.field === 'message_template_status_update') {
          await this.ingestTemplateStatus(entry.id, change.value as TemplateStatusUpdateValue, result);
        } else if (change.field === 'account_update') {
          await this.ingestAccountUpdate(entry.id, change.value as AccountUpdateValue, result);
        } else if (change.field === 'phone_number_quality_update') {
          await this.ingestQualityUpdate(entry.id, change.value as PhoneNumberQualityUpdateValue, result);
        } else {
          result.otherFields.push(change.field);
        }
      }
    }
    return result;
  }

  /** Inbound messages are stored at once, each in its transaction; statuses are handed to `onStatus`. */
  private async ingestMessages(
    value: MessagesValue,
    result: IngestionResult,
    phones: Map<string, Promise<PhoneNumber | null>>,
    onStatus: (update: StatusUpdate) => void,
  ): Promise<void> {
    const metaPhoneId = value.metadata?.phone_number_id;
    if (metaPhoneId && !phones.has(metaPhoneId)) {
      phones.set(metaPhoneId, this.findPhone(metaPhoneId));
    }
    const phone = metaPhoneId ? await phones.get(metaPhoneId)! : null;
    if (!phone) {
      result.unknownPhones.push(String(metaPhoneId));
      return;
    }
    for (const message of value.messages ?? []) {
      const { stored, mediaIds } = await this.dataSource.transaction((manager) =>
        storeInboundMessage(manager, phone, value, message),
      );
      result[stored ? 'messages' : 'duplicates'] += 1;
      await this.media.queueDownloads(mediaIds);
    }
    for (const status of value.statuses ?? []) {
      onStatus({ phoneNumberId: phone.id, status });
    }
  }

  /**
   * Meta says a number's limit or throughput changed: store what the payload says at once, and
   * queue a full resync so quality and health follow.
   */
  private async ingestQualityUpdate(
    metaWabaId: string,
    value: PhoneNumberQualityUpdateValue,
    result: IngestionResult,
  ): Promise<void> {
    const digits = value.display_phone_number.replace(/\D/g, '');
    const phones: PhoneNumber[] = await this.dataSource.query(
      `SELECT p.id FROM phone_numbers p JOIN wabas w ON w.id = p.waba_id
        WHERE w.meta_waba_id = $1 AND p.disconnected_at IS NULL
          AND regexp_replace(p.display_phone_number, '\\D', '', 'g') = $2`,
      [metaWabaId, digits],
    );
    if (phones.length === 0) {
      result.unknownPhones.push(value.display_phone_number);
      return;
    }
    for (const phone of phones) {
      const changes: Partial<PhoneNumber> = {};
      if (value.max_daily_conversations_per_business) {
        changes.messagingLimitTier = value.max_daily_conversations_per_business;
      }
      if (value.event === 'THROUGHPUT_UPGRADE') {
        changes.throughputLevel = 'HIGH';
      }
      if (Object.keys(changes).length > 0) {
        await this.dataSource.getRepository(PhoneNumber).update({ id: phone.id }, changes);
      }
      await this.phoneNumbers.requestResync(phone.id);
    }
    result.otherFields.push('phone_number_quality_update');
  }

  /** A `waba.account_updated` event (bans, restrictions, partner changes…) for the WABA's organization. */
  private async ingestAccountUpdate(
    metaWabaId: string,
    value: AccountUpdateValue,
    result: IngestionResult,
  ): Promise<void> {
    await this.recordForWaba(metaWabaId, 'waba.account_updated', (wabaId) => ({
      wabaId,
      metaWabaId,
      event: value.event,
      details: value,
    }));
    result.otherFields.push('account_update');
  }

  /** A `template.status_updated` event; the templates themselves are their own module's concern. */
  private async ingestTemplateStatus(
    metaWabaId: string,
    value: TemplateStatusUpdateValue,
    result: IngestionResult,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE templates t SET status = $3::text, rejected_reason = CASE WHEN $3::text = 'REJECTED' THEN $4::text END, updated_at = now()
         FROM wabas w
        WHERE w.id = t.waba_id AND w.meta_waba_id = $1 AND t.meta_template_id = $2`,
      [metaWabaId, String(value.message_template_id), value.event, value.reason ?? null],
    );
    await this.recordForWaba(metaWabaId, 'template.status_updated', (wabaId) => ({
      wabaId,
      metaTemplateId: String(value.message_template_id),
      name: value.message_template_name,
      language: value.message_template_language,
      category: value.message_template_category ?? null,
      status: value.event,
      reason: value.reason ?? null,
    }));
    result.otherFields.push('message_template_status_update');
  }

  /** One event for each organization the Meta WABA is connected to (one per mode, at most). */
  private async recordForWaba(metaWabaId: string, type: EventType, dataOf: (wabaId: string) => object): Promise<void> {
    const wabas: { id: string; organization_id: string; livemode: boolean }[] = await this.dataSource.query(
      `SELECT id, organization_id, livemode FROM wabas WHERE meta_waba_id = $1 AND disconnected_at IS NULL`,
      [metaWabaId],
    );
    await this.dataSource.transaction(async (manager) => {
      for (const waba of wabas) {
        await recordEvent(manager, {
          organizationId: waba.organization_id,
          livemode: waba.livemode,
          type,
          data: dataOf(waba.id),
        });
      }
    });
  }

  /** The connected phone with that Meta id; a disconnected one only when no connected one exists. */
  /** The phone a Meta phone id names: the connected one, else the latest disconnected. */
  private async findPhone(metaPhoneNumberId: string): Promise<PhoneNumber | null> {
    const [row] = (await preparedQuery(
      this.dataSource.manager,
      'phone-by-meta-id',
      `SELECT ${columnsOf(this.dataSource.manager, PhoneNumber, 'p')} FROM phone_numbers p WHERE meta_phone_number_id = $1
        ORDER BY disconnected_at DESC NULLS FIRST, created_at DESC LIMIT 1`,
      [metaPhoneNumberId],
    )) as Record<string, unknown>[];
    return row ? entityFromRow(this.dataSource.manager, PhoneNumber, row) : null;
  }

  /** Records each payload's outcome, all in one statement. */
  private async finish(outcomes: Outcome[]): Promise<void> {
    if (outcomes.length === 0) {
      return;
    }
    for (const { id, error } of outcomes) {
      if (error) {
        this.logger.warn(`Meta webhook ${id}: ${error}`);
      }
    }
    await preparedQuery(
      this.dataSource.manager,
      'finish-webhook-events',
      `UPDATE meta_webhook_events e SET status = o.status, error = o.error, processed_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o (id, status, error)
        WHERE e.id = o.id`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.status), outcomes.map((o) => o.error)],
    );
  }
}
