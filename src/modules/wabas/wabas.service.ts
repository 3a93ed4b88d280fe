import { forwardRef, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { MetaGraphClient } from '@libs/meta-graph';
import { DataSource, IsNull, Repository } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { EventsService } from '../events/events.service';
import { recordEvent } from '../events/record-event';
import { metaFailure } from '../meta/meta-errors';
import { MetaGateway } from '../meta/meta-gateway';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';
import { WabaConnectDto } from './dto/waba-connect.dto';
import { TestModeService } from './test-mode.service';
import { Waba } from './waba.entity';

/** What calling Meta for one WABA needs: the client of its mode and its (decrypted) token. */
export interface WabaAccess<W extends WabaCredentials = Waba> {
  waba: W;
  graph: MetaGraphClient;
  token: string;
}

/** The columns of a WABA that calling Meta needs (the delivery claim reads them with the message). */
export type WabaCredentials = Pick<Waba, 'id' | 'metaWabaId' | 'name' | 'livemode' | 'isSandbox' | 'accessTokenSealed'>;

function wabaEventData(waba: Waba) {
  return {
    id: waba.id,
    metaWabaId: waba.metaWabaId,
    name: waba.name,
    connectedAt: waba.connectedAt.toISOString(),
    disconnectedAt: waba.disconnectedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class WabasService {
  private readonly logger = new Logger(WabasService.name);
  private readonly connectedListeners: ((waba: Waba) => Promise<unknown>)[] = [];

  constructor(
    @InjectRepository(Waba) private readonly wabas: Repository<Waba>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gateway: MetaGateway,
    @Inject(forwardRef(() => TestModeService)) private readonly testMode: TestModeService,
    @Inject(forwardRef(() => PhoneNumbersService)) private readonly phoneNumbers: PhoneNumbersService,
    private readonly events: EventsService,
  ) {}

  /**
   * Connects a WABA: the token must read it from the Graph API; then the app is subscribed to its
   * webhooks and its phone numbers are imported, all before anything is stored.
   */
  async connect(principal: ApiKeyPrincipal, dto: WabaConnectDto): Promise<Waba> {
    const existing = await this.wabas.findOneBy({
      metaWabaId: dto.metaWabaId,
      livemode: principal.livemode,
      disconnectedAt: IsNull(),
    });
    if (existing) {
      throw new AppException(
        ErrorCode.Conflict,
        existing.organizationId === principal.organizationId
          ? 'This WABA is already connected'
          : 'This WABA is connected to another organization',
      );
    }

    const graph = await this.gateway.graph(principal.livemode);
    const info = await graph.getWaba(dto.accessToken, dto.metaWabaId).catch((error: unknown) => {
      throw metaFailure(error, 'accessToken');
    });
    const phoneInfos = await (async () => {
      await graph.subscribeApp(dto.accessToken, dto.metaWabaId);
      const listed = await graph.listPhoneNumbers(dto.accessToken, dto.metaWabaId);
      return Promise.all(listed.map((phone) => graph.getPhoneNumber(dto.accessToken, phone.id)));
    })().catch((error: unknown) => {
      throw metaFailure(error);
    });

    const waba = await this.dataSource.transaction(async (manager) => {
      const row = manager.create(Waba, {
        id: newId(),
        organizationId: principal.organizationId,
        livemode: principal.livemode,
        isSandbox: false,
        metaWabaId: dto.metaWabaId,
        name: info.name ?? null,
        accessTokenSealed: this.gateway.sealToken(dto.accessToken),
        currency: info.currency ?? null,
        timezoneId: info.timezone_id ?? null,
        messageTemplateNamespace: info.message_template_namespace ?? null,
        accountReviewStatus: info.account_review_status ?? null,
        connectedAt: new Date(),
        disconnectedAt: null,
      });
      await manager.insert(Waba, row);
      await this.phoneNumbers.importFromMeta(manager, row, phoneInfos);
      await recordEvent(manager, { ...principal, type: 'waba.connected', data: wabaEventData(row) });
      return row;
    });
    this.events.nudge();
    for (const listener of this.connectedListeners) {
      await listener(waba).catch((error: unknown) => {
        this.logger.warn(`After connecting WABA ${waba.id}: ${String(error)}`);
      });
    }
    return waba;
  }

  /** Work to do once a WABA is connected (e.g. importing its templates); a failure does not undo the connection. */
  onConnected(listener: (waba: Waba) => Promise<unknown>): void {
    this.connectedListeners.push(listener);
  }

  async list(principal: ApiKeyPrincipal, limit: number, cursor?: string): Promise<Page<Waba>> {
    const query = this.wabas
      .createQueryBuilder('waba')
      .where('waba.organization_id = :organizationId AND waba.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('waba.id', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      query.andWhere('waba.id < :after', { after: decodeCursor(cursor) });
    }
    return toPage(await query.getMany(), limit);
  }

  /** The WABA if it belongs to the caller's organization and mode; otherwise 404. */
  async get(principal: ApiKeyPrincipal, id: string): Promise<Waba> {
    const waba = await this.wabas.findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!waba) {
      throw AppException.notFound('WABA');
    }
    return waba;
  }

  /** Stops using the WABA (its phones stop sending) and keeps its history. Idempotent. */
  async disconnect(principal: ApiKeyPrincipal, id: string): Promise<Waba> {
    const waba = await this.get(principal, id);
    if (waba.isSandbox) {
      throw new AppException(ErrorCode.Conflict, "The test-mode sandbox WABA can't be disconnected");
    }
    if (waba.disconnectedAt) {
      return waba;
    }
    waba.disconnectedAt = new Date();
    await this.dataSource.transaction(async (manager) => {
      await manager.update(Waba, { id: waba.id }, { disconnectedAt: waba.disconnectedAt });
      await this.phoneNumbers.markDisconnected(manager, waba.id, waba.disconnectedAt!);
      await recordEvent(manager, { ...principal, type: 'waba.disconnected', data: wabaEventData(waba) });
    });
    this.events.nudge();
    // Best effort: Meta keeps sending webhooks otherwise, which ingestion would drop as unroutable.
    const access = await this.access(waba);
    await access.graph.unsubscribeApp(access.token, waba.metaWabaId).catch((error: unknown) => {
      this.logger.warn(`Unsubscribing from WABA ${waba.metaWabaId} failed: ${String(error)}`);
    });
    return waba;
  }

  findById(id: string): Promise<Waba | null> {
    return this.wabas.findOneBy({ id });
  }

  async access<W extends WabaCredentials>(waba: W): Promise<WabaAccess<W>> {
    await this.testMode.ensureProvisioned(waba);
    return {
      waba,
      graph: await this.gateway.graph(waba.livemode),
      token: this.gateway.openToken(waba.accessTokenSealed),
    };
  }
}
