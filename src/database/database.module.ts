import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';

export interface DatabaseModuleOptions {
  url: string;
  poolSize: number;
  /** Build metadata without connecting (used to generate the OpenAPI document). */
  connect: boolean;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(options.url, options.poolSize),
          manualInitialization: !options.connect,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
    };
  }
}
