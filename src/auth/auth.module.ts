import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationsModule } from '../modules/organizations/organizations.module';
import { ApiKey } from './api-keys/api-key.entity';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { MeController } from './api-keys/me.controller';
import { BearerAuthenticator } from './bearer-authenticator';
import { CredentialUsageRecorder } from './credential-usage.recorder';
import { PersonalAccessTokensModule } from './personal-access-tokens/personal-access-tokens.module';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), PersonalAccessTokensModule, OrganizationsModule],
  controllers: [ApiKeysController, MeController],
  providers: [ApiKeysService, BearerAuthenticator, CredentialUsageRecorder],
  exports: [ApiKeysService, PersonalAccessTokensModule, BearerAuthenticator, CredentialUsageRecorder],
})
export class AuthModule {}
