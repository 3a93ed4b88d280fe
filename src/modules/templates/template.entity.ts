import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A message template of a WABA, as Meta last reported it (components in Meta's own shape). */
@Entity('templates')
export class Template {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('uuid') wabaId!: string;
  @Column('varchar', { length: 32 }) metaTemplateId!: string;
  @Column('varchar', { length: 512 }) name!: string;
  @Column('varchar', { length: 16 }) language!: string;
  @Column('varchar', { length: 16 }) category!: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … as Meta says. */
  @Column('varchar', { length: 24 }) status!: string;
  @Column('varchar', { length: 64, nullable: true }) rejectedReason!: string | null;
  @Column('varchar', { length: 12 }) parameterFormat!: 'POSITIONAL' | 'NAMED';
  @Column('jsonb') components!: object[];
  @Column('timestamptz', { nullable: true }) lastSyncedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}

/** Statuses in which Meta accepts an edit (reference §6.3). */
export const EDITABLE_STATUSES = ['APPROVED', 'REJECTED', 'PAUSED'];
