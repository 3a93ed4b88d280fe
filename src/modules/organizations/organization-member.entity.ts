import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** A user's membership of an organization; the user who creates an organization is its owner. */
@Entity('organization_members')
export class OrganizationMember {
  @PrimaryColumn('uuid') organizationId!: string;
  @PrimaryColumn('uuid') userId!: string;
  @Column('varchar', { length: 20 }) role!: MemberRole;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
