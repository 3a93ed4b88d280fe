import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { newId } from '../../common/ids';
import { TtlCache } from '../../common/ttl-cache';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { UsersService } from '../../modules/users/users.service';
import { AuthErrors } from '../auth-errors';
import { UserPrincipal } from '../principal';
import { hashToken, issueToken } from '../tokens';
import { PersonalAccessToken } from './personal-access-token.entity';

type CachedToken = { principal: UserPrincipal; revokedAt: Date | null };

@Injectable()
export class PersonalAccessTokensService {
  private readonly cache: TtlCache<CachedToken>;

  constructor(
    @InjectRepository(PersonalAccessToken) private readonly tokens: Repository<PersonalAccessToken>,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cache = new TtlCache(config.auth.apiKeyCacheTtlMs);
  }

  /** Issues a new token for the user; the returned secret is never retrievable again. */
  async issue(userId: string, name: string): Promise<{ token: string; record: PersonalAccessToken }> {
    const issued = issueToken('pat');
    const record = await this.tokens.save(
      this.tokens.create({
        id: newId(),
        userId,
        name,
        tokenHash: issued.hash,
        tokenPreview: issued.preview,
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
      }),
    );
    return { token: issued.token, record };
  }

  async authenticate(token: string): Promise<UserPrincipal> {
    const hash = hashToken(token);
    let entry = this.cache.get(hash);
    if (!entry) {
      const record = await this.tokens.findOneBy({ tokenHash: hash });
      const user = record ? await this.users.findById(record.userId) : null;
      if (!record || !user) {
        throw AuthErrors.unknown('personal access token');
      }
      entry = {
        revokedAt: record.revokedAt,
        principal: {
          kind: 'user',
          userId: user.id,
          tokenId: record.id,
          email: user.email,
          isPlatformAdmin: user.isPlatformAdmin,
          expiresAt: record.expiresAt,
        },
      };
      this.cache.set(hash, entry);
    }
    if (entry.revokedAt) {
      throw AuthErrors.revoked('personal access token');
    }
    if (entry.principal.expiresAt && entry.principal.expiresAt <= new Date()) {
      throw AuthErrors.expired('personal access token', entry.principal.expiresAt);
    }
    return entry.principal;
  }

  async recordUsage(tokenId: string, usedAt: Date): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'GREATEST(COALESCE(last_used_at, :usedAt), :usedAt)' })
      .setParameter('usedAt', usedAt)
      .where('id = :tokenId', { tokenId })
      .execute();
  }
}
