import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { GroupCommit, settle, Settled } from '../../../common/group-commit';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { QueueName } from '../../../queue/queue-names';
import { resolveContact } from '../../contacts/contact-identity';
import { ContactDto } from '../../contacts/dto/contact.dto';
import { EventsService } from '../../events/events.service';
import { recordEvent } from '../../events/record-event';
import { PhoneForSending, PhoneNumbersService } from '../../phone-numbers/phone-numbers.service';
import { Template } from '../../templates/template.entity';
import { Message } from '../message.entity';
import { previewOf } from '../message-content';
import { insertOutboundMessages, OutboundRow, OutboundToWrite, RecipientContact, writeOutbound } from './outbound-rows';
import { SendJob, spreadSendJobs } from './send-job';
import {
  assertApproved,
  assertPhoneCanSend,
  assertTemplateParameters,
  storedTemplates,
  templateKey,
  templateNamed,
} from './send-rules';

/** A single send that passed every check needing no database, waiting to be written. */
export interface SendDraft {
  messageId: string;
  organizationId: string;
  livemode: boolean;
  phoneNumberId: string;
  waId: string | null;
  bsuid: string | null;
  type: string;
  content: Record<string, unknown>;
  context: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  acceptedAt: Date;
}

/** Sends written by one group; more wait for the next. */
const MAX_GROUP = 500;
/** Groups written at once (each holds a database connection while it writes). */
const GROUPS_IN_FLIGHT = 3;
/** Groups whose send jobs may be on their way to the queue while later groups are written. */
const MAX_ADDS_PENDING = 20;

/**
 * Writes accepted single sends with group commit: the sends that arrive while earlier groups are
 * being written are checked against their phones and templates with one read of each, written
 * with their contacts, conversations and events in one transaction of two statements, and their
 * send jobs added in one call. A send is answered only once its message is committed.
 */
@Injectable()
export class MessageWriterService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(MessageWriterService.name);
  /** Send jobs on their way to the queue: shutdown waits for them. */
  private readonly adding = new Set<Promise<unknown>>();
  private readonly groups = new GroupCommit<SendDraft, Message>((drafts) => this.writeGroup(drafts), {
    maxItems: MAX_GROUP,
    maxInFlight: GROUPS_IN_FLIGHT,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.OutboundMessages) private readonly queue: Queue,
    private readonly phoneNumbers: PhoneNumbersService,
    private readonly events: EventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks the phone (`PHONE_NOT_READY`, 404 for another organization's), the template
   * (`TEMPLATE_NOT_FOUND`, `TEMPLATE_PARAMETER_MISMATCH`) and the customer-service window
   * (`OUTSIDE_CUSTOMER_SERVICE_WINDOW`), stores the message `queued` and queues its delivery.
   */
  write(draft: SendDraft): Promise<Message> {
    return this.groups.submit(draft);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.adding);
  }

  private async writeGroup(drafts: SendDraft[]): Promise<Settled<Message>[]> {
    const { checked, phones } = await this.checkRules(drafts);
    const ready = drafts.filter((_, index) => checked[index].ok);
    // A send naming its customer by phone and by BSUID may join two contacts into one: it is written alone.
    const joining = ready.filter((draft) => draft.waId && draft.bsuid);
    const outcomes = new Map<SendDraft, Settled<Message>>();
    const together = ready.filter((draft) => !joining.includes(draft));
    try {
      await this.writeTogether(together, outcomes);
    } catch (error) {
      if (together.length === 1) {
        outcomes.set(together[0], { ok: false, error });
      } else {
        // One send the database refuses must not fail the others: each is tried alone.
        for (const draft of together) {
          await this.writeTogether([draft], outcomes).catch((alone: unknown) =>
            outcomes.set(draft, { ok: false, error: alone }),
          );
        }
      }
    }
    for (const draft of joining) {
      outcomes.set(draft, await settle(() => this.writeJoining(draft)));
    }
    const written = [...outcomes.values()].flatMap((outcome) => (outcome.ok ? [outcome.value] : []));
    if (written.length > 0) {
      // The messages are committed, so their senders are answered without waiting for the queue: a
      // slow or failing Redis holds back no later group, and a job lost here is queued again by the reconciler.
      const jobs = sendJobsOf(this.config, written, phones);
      const adding = this.queue
        .addBulk(jobs)
        .catch((error: unknown) => {
          this.logger.error(`${jobs.length} accepted message(s) stored but not queued: ${String(error)}`);
        })
        .finally(() => this.adding.delete(adding));
      this.adding.add(adding);
      if (this.adding.size > MAX_ADDS_PENDING) {
        // A stalled queue holds back new groups rather than piling up their jobs in memory.
        await adding;
      }
      this.events.nudge();
    }
    return drafts.map((draft, index) => (checked[index].ok ? outcomes.get(draft)! : checked[index]));
  }

  /** The phone and template rules of each draft, with one read of the phones and one of the templates. */
  private async checkRules(
    drafts: SendDraft[],
  ): Promise<{ checked: Settled<void>[]; phones: Map<string, PhoneForSending> }> {
    const phones = await this.phoneNumbers.forSending(drafts.map((draft) => draft.phoneNumberId));
    const phoneOf = (draft: SendDraft): PhoneForSending => {
      const found = phones.get(draft.phoneNumberId);
      if (!found || found.phone.organizationId !== draft.organizationId || found.phone.livemode !== draft.livemode) {
        throw AppException.notFound('Phone number');
      }
      return found;
    };
    const named = (draft: SendDraft) =>
      templateNamed(phones.get(draft.phoneNumberId)!.phone.wabaId, draft.content.template as Record<string, unknown>);
    const templates = await storedTemplates(
      this.dataSource,
      drafts.filter((draft) => draft.type === 'template' && phones.has(draft.phoneNumberId)).map(named),
    );
    const checked = await Promise.all(
      drafts.map((draft) =>
        settle(() => {
          const { phone, wabaConnected } = phoneOf(draft);
          const isTemplate = draft.type === 'template';
          assertPhoneCanSend(phone, wabaConnected, isTemplate);
          if (isTemplate) {
            const wanted = named(draft);
            const template: Template = assertApproved(templates.get(templateKey(wanted)), wanted);
            assertTemplateParameters(template, (draft.content.template as { components?: unknown }).components);
          }
        }),
      ),
    );
    return { checked, phones };
  }

  /** Sends whose customer is named one way, in one statement; records each one's outcome. */
  private async writeTogether(drafts: SendDraft[], outcomes: Map<SendDraft, Settled<Message>>) {
    const written = await writeOutbound(this.dataSource.manager, drafts.map(sendOf));
    for (const draft of drafts) {
      const result = written.get(draft.messageId)!;
      outcomes.set(
        draft,
        result.written
          ? { ok: true, value: queuedMessage(draft, result.contactId, result.conversationId) }
          : { ok: false, error: result.reason === 'outside-window' ? outsideWindow() : contactRaced() },
      );
    }
  }

  /** A send naming its customer by phone and by BSUID: the two may be one contact, joined here. */
  private async writeJoining(draft: SendDraft): Promise<Message> {
    return this.dataSource.transaction(async (manager) => {
      const scope = { organizationId: draft.organizationId, livemode: draft.livemode };
      const { contact, created } = await resolveContact(manager, scope, { waId: draft.waId!, bsuid: draft.bsuid! });
      if (created) {
        await recordEvent(manager, { ...scope, type: 'contact.created', data: ContactDto.from(contact) });
      }
      const conversationId = (await insertOutboundMessages(manager, [rowOf(draft, contact)])).get(draft.messageId);
      if (!conversationId) {
        // Rolls back the contact too: a refused send changes nothing.
        throw outsideWindow();
      }
      return queuedMessage(draft, contact.id, conversationId);
    });
  }
}

/** The send jobs of messages just written: runs per phone, spread at its throughput. */
function sendJobsOf(config: AppConfig, messages: Message[], phones: Map<string, PhoneForSending>): SendJob[] {
  const idsByPhone = new Map<string, string[]>();
  for (const message of messages) {
    const ids = idsByPhone.get(message.phoneNumberId) ?? [];
    ids.push(message.id);
    idsByPhone.set(message.phoneNumberId, ids);
  }
  return [...idsByPhone].flatMap(([phoneNumberId, ids]) =>
    spreadSendJobs(
      config,
      { id: phoneNumberId, throughputLevel: phones.get(phoneNumberId)!.phone.throughputLevel },
      ids,
    ),
  );
}

/** The message a draft writes, whose contact `writeOutbound` finds or creates. */
function sendOf(draft: SendDraft): OutboundToWrite {
  return {
    id: draft.messageId,
    organizationId: draft.organizationId,
    livemode: draft.livemode,
    phoneNumberId: draft.phoneNumberId,
    waId: draft.waId,
    bsuid: draft.bsuid,
    type: draft.type,
    content: draft.content,
    context: draft.context,
    metadata: draft.metadata,
    preview: previewOf(draft.type, draft.content),
    freeForm: draft.type !== 'template',
    batchId: null,
    at: draft.acceptedAt,
  };
}

function rowOf(draft: SendDraft, contact: RecipientContact): OutboundRow {
  const { waId: _waId, bsuid: _bsuid, ...fields } = sendOf(draft);
  return { ...fields, contact };
}

function queuedMessage(draft: SendDraft, contactId: string, conversationId: string): Message {
  const at = draft.acceptedAt;
  return {
    id: draft.messageId,
    organizationId: draft.organizationId,
    livemode: draft.livemode,
    phoneNumberId: draft.phoneNumberId,
    conversationId,
    contactId,
    batchId: null,
    direction: 'outbound',
    type: draft.type,
    content: draft.content,
    status: 'queued',
    waMessageId: null,
    context: draft.context,
    referral: null,
    metadata: draft.metadata,
    error: null,
    occurredAt: at,
    sentAt: null,
    deliveredAt: null,
    readAt: null,
    failedAt: null,
    dueAt: null,
    attempts: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/** Other requests kept creating this send's new contact as it was written (not seen in practice). */
function contactRaced(): AppException {
  return new AppException(
    ErrorCode.Conflict,
    'Other requests were creating the contact of this send at the same time: send it again',
  );
}

function outsideWindow(): AppException {
  return new AppException(
    ErrorCode.OutsideCustomerServiceWindow,
    'The customer has not written to this number in the last 24 hours: only a template may be sent',
  );
}
