import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { TtlCache } from '../../common/ttl-cache';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AuthErrors } from '../auth-errors';
import { ApiKeyPrincipal } from '../principal';
import { SCOPES } from '../scopes';
import { hashToken, issueToken } from '../tokens';
import { ApiKey } from './api-key.entity';
import { ApiKeyCreateDto } from './dto/api-key-create.dto';

type CachedKey = { principal: ApiKeyPrincipal; revokedAt: Date | null };

@Injectable()
export class ApiKeysService {
  /**
   * Keyed by the key's hash. Entries live `API_KEY_CACHE_TTL_MS` (5 s by default): that bounds how long a
   * key revoked on another replica keeps working; on this replica revocation evicts at once.
   */
  private readonly cache: TtlCache<CachedKey>;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cache = new TtlCache(config.auth.apiKeyCacheTtlMs);
  }

  async create(
    organizationId: string,
    createdByUserId: string,
    dto: ApiKeyCreateDto,
  ): Promise<{ key: string; record: ApiKey }> {
    const issued = issueToken(dto.mode);
    const record = await this.keys.save(
      this.keys.create({
        id: newId(),
        organizationId,
        name: dto.name,
        livemode: dto.mode === 'live',
        keyHash: issued.hash,
        keyPreview: issued.preview,
        scopes: dto.scopes ?? [...SCOPES],
        rateLimitPerMinute: dto.rateLimitPerMinute ?? null,
        createdByUserId,
        expiresAt: dto.expiresAt ?? null,
        revokedAt: null,
        lastUsedAt: null,
      }),
    );
    return { key: issued.token, record };
  }

  async list(organizationId: string, limit: number, cursor?: string): Promise<Page<ApiKey>> {
    const query = this.keys
      .createQueryBuilder('key')
      .where('key.organization_id = :organizationId', { organizationId })
      .orderBy('key.id', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      query.andWhere('key.id < :after', { after: decodeCursor(cursor) });
    }
    return toPage(await query.getMany(), limit);
  }

  async get(organizationId: string, keyId: string): Promise<ApiKey> {
    const key = await this.keys.findOneBy({ id: keyId, organizationId });
    if (!key) {
      throw AppException.notFound('API key');
    }
    return key;
  }

  /** Revokes the key (idempotent); it stops working here at once and on other replicas within the cache TTL. */
  async revoke(organizationId: string, keyId: string): Promise<ApiKey> {
    const key = await this.get(organizationId, keyId);
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await this.keys.update({ id: key.id, organizationId }, { revokedAt: key.revokedAt });
    }
    this.cache.delete(key.keyHash);
    return key;
  }

  async authenticate(token: string): Promise<ApiKeyPrincipal> {
    const hash = hashToken(token);
    let entry = this.cache.get(hash);
    if (!entry) {
      const record = await this.keys.findOneBy({ keyHash: hash });
      if (!record) {
        throw AuthErrors.unknown('API key');
      }
      entry = {
        revokedAt: record.revokedAt,
        principal: {
          kind: 'apiKey',
          apiKeyId: record.id,
          organizationId: record.organizationId,
          livemode: record.livemode,
          scopes: record.scopes,
          rateLimitPerMinute: record.rateLimitPerMinute,
          expiresAt: record.expiresAt,
        },
      };
      this.cache.set(hash, entry);
    }
    if (entry.revokedAt) {
      throw AuthErrors.revoked('API key');
    }
    if (entry.principal.expiresAt && entry.principal.expiresAt <= new Date()) {
      throw AuthErrors.expired('API key', entry.principal.expiresAt);
    }
    return entry.principal;
  }

  async recordUsage(apiKeyId: string, usedAt: Date): Promise<void> {
    await this.keys
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'GREATEST(COALESCE(last_used_at, :usedAt), :usedAt)' })
      .setParameter('usedAt', usedAt)
      .where('id = :apiKeyId', { apiKeyId })
      .execute();
  }
}
