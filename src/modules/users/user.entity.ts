import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('users')
export class User {
  @PrimaryColumn('uuid') id!: string;
  /** Stored lower-cased; unique. */
  @Column('varchar', { length: 320 }) email!: string;
  @Column('boolean', { default: false }) isPlatformAdmin!: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
