import { ApiProperty } from '@nestjs/swagger';
import { MEMBER_ROLES, MemberRole } from '../organization-member.entity';
import { Organization } from '../organization.entity';

export class OrganizationDto {
  @ApiProperty({ format: 'uuid', example: '0193a5c2-7b1e-7c3e-9a51-1f0e2d3c4b5a' }) id!: string;
  @ApiProperty({ example: 'Acme Support' }) name!: string;
  @ApiProperty({ enum: MEMBER_ROLES, enumName: 'MemberRole', description: "The caller's role in this organization." })
  role!: MemberRole;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(organization: Organization, role: MemberRole): OrganizationDto {
    return { id: organization.id, name: organization.name, role, createdAt: organization.createdAt.toISOString() };
  }
}
