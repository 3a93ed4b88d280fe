import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One `Idempotency-Key` of one organization (or user, for account routes) and the response it produced. */
@Entity('idempotency_keys')
export class IdempotencyKey {
  /** `org:<uuid>` or `user:<uuid>`. */
  @PrimaryColumn('varchar', { length: 64 }) scope!: string;
  @PrimaryColumn('varchar', { length: 255 }) key!: string;
  @Column('varchar', { length: 10 }) requestMethod!: string;
  @Column('varchar', { length: 2048 }) requestPath!: string;
  /** SHA-256 of method, path and body: the same key with another request is refused. */
  @Column('char', { length: 64 }) requestHash!: string;
  @Column('integer', { nullable: true }) responseStatus!: number | null;
  @Column('jsonb', { nullable: true }) responseBody!: unknown;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz') expiresAt!: Date;
}
