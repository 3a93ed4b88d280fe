import { MigrationInterface, QueryRunner } from 'typeorm';

export class ContactsConversationsMessages1764200000000 implements MigrationInterface {
  name = 'ContactsConversationsMessages1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE contacts (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        wa_id varchar(32),
        bsuid varchar(160),
        username varchar(64),
        profile_name varchar(256),
        name varchar(256),
        tags text[] NOT NULL DEFAULT '{}',
        attributes jsonb NOT NULL DEFAULT '{}',
        last_inbound_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- Millisecond precision: list cursors carry this value through JavaScript dates.
        updated_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      )`);
    // Each identity names at most one contact per organization and mode.
    await queryRunner.query(
      `CREATE UNIQUE INDEX contacts_wa_id_key ON contacts (organization_id, livemode, wa_id) WHERE wa_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX contacts_bsuid_key ON contacts (organization_id, livemode, bsuid) WHERE bsuid IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX contacts_recent_idx ON contacts (organization_id, livemode, updated_at DESC, id DESC)`,
    );
    await queryRunner.query(`CREATE INDEX contacts_tags_idx ON contacts USING gin (tags)`);

    await queryRunner.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        phone_number_id uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        last_message_id uuid,
        last_message_at timestamptz NOT NULL,
        last_message_direction varchar(8),
        last_message_preview varchar(200),
        last_inbound_at timestamptz,
        unread_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT conversations_phone_contact_key UNIQUE (phone_number_id, contact_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX conversations_activity_idx ON conversations (organization_id, livemode, last_message_at DESC, id DESC)`,
    );
    await queryRunner.query(`CREATE INDEX conversations_contact_idx ON conversations (contact_id)`);

    await queryRunner.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        phone_number_id uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
        conversation_id uuid REFERENCES conversations (id) ON DELETE CASCADE,
        contact_id uuid REFERENCES contacts (id) ON DELETE SET NULL,
        direction varchar(8) NOT NULL,
        type varchar(32) NOT NULL,
        content jsonb NOT NULL,
        status varchar(16) NOT NULL,
        wa_message_id varchar(160),
        context jsonb,
        referral jsonb,
        metadata jsonb,
        error jsonb,
        occurred_at timestamptz NOT NULL,
        sent_at timestamptz,
        delivered_at timestamptz,
        read_at timestamptz,
        failed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT messages_direction_check CHECK (direction IN ('inbound', 'outbound'))
      )`);
    // Meta delivers webhooks at least once: a wamid is stored once per phone.
    await queryRunner.query(
      `CREATE UNIQUE INDEX messages_wa_message_id_key ON messages (phone_number_id, wa_message_id) WHERE wa_message_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX messages_conversation_idx ON messages (conversation_id, occurred_at DESC, id DESC)`,
    );
    await queryRunner.query(`CREATE INDEX messages_organization_idx ON messages (organization_id, livemode, id DESC)`);

    await queryRunner.query(`
      CREATE TABLE message_status_events (
        id uuid PRIMARY KEY,
        message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        status varchar(16) NOT NULL,
        occurred_at timestamptz NOT NULL,
        error jsonb,
        pricing jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT message_status_events_once UNIQUE (message_id, status)
      )`);

    await queryRunner.query(`
      CREATE TABLE media (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
        livemode boolean NOT NULL,
        phone_number_id uuid REFERENCES phone_numbers (id) ON DELETE SET NULL,
        source varchar(8) NOT NULL,
        status varchar(8) NOT NULL,
        mime_type varchar(128) NOT NULL,
        filename varchar(255),
        size_bytes bigint,
        sha256 varchar(64),
        storage_key varchar(255),
        meta_media_id varchar(64),
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT media_source_check CHECK (source IN ('upload', 'inbound')),
        CONSTRAINT media_status_check CHECK (status IN ('pending', 'ready', 'failed'))
      )`);
    await queryRunner.query(`CREATE INDEX media_organization_idx ON media (organization_id, livemode, id DESC)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX media_inbound_key ON media (phone_number_id, meta_media_id) WHERE source = 'inbound'`,
    );

    // Statuses that arrive before their message is known (the send response lost the race).
    await queryRunner.query(`
      CREATE TABLE parked_statuses (
        id uuid PRIMARY KEY,
        phone_number_id uuid NOT NULL REFERENCES phone_numbers (id) ON DELETE CASCADE,
        wa_message_id varchar(160) NOT NULL,
        status varchar(16) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT parked_statuses_once UNIQUE (phone_number_id, wa_message_id, status)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE parked_statuses`);
    await queryRunner.query(`DROP TABLE media`);
    await queryRunner.query(`DROP TABLE message_status_events`);
    await queryRunner.query(`DROP TABLE messages`);
    await queryRunner.query(`DROP TABLE conversations`);
    await queryRunner.query(`DROP TABLE contacts`);
  }
}
