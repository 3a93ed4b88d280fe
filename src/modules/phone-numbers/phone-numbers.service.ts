import { InjectQueue } from '@nestjs/bullmq';
import { forwardRef, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { PhoneNumberInfo } from '@libs/meta-graph';
import type { Queue } from 'bullmq';
import { DataSource, EntityManager, In, IsNull, Repository } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { newId } from '../../common/ids';
import { columnsOf, entityFromRow } from '../../database/entity-from-row';
import { preparedQuery } from '../../database/prepared-query';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PhoneNumberJobs } from '../../queue/job-payloads';
import { QueueName } from '../../queue/queue-names';
import { EventsService } from '../events/events.service';
import { recordEvent } from '../events/record-event';
import { metaFailure } from '../meta/meta-errors';
import { Waba } from '../wabas/waba.entity';
import { WabasService } from '../wabas/wabas.service';
import { assessPhoneHealth, PhoneHealthAssessment } from './phone-health';
import { PhoneNumber } from './phone-number.entity';

type Snapshot = Pick<
  PhoneNumber,
  | 'displayPhoneNumber'
  | 'verifiedName'
  | 'qualityRating'
  | 'messagingLimitTier'
  | 'throughputLevel'
  | 'codeVerificationStatus'
  | 'nameStatus'
  | 'metaStatus'
  | 'platformType'
  | 'accountMode'
>;

function snapshotOf(info: PhoneNumberInfo): Snapshot {
  return {
    displayPhoneNumber: info.display_phone_number,
    verifiedName: info.verified_name ?? null,
    qualityRating: info.quality_rating ?? null,
    messagingLimitTier: info.whatsapp_business_manager_messaging_limit ?? info.messaging_limit_tier ?? null,
    throughputLevel: info.throughput?.level ?? null,
    codeVerificationStatus: info.code_verification_status ?? null,
    nameStatus: info.name_status ?? null,
    metaStatus: info.status ?? null,
    platformType: info.platform_type ?? null,
    accountMode: info.account_mode ?? null,
  };
}

export const resyncJobId = (phoneNumberId: string) => `resync-${phoneNumberId}`;

/** A phone as sending needs it: with whether its WABA is connected. */
export interface PhoneForSending {
  phone: PhoneNumber;
  wabaConnected: boolean;
}

@Injectable()
export class PhoneNumbersService {
  private readonly logger = new Logger(PhoneNumbersService.name);

  constructor(
    @InjectRepository(PhoneNumber) private readonly phones: Repository<PhoneNumber>,
    @Inject(forwardRef(() => WabasService)) private readonly wabas: WabasService,
    @InjectQueue(QueueName.PhoneNumbers) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /** Stores the phone numbers Meta listed for a WABA being connected, in its transaction. */
  async importFromMeta(manager: EntityManager, waba: Waba, infos: PhoneNumberInfo[]): Promise<void> {
    const now = new Date();
    for (const info of infos) {
      await manager.insert(PhoneNumber, {
        id: newId(),
        organizationId: waba.organizationId,
        wabaId: waba.id,
        livemode: waba.livemode,
        metaPhoneNumberId: info.id,
        ...snapshotOf(info),
        lastSyncedAt: now,
        lastSyncError: null,
        disconnectedAt: null,
      });
    }
  }

  /** The test-mode phone: registered and healthy, as the sandbox will report it. */
  async createSandboxPhone(
    manager: EntityManager,
    waba: Waba,
    input: { metaPhoneNumberId: string; displayPhoneNumber: string },
  ): Promise<void> {
    await manager.insert(PhoneNumber, {
      id: newId(),
      organizationId: waba.organizationId,
      wabaId: waba.id,
      livemode: false,
      metaPhoneNumberId: input.metaPhoneNumberId,
      displayPhoneNumber: input.displayPhoneNumber,
      verifiedName: 'OpenWABA Sandbox',
      qualityRating: 'GREEN',
      messagingLimitTier: 'TIER_250',
      throughputLevel: 'STANDARD',
      codeVerificationStatus: 'VERIFIED',
      nameStatus: 'APPROVED',
      metaStatus: 'CONNECTED',
      platformType: 'CLOUD_API',
      accountMode: 'SANDBOX',
      lastSyncedAt: new Date(),
      lastSyncError: null,
      disconnectedAt: null,
    });
  }

  async markDisconnected(manager: EntityManager, wabaId: string, at: Date): Promise<void> {
    await manager.update(PhoneNumber, { wabaId, disconnectedAt: IsNull() }, { disconnectedAt: at });
  }

  listForWaba(wabaId: string): Promise<PhoneNumber[]> {
    return this.phones.find({ where: { wabaId }, order: { id: 'ASC' } });
  }

  async listForWabas(wabaIds: string[]): Promise<PhoneNumber[]> {
    return wabaIds.length === 0 ? [] : this.phones.find({ where: { wabaId: In(wabaIds) }, order: { id: 'ASC' } });
  }

  async list(
    principal: ApiKeyPrincipal,
    filter: { wabaId?: string },
    limit: number,
    cursor?: string,
  ): Promise<Page<PhoneNumber>> {
    const query = this.phones
      .createQueryBuilder('phone')
      .where('phone.organization_id = :organizationId AND phone.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('phone.id', 'DESC')
      .limit(limit + 1);
    if (filter.wabaId) {
      query.andWhere('phone.waba_id = :wabaId', { wabaId: filter.wabaId });
    }
    if (cursor) {
      query.andWhere('phone.id < :after', { after: decodeCursor(cursor) });
    }
    return toPage(await query.getMany(), limit);
  }

  /** The phone if it belongs to the caller's organization and mode; otherwise 404. */
  async get(principal: ApiKeyPrincipal, id: string): Promise<PhoneNumber> {
    const phone = await this.phones.findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!phone) {
      throw AppException.notFound('Phone number');
    }
    return phone;
  }

  /** The phone and whether its WABA is still connected, in one read: what sending checks first. */
  async getForSending(principal: ApiKeyPrincipal, id: string): Promise<PhoneForSending> {
    const found = (await this.forSending([id])).get(id);
    if (
      !found ||
      found.phone.organizationId !== principal.organizationId ||
      found.phone.livemode !== principal.livemode
    ) {
      throw AppException.notFound('Phone number');
    }
    return found;
  }

  /** Phones with their WABA's state, by id, in any organization: the caller checks whose they are. */
  async forSending(ids: string[]): Promise<Map<string, PhoneForSending>> {
    const rows = await preparedQuery<Record<string, unknown> & { waba_connected: boolean }>(
      this.dataSource.manager,
      'phones-for-sending',
      `SELECT ${columnsOf(this.dataSource.manager, PhoneNumber, 'p')}, (w.id IS NOT NULL AND w.disconnected_at IS NULL) AS waba_connected
         FROM phone_numbers p LEFT JOIN wabas w ON w.id = p.waba_id
        WHERE p.id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(
      rows.map((row) => {
        const phone = entityFromRow(this.dataSource.manager, PhoneNumber, row);
        return [phone.id, { phone, wabaConnected: row.waba_connected }];
      }),
    );
  }

  /** The stored snapshot's capabilities, and a (deduplicated) refresh from Meta queued behind it. */
  async health(
    principal: ApiKeyPrincipal,
    id: string,
  ): Promise<{ phone: PhoneNumber; health: PhoneHealthAssessment; jobId: string }> {
    const phone = await this.get(principal, id);
    const waba = await this.wabas.findById(phone.wabaId);
    const jobId = await this.requestResync(phone.id);
    return { phone, health: assessPhoneHealth(phone, !!waba && !waba.disconnectedAt), jobId };
  }

  /** While a resync of this phone waits or runs, asking again adds nothing (the job id is the phone's). */
  async requestResync(phoneNumberId: string): Promise<string> {
    const jobId = resyncJobId(phoneNumberId);
    const payload: PhoneNumberJobs['resync-phone'] = { phoneNumberId };
    await this.queue.add('resync-phone', payload, { jobId, removeOnComplete: true, removeOnFail: true, attempts: 3 });
    return jobId;
  }

  /** Reads the phone from Meta and stores the snapshot; a Meta failure is recorded on the phone. */
  async resync(phoneNumberId: string): Promise<PhoneNumber | null> {
    const phone = await this.phones.findOneBy({ id: phoneNumberId });
    const waba = phone ? await this.wabas.findById(phone.wabaId) : null;
    if (!phone || !waba || phone.disconnectedAt || waba.disconnectedAt) {
      return phone;
    }
    const { graph, token } = await this.wabas.access(waba);
    const before = assessPhoneHealth(phone, true);
    try {
      const info = await graph.getPhoneNumber(token, phone.metaPhoneNumberId);
      Object.assign(phone, snapshotOf(info), { lastSyncedAt: new Date(), lastSyncError: null });
    } catch (error) {
      phone.lastSyncError = metaFailure(error).message;
      this.logger.warn(`Resync of phone ${phone.id} failed: ${phone.lastSyncError}`);
    }
    const after = assessPhoneHealth(phone, true);
    const healthChanged = JSON.stringify(before.capabilities) !== JSON.stringify(after.capabilities);
    await this.dataSource.transaction(async (manager) => {
      await manager.save(phone);
      if (healthChanged) {
        await recordEvent(manager, {
          organizationId: phone.organizationId,
          livemode: phone.livemode,
          type: 'phone.health_changed',
          phoneNumberId: phone.id,
          data: {
            phoneNumberId: phone.id,
            previous: before.capabilities,
            current: after.capabilities,
            reasons: after.reasons,
          },
        });
      }
    });
    if (healthChanged) {
      this.events.nudge();
    }
    return phone;
  }

  /** Queues a resync for every active phone whose snapshot is older than the resync interval. */
  async resyncStale(now = new Date()): Promise<number> {
    const staleBefore = new Date(now.getTime() - this.config.phoneResyncIntervalMinutes * 60_000);
    const stale: { id: string }[] = await this.phones
      .createQueryBuilder('phone')
      .select('phone.id', 'id')
      .where('phone.disconnected_at IS NULL')
      .andWhere('(phone.last_synced_at IS NULL OR phone.last_synced_at < :staleBefore)', { staleBefore })
      .limit(10_000)
      .getRawMany();
    for (const { id } of stale) {
      await this.requestResync(id);
    }
    return stale.length;
  }

  /** Registers the number for Cloud API messaging with its PIN, then refreshes the snapshot. */
  async register(principal: ApiKeyPrincipal, id: string, pin: string): Promise<PhoneNumber> {
    const phone = await this.get(principal, id);
    const waba = await this.wabas.findById(phone.wabaId);
    if (!waba || waba.disconnectedAt || phone.disconnectedAt) {
      throw AppException.notFound('Phone number');
    }
    const { graph, token } = await this.wabas.access(waba);
    await graph.registerPhoneNumber(token, phone.metaPhoneNumberId, pin).catch((error: unknown) => {
      throw metaFailure(error, 'pin');
    });
    return (await this.resync(phone.id)) ?? phone;
  }
}
