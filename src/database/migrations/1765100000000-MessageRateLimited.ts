import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Of an outbound message's attempts, those Meta refused for a rate limit (throughput, pair rate),
 * and when the first of them was: they reschedule the message without using up `SEND_MAX_ATTEMPTS`,
 * for at most `SEND_RATE_LIMIT_MAX_WAIT_MS` from then. Only delivery reads them.
 */
export class MessageRateLimited1765100000000 implements MigrationInterface {
  name = 'MessageRateLimited1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE messages ADD COLUMN rate_limited integer NOT NULL DEFAULT 0, ADD COLUMN rate_limited_since timestamptz`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE messages DROP COLUMN rate_limited, DROP COLUMN rate_limited_since`);
  }
}
