import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { newId } from '../../common/ids';
import { decodeCursor, toPage } from '../../common/pagination/cursor';
import { Page } from '../../common/pagination/page';
import { OrganizationHooks } from './organization-hooks';
import { MemberRole, OrganizationMember } from './organization-member.entity';
import { Organization } from './organization.entity';

export interface OrganizationWithRole {
  organization: Organization;
  role: MemberRole;
}

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    @InjectRepository(OrganizationMember) private readonly members: Repository<OrganizationMember>,
    private readonly hooks: OrganizationHooks,
  ) {}

  /** Creates the organization with its creator as owner, and whatever other modules add, in one transaction. */
  async create(userId: string, name: string): Promise<OrganizationWithRole> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await manager.save(manager.create(Organization, { id: newId(), name }));
      await manager.insert(OrganizationMember, { organizationId: organization.id, userId, role: 'owner' });
      await this.hooks.runCreated(manager, organization);
      return { organization, role: 'owner' };
    });
  }

  /** The organizations the user belongs to, newest first. */
  async listForUser(userId: string, limit: number, cursor?: string): Promise<Page<OrganizationWithRole>> {
    const query = this.organizations
      .createQueryBuilder('organization')
      .innerJoin(OrganizationMember, 'member', 'member.organization_id = organization.id')
      .addSelect('member.role', 'member_role')
      .where('member.user_id = :userId', { userId })
      .orderBy('member.organization_id', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      query.andWhere('member.organization_id < :after', { after: decodeCursor(cursor) });
    }
    const { entities, raw } = await query.getRawAndEntities<{ member_role: MemberRole }>();
    const rows = entities.map((organization, index) => ({
      id: organization.id,
      organization,
      role: raw[index].member_role,
    }));
    return toPage(rows, limit);
  }

  /** The organization if the user is a member; otherwise 404, so its existence is not revealed. */
  async getForUser(userId: string, organizationId: string): Promise<OrganizationWithRole> {
    const membership = await this.members.findOneBy({ organizationId, userId });
    const organization = membership ? await this.organizations.findOneBy({ id: organizationId }) : null;
    if (!membership || !organization) {
      throw AppException.notFound('Organization');
    }
    return { organization, role: membership.role };
  }

  /** Like getForUser, but the user must also be an owner or admin (to manage keys and settings). */
  async getManagedByUser(userId: string, organizationId: string): Promise<OrganizationWithRole> {
    const found = await this.getForUser(userId, organizationId);
    if (found.role === 'member') {
      throw new AppException(ErrorCode.Forbidden, 'Only owners and admins of this organization can do this');
    }
    return found;
  }

  getById(organizationId: string): Promise<Organization | null> {
    return this.organizations.findOneBy({ id: organizationId });
  }
}
