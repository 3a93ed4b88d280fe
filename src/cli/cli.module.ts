import { DynamicModule, Module } from '@nestjs/common';
import { PersonalAccessTokensModule } from '../auth/personal-access-tokens/personal-access-tokens.module';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { UsersModule } from '../modules/users/users.module';

/** What operator commands need: the database and the account services, no HTTP, no queues. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: 2, connect: true }),
        UsersModule,
        PersonalAccessTokensModule,
      ],
    };
  }
}
