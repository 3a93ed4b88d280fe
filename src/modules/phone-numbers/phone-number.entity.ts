import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A WhatsApp business phone number of a connected WABA, with the last snapshot read from Meta. */
@Entity('phone_numbers')
export class PhoneNumber {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('uuid') wabaId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('varchar', { length: 32 }) metaPhoneNumberId!: string;
  @Column('varchar', { length: 32 }) displayPhoneNumber!: string;
  @Column('varchar', { length: 200, nullable: true }) verifiedName!: string | null;
  @Column('varchar', { length: 16, nullable: true }) qualityRating!: string | null;
  @Column('varchar', { length: 32, nullable: true }) messagingLimitTier!: string | null;
  @Column('varchar', { length: 32, nullable: true }) throughputLevel!: string | null;
  @Column('varchar', { length: 32, nullable: true }) codeVerificationStatus!: string | null;
  @Column('varchar', { length: 32, nullable: true }) nameStatus!: string | null;
  /** Meta's `status`: CONNECTED once registered for Cloud API messaging. */
  @Column('varchar', { length: 32, nullable: true }) metaStatus!: string | null;
  @Column('varchar', { length: 32, nullable: true }) platformType!: string | null;
  @Column('varchar', { length: 16, nullable: true }) accountMode!: string | null;
  @Column('timestamptz', { nullable: true }) lastSyncedAt!: Date | null;
  @Column('text', { nullable: true }) lastSyncError!: string | null;
  /** Set when its WABA is disconnected: kept for history, no longer used to send. */
  @Column('timestamptz', { nullable: true }) disconnectedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
