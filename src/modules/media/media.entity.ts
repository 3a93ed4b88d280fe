import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type MediaSource = 'upload' | 'inbound';
export type MediaStatus = 'pending' | 'ready' | 'failed';

/** A file we hold: uploaded by a client, or sent by a customer and downloaded from Meta. */
@Entity('media')
export class Media {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('uuid', { nullable: true }) phoneNumberId!: string | null;
  @Column('varchar', { length: 8 }) source!: MediaSource;
  /** Inbound media is `pending` until its download from Meta finished. */
  @Column('varchar', { length: 8 }) status!: MediaStatus;
  @Column('varchar', { length: 128 }) mimeType!: string;
  @Column('varchar', { length: 255, nullable: true }) filename!: string | null;
  @Column('bigint', {
    nullable: true,
    transformer: {
      to: (value: number | null) => value,
      from: (value: string | null) => (value === null ? null : Number(value)),
    },
  })
  sizeBytes!: number | null;
  /** Hex SHA-256 of the stored bytes. */
  @Column('varchar', { length: 64, nullable: true }) sha256!: string | null;
  @Column('varchar', { length: 255, nullable: true }) storageKey!: string | null;
  @Column('varchar', { length: 64, nullable: true }) metaMediaId!: string | null;
  @Column('text', { nullable: true }) error!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
