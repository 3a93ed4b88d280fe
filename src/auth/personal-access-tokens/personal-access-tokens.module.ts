import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../../modules/users/users.module';
import { PersonalAccessToken } from './personal-access-token.entity';
import { PersonalAccessTokensService } from './personal-access-tokens.service';

@Module({
  imports: [TypeOrmModule.forFeature([PersonalAccessToken]), UsersModule],
  providers: [PersonalAccessTokensService],
  exports: [PersonalAccessTokensService],
})
export class PersonalAccessTokensModule {}
