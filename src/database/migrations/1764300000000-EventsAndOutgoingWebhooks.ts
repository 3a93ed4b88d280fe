import { MigrationInterface, QueryRunner } from 'typeorm';

export class EventsAndOutgoingWebhooks1764300000000 implements MigrationInterface {
  name = 'EventsAndOutgoingWebhooks1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The outbox: written in the transaction of the change it describes, fanned out afterwards.
    await queryRunner.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        type varchar(64) NOT NULL,
        data jsonb NOT NULL,
        phone_number_id uuid,
        message_id uuid,
        message_sequence integer,
        dispatched_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        CONSTRAINT events_message_sequence_key UNIQUE (message_id, message_sequence)
      )`);
    await queryRunner.query(`CREATE INDEX events_organization_idx ON events (organization_id, livemode, id DESC)`);
    await queryRunner.query(`CREATE INDEX events_undispatched_idx ON events (id) WHERE dispatched_at IS NULL`);

    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        url varchar(2048) NOT NULL,
        description varchar(500),
        event_types text[] NOT NULL,
        phone_number_id uuid REFERENCES phone_numbers (id) ON DELETE CASCADE,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason varchar(64),
        secret_sealed text NOT NULL,
        previous_secret_sealed text,
        previous_secret_expires_at timestamptz,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_endpoints_organization_idx ON webhook_endpoints (organization_id, livemode, id DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        trigger varchar(8) NOT NULL,
        status varchar(10) NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_duration_ms integer,
        last_response_excerpt text,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'cancelled')),
        CONSTRAINT webhook_deliveries_trigger_check CHECK (trigger IN ('event', 'retry', 'replay'))
      )`);
    // One delivery per endpoint and event from the fan-out; replays add their own.
    await queryRunner.query(
      `CREATE UNIQUE INDEX webhook_deliveries_event_once ON webhook_deliveries (endpoint_id, event_id) WHERE trigger = 'event'`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
    await queryRunner.query(`DROP TABLE events`);
  }
}
