import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { newId } from '../../common/ids';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: email.toLowerCase() });
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  /** Creates the user, or returns the existing one with `created: false`. Safe under concurrent calls. */
  async ensure(email: string, isPlatformAdmin: boolean): Promise<{ user: User; created: boolean }> {
    const normalized = email.toLowerCase();
    const inserted = await this.users
      .createQueryBuilder()
      .insert()
      .values({ id: newId(), email: normalized, isPlatformAdmin })
      .orIgnore()
      .returning('id')
      .execute();
    const created = (inserted.raw as unknown[]).length > 0;
    const existing = await this.users.findOneByOrFail({ email: normalized });
    if (!created && isPlatformAdmin && !existing.isPlatformAdmin) {
      await this.users.update({ id: existing.id }, { isPlatformAdmin: true });
      existing.isPlatformAdmin = true;
    }
    return { user: existing, created };
  }
}
