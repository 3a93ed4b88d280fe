import { MigrationInterface, QueryRunner } from 'typeorm';

export class WabasAndPhoneNumbers1764100000000 implements MigrationInterface {
  name = 'WabasAndPhoneNumbers1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE wabas (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        is_sandbox boolean NOT NULL DEFAULT false,
        meta_waba_id varchar(32) NOT NULL,
        name varchar(200),
        access_token_sealed text NOT NULL,
        currency varchar(8),
        timezone_id varchar(16),
        message_template_namespace varchar(64),
        account_review_status varchar(32),
        connected_at timestamptz NOT NULL,
        disconnected_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT wabas_sandbox_is_test CHECK (NOT (is_sandbox AND livemode))
      )`);
    await queryRunner.query(`CREATE INDEX wabas_organization_idx ON wabas (organization_id, livemode, id)`);
    // A Meta WABA is connected to at most one organization at a time.
    await queryRunner.query(
      `CREATE UNIQUE INDEX wabas_meta_waba_active_key ON wabas (meta_waba_id, livemode) WHERE disconnected_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX wabas_one_sandbox_per_org ON wabas (organization_id) WHERE is_sandbox`,
    );
    await queryRunner.query(`
      CREATE TABLE phone_numbers (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        waba_id uuid NOT NULL REFERENCES wabas (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        meta_phone_number_id varchar(32) NOT NULL,
        display_phone_number varchar(32) NOT NULL,
        verified_name varchar(200),
        quality_rating varchar(16),
        messaging_limit_tier varchar(32),
        throughput_level varchar(32),
        code_verification_status varchar(32),
        name_status varchar(32),
        meta_status varchar(32),
        platform_type varchar(32),
        account_mode varchar(16),
        last_synced_at timestamptz,
        last_sync_error text,
        disconnected_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX phone_numbers_organization_idx ON phone_numbers (organization_id, livemode, id)`,
    );
    await queryRunner.query(`CREATE INDEX phone_numbers_waba_idx ON phone_numbers (waba_id)`);
    // Meta webhooks name the phone; routing them to an organization is one index lookup.
    await queryRunner.query(
      `CREATE UNIQUE INDEX phone_numbers_meta_active_key ON phone_numbers (meta_phone_number_id, livemode) WHERE disconnected_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX phone_numbers_sync_idx ON phone_numbers (last_synced_at) WHERE disconnected_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE meta_webhook_events (
        id uuid PRIMARY KEY,
        object varchar(64) NOT NULL,
        payload jsonb NOT NULL,
        status varchar(16) NOT NULL,
        error text,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX meta_webhook_events_status_idx ON meta_webhook_events (status, received_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS meta_webhook_events`);
    await queryRunner.query(`DROP TABLE IF EXISTS phone_numbers`);
    await queryRunner.query(`DROP TABLE IF EXISTS wabas`);
  }
}
