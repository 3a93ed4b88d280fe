import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A recipient of a batch that was refused, with why. */
export interface RejectedRecipient {
  index: number;
  code: string;
  message: string;
  field?: string;
}

/** One content sent to many recipients; its messages carry its id. */
@Entity('message_batches')
export class MessageBatch {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') organizationId!: string;
  @Column('boolean') livemode!: boolean;
  @Column('uuid') phoneNumberId!: string;
  @Column('varchar', { length: 32 }) type!: string;
  @Column('integer') recipients!: number;
  @Column('integer') accepted!: number;
  @Column('jsonb') rejected!: RejectedRecipient[];
  @Column('jsonb', { nullable: true }) metadata!: object | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
