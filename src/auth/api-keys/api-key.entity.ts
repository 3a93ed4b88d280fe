import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Scope } from '../scopes';

@Entity('api_keys')
export class ApiKey {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('varchar', { length: 100 }) name!: string;
  /** true for owb_live_ keys, false for owb_test_ keys. */
  @Column('boolean') livemode!: boolean;
  /** SHA-256 (hex) of the key; the key itself is shown once and never stored. */
  @Column('char', { length: 64 }) keyHash!: string;
  @Column('varchar', { length: 32 }) keyPreview!: string;
  @Column('text', { array: true }) scopes!: Scope[];
  @Column('integer', { nullable: true }) rateLimitPerMinute!: number | null;
  @Column('uuid', { nullable: true }) createdByUserId!: string | null;
  @Column('timestamptz', { nullable: true }) expiresAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
