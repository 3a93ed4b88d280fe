import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Of an outbound message's attempts, those Meta refused for a rate limit (throughput, pair rate):
 * they reschedule the message without using up `SEND_MAX_ATTEMPTS`. Only delivery reads it.
 */
export class MessageRateLimited1765100000000 implements MigrationInterface {
  name = 'MessageRateLimited1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages ADD COLUMN rate_limited integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN rate_limited`);
  }
}
