import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { generateSecret } from '@libs/webhook-signature';
import { DataSource } from 'typeorm';
import type { ApiKeyPrincipal } from '../../auth/principal';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppException } from '../../common/errors/app.exception';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DomainEvent } from '../events/event.entity';
import { recordEvent } from '../events/record-event';
import { SECRET_BOX } from '../meta/meta.constants';
import { PhoneNumber } from '../phone-numbers/phone-number.entity';
import { WebhookDeliveryListQueryDto, WebhookReplayDto } from './dto/webhook-delivery.dto';
import { WebhookEndpointCreateDto, WebhookEndpointUpdateDto } from './dto/webhook-endpoint.dto';
import { assertPublicHost, PrivateAddressError } from './ssrf-guard';
import { AttemptOutcome, WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookDelivery } from './webhook-delivery.entity';
import { subscribes, WebhookEndpoint } from './webhook-endpoint.entity';

/** The previous secret keeps signing this long after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 3600_000;

@Injectable()
export class OutgoingWebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryService,
  ) {}

  private get endpoints() {
    return this.dataSource.getRepository(WebhookEndpoint);
  }

  async create(
    principal: ApiKeyPrincipal,
    dto: WebhookEndpointCreateDto,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const url = await this.checkUrl(dto.url);
    await this.checkPhone(principal, dto.phoneNumberId);
    const secret = generateSecret();
    const endpoint = this.endpoints.create({
      id: newId(),
      organizationId: principal.organizationId,
      livemode: principal.livemode,
      url,
      description: dto.description ?? null,
      eventTypes: [...new Set(dto.events)],
      phoneNumberId: dto.phoneNumberId ?? null,
      enabled: dto.enabled ?? true,
      disabledReason: null,
      secretSealed: this.secrets.seal(secret),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      failingSince: null,
    });
    await this.endpoints.insert(endpoint);
    return { endpoint: await this.endpoints.findOneByOrFail({ id: endpoint.id }), secret };
  }

  async list(principal: ApiKeyPrincipal, limit: number, cursor?: string): Promise<Page<WebhookEndpoint>> {
    const builder = this.endpoints
      .createQueryBuilder('endpoint')
      .where('endpoint.organizationId = :organizationId AND endpoint.livemode = :livemode', {
        organizationId: principal.organizationId,
        livemode: principal.livemode,
      })
      .orderBy('endpoint.id', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      builder.andWhere('endpoint.id < :id', { id: decodeCursor(cursor) });
    }
    return toPage(await builder.getMany(), limit);
  }

  async get(principal: ApiKeyPrincipal, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.findOneBy({
      id,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!endpoint) {
      throw AppException.notFound('Webhook endpoint');
    }
    return endpoint;
  }

  /** Re-enabling an endpoint we disabled clears why, and gives it a fresh start. */
  async update(principal: ApiKeyPrincipal, id: string, dto: WebhookEndpointUpdateDto): Promise<WebhookEndpoint> {
    const endpoint = await this.get(principal, id);
    const changes: Partial<WebhookEndpoint> = {};
    if (dto.url !== undefined) {
      changes.url = await this.checkUrl(dto.url);
    }
    if (dto.events !== undefined) {
      changes.eventTypes = [...new Set(dto.events)];
    }
    if (dto.description !== undefined) {
      changes.description = dto.description;
    }
    if (dto.phoneNumberId !== undefined) {
      await this.checkPhone(principal, dto.phoneNumberId);
      changes.phoneNumberId = dto.phoneNumberId;
    }
    if (dto.enabled !== undefined) {
      changes.enabled = dto.enabled;
      if (dto.enabled) {
        changes.disabledReason = null;
        changes.failingSince = null;
      }
    }
    if (Object.keys(changes).length > 0) {
      await this.endpoints.update({ id }, changes);
    }
    return this.endpoints.findOneByOrFail({ id: endpoint.id });
  }

  async remove(principal: ApiKeyPrincipal, id: string): Promise<void> {
    await this.endpoints.delete({ id: (await this.get(principal, id)).id });
  }

  /** A new secret; the old one keeps signing (a second signature) for 24 hours. */
  async rotateSecret(principal: ApiKeyPrincipal, id: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const endpoint = await this.get(principal, id);
    const secret = generateSecret();
    await this.endpoints.update(
      { id },
      {
        secretSealed: this.secrets.seal(secret),
        previousSecretSealed: endpoint.secretSealed,
        previousSecretExpiresAt: new Date(Date.now() + ROTATION_OVERLAP_MS),
      },
    );
    return { endpoint: await this.endpoints.findOneByOrFail({ id }), secret };
  }

  /** Sends a `webhook.test` event to this endpoint now and reports what it answered. */
  async test(principal: ApiKeyPrincipal, id: string): Promise<{ outcome: AttemptOutcome; eventId: string }> {
    const endpoint = await this.get(principal, id);
    const eventId = await this.dataSource.transaction(async (manager) => {
      const created = await recordEvent(manager, {
        organizationId: endpoint.organizationId,
        livemode: endpoint.livemode,
        type: 'webhook.test',
        data: { endpointId: endpoint.id, message: 'This is a test event from OpenWABA' },
      });
      // Sent only to this endpoint, synchronously: never fanned out.
      await manager.query(`DELETE FROM undispatched_events WHERE event_id = $1`, [created]);
      return created;
    });
    const event = await this.dataSource.getRepository(DomainEvent).findOneByOrFail({ id: eventId });
    return { outcome: await this.deliveries.send(endpoint, event), eventId };
  }

  async listDeliveries(
    principal: ApiKeyPrincipal,
    id: string,
    query: WebhookDeliveryListQueryDto,
  ): Promise<Page<WebhookDelivery>> {
    const endpoint = await this.get(principal, id);
    const builder = this.dataSource
      .getRepository(WebhookDelivery)
      .createQueryBuilder('delivery')
      .where('delivery.endpointId = :endpointId', { endpointId: endpoint.id })
      .orderBy('delivery.id', 'DESC')
      .limit(query.limit + 1);
    if (query.status) {
      builder.andWhere('delivery.status = :status', { status: query.status });
    }
    if (query.cursor) {
      builder.andWhere('delivery.id < :id', { id: decodeCursor(query.cursor) });
    }
    return toPage(await builder.getMany(), query.limit);
  }

  /** Attempts a delivery again now, whatever its state (a manual retry starts a fresh schedule). */
  async retryDelivery(principal: ApiKeyPrincipal, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const endpoint = await this.get(principal, id);
    const repository = this.dataSource.getRepository(WebhookDelivery);
    const delivery = await repository.findOneBy({ id: deliveryId, endpointId: endpoint.id });
    if (!delivery) {
      throw AppException.notFound('Webhook delivery');
    }
    const retry = repository.create({
      id: newId(),
      endpointId: endpoint.id,
      eventId: delivery.eventId,
      trigger: 'retry',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(),
    });
    await repository.insert(retry);
    await this.deliveries.queueAttempts([{ id: retry.id, endpointId: endpoint.id, attempts: 0, delayMs: 0 }]);
    return repository.findOneByOrFail({ id: retry.id });
  }

  /** Re-sends every event the endpoint subscribes to, created in the window. */
  async replay(principal: ApiKeyPrincipal, id: string, dto: WebhookReplayDto): Promise<number> {
    const endpoint = await this.get(principal, id);
    const since = new Date(dto.since);
    const until = dto.until ? new Date(dto.until) : new Date();
    const events: { id: string; type: string; phone_number_id: string | null }[] = await this.dataSource.query(
      `SELECT id, type, phone_number_id FROM events
        WHERE organization_id = $1 AND livemode = $2 AND created_at >= $3 AND created_at <= $4 AND type <> 'webhook.test'
        ORDER BY id LIMIT 100000`,
      [endpoint.organizationId, endpoint.livemode, since, until],
    );
    const matching = events.filter(
      (event) =>
        subscribes(endpoint.eventTypes, event.type) &&
        (!endpoint.phoneNumberId || endpoint.phoneNumberId === event.phone_number_id),
    );
    const ids = matching.map(() => newId());
    if (ids.length > 0) {
      await this.dataSource.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, trigger, status, next_attempt_at)
         SELECT id, $2, event_id, 'replay', 'pending', now() FROM unnest($1::uuid[], $3::uuid[]) AS t (id, event_id)`,
        [ids, endpoint.id, matching.map((event) => event.id)],
      );
      await this.deliveries.queueFirstAttempts(ids.map((deliveryId) => ({ id: deliveryId, endpointId: endpoint.id })));
    }
    return ids.length;
  }

  private async checkUrl(raw: string): Promise<string> {
    const invalid = (message: string) =>
      AppException.validation(`Invalid request: ${message}`, [{ field: 'url', message }]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid('url must be an absolute URL');
    }
    const allowed = this.config.outgoingWebhooks.allowHttp ? ['https:', 'http:'] : ['https:'];
    if (!allowed.includes(url.protocol)) {
      throw invalid(`url must use ${allowed.join(' or ')}`);
    }
    if (url.username || url.password) {
      throw invalid('url must not contain credentials');
    }
    await assertPublicHost(url, this.config.outgoingWebhooks.allowPrivateUrls).catch((error: unknown) => {
      throw invalid(
        error instanceof PrivateAddressError
          ? `url host ${error.message}: only public addresses may receive webhooks`
          : `url host ${url.hostname} cannot be resolved`,
      );
    });
    return url.toString();
  }

  private async checkPhone(principal: ApiKeyPrincipal, phoneNumberId: string | null | undefined): Promise<void> {
    if (!phoneNumberId) {
      return;
    }
    const exists = await this.dataSource.getRepository(PhoneNumber).existsBy({
      id: phoneNumberId,
      organizationId: principal.organizationId,
      livemode: principal.livemode,
    });
    if (!exists) {
      throw AppException.validation('Invalid request: phoneNumberId names no phone number of yours', [
        { field: 'phoneNumberId', message: 'no such phone number' },
      ]);
    }
  }
}
