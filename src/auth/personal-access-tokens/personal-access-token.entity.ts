import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('personal_access_tokens')
export class PersonalAccessToken {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') userId!: string;
  @Column('varchar', { length: 100 }) name!: string;
  /** SHA-256 (hex) of the token; the token itself is shown once and never stored. */
  @Column('char', { length: 64 }) tokenHash!: string;
  @Column('varchar', { length: 32 }) tokenPreview!: string;
  @Column('timestamptz', { nullable: true }) expiresAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
