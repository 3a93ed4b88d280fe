import { DynamicModule, Global, Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { resolveEncryptionKey } from '../../common/crypto/encryption-key';
import { SecretBox } from '../../common/crypto/secret-box';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MetaGateway } from './meta-gateway';
import { SECRET_BOX } from './meta.constants';
import { SandboxHost } from './sandbox-host';

/** Access to Meta (and the test-mode sandbox) and the key that seals Meta credentials at rest. */
@Global()
@Module({})
export class MetaModule {
  /** `connect: false` (OpenAPI generation) uses a throwaway key instead of reading or creating one. */
  static forRoot(options: { connect: boolean }): DynamicModule {
    return {
      module: MetaModule,
      providers: [
        {
          provide: SECRET_BOX,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            new SecretBox(options.connect ? resolveEncryptionKey(config) : randomBytes(32)),
        },
        SandboxHost,
        MetaGateway,
      ],
      exports: [SECRET_BOX, SandboxHost, MetaGateway],
    };
  }
}
