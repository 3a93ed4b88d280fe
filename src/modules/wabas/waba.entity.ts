import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A WhatsApp Business Account connected to an organization (live), or its sandbox WABA (test mode). */
@Entity('wabas')
export class Waba {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  /** Test mode's WABA on the built-in sandbox, created with the organization. */
  @Column('boolean', { default: false }) isSandbox!: boolean;
  @Column('varchar', { length: 32 }) metaWabaId!: string;
  @Column('varchar', { length: 200, nullable: true }) name!: string | null;
  /** Sealed with the SecretBox; never returned by the API. */
  @Column('text') accessTokenSealed!: string;
  @Column('varchar', { length: 8, nullable: true }) currency!: string | null;
  @Column('varchar', { length: 16, nullable: true }) timezoneId!: string | null;
  @Column('varchar', { length: 64, nullable: true }) messageTemplateNamespace!: string | null;
  @Column('varchar', { length: 32, nullable: true }) accountReviewStatus!: string | null;
  @Column('timestamptz') connectedAt!: Date;
  @Column('timestamptz', { nullable: true }) disconnectedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
