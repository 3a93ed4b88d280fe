import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A copy of our media on Meta for one phone number: Meta media ids belong to the phone that uploaded them. */
@Entity('media_uploads')
export class MediaUpload {
  @PrimaryColumn('uuid') mediaId!: string;
  @PrimaryColumn('uuid') phoneNumberId!: string;
  @Column('varchar', { length: 64 }) metaMediaId!: string;
  /** Meta keeps uploaded media 30 days. */
  @Column('timestamptz') expiresAt!: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
