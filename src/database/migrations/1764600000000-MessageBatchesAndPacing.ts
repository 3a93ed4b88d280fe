import { MigrationInterface, QueryRunner } from 'typeorm';

export class MessageBatchesAndPacing1764600000000 implements MigrationInterface {
  name = 'MessageBatchesAndPacing1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE message_batches (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        phone_number_id uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
        type varchar(32) NOT NULL,
        recipients integer NOT NULL,
        accepted integer NOT NULL,
        rejected jsonb NOT NULL,
        metadata jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX message_batches_organization_idx ON message_batches (organization_id, livemode, id DESC)`,
    );
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN batch_id uuid REFERENCES message_batches (id)`);
    await queryRunner.query(
      `CREATE INDEX messages_batch_idx ON messages (batch_id, status) WHERE batch_id IS NOT NULL`,
    );
    // The next free send slot per phone, when the queue runs on PostgreSQL (with Redis it lives in Redis).
    await queryRunner.query(`
      CREATE UNLOGGED TABLE phone_send_slots (
        phone_number_id uuid PRIMARY KEY,
        next_slot_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE phone_send_slots`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN batch_id`);
    await queryRunner.query(`DROP TABLE message_batches`);
  }
}
