import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many times each outbound message was handed to Meta, and an index on the messages not yet
 * handed over (what delivery claims and the reconciler looks for), so neither scans the table.
 */
export class MessageAttempts1764800000000 implements MigrationInterface {
  name = 'MessageAttempts1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN attempts integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `CREATE INDEX messages_unsent_idx ON messages (id)
        WHERE direction = 'outbound' AND status IN ('queued', 'sending') AND wa_message_id IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX messages_unsent_idx`);
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN attempts`);
  }
}
