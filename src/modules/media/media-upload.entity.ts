import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A copy of our media on Meta for one phone number: Meta media ids belong to the phone that uploaded
 * them. While a worker uploads it, the row is its claim (`claimedUntil`), with no Meta id yet the
 * first time, or the expired one's.
 */
@Entity('media_uploads')
export class MediaUpload {
  @PrimaryColumn('uuid') mediaId!: string;
  @PrimaryColumn('uuid') phoneNumberId!: string;
  @Column('varchar', { length: 64, nullable: true }) metaMediaId!: string | null;
  /** Meta keeps uploaded media 30 days. */
  @Column('timestamptz', { nullable: true }) expiresAt!: Date | null;
  /** Until when the worker uploading a copy holds it; others wait for its copy meanwhile. */
  @Column('timestamptz', { nullable: true }) claimedUntil!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
