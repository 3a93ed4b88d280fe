import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox's to-do list in a table of its own: a narrow row per event still to fan out, written
 * by a statement trigger for every insert into events and deleted when the event is dispatched.
 * Events themselves are then never updated (marking each dispatched rewrote a wide row and its
 * indexes, about a third of PostgreSQL's work per outbound message).
 */
export class UndispatchedEvents1764900000000 implements MigrationInterface {
  name = 'UndispatchedEvents1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE undispatched_events (
        event_id uuid PRIMARY KEY,
        created_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `INSERT INTO undispatched_events (event_id, created_at) SELECT id, created_at FROM events WHERE dispatched_at IS NULL`,
    );
    await queryRunner.query(`
      CREATE FUNCTION events_to_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO undispatched_events (event_id, created_at) SELECT id, created_at FROM inserted_events;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER events_to_dispatch AFTER INSERT ON events
        REFERENCING NEW TABLE AS inserted_events FOR EACH STATEMENT EXECUTE FUNCTION events_to_dispatch()`);
    await queryRunner.query(`DROP INDEX events_undispatched_idx`);
    await queryRunner.query(`ALTER TABLE events DROP COLUMN dispatched_at`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE events ADD COLUMN dispatched_at timestamptz`);
    await queryRunner.query(
      `UPDATE events SET dispatched_at = now() WHERE id NOT IN (SELECT event_id FROM undispatched_events)`,
    );
    await queryRunner.query(`CREATE INDEX events_undispatched_idx ON events (id) WHERE dispatched_at IS NULL`);
    await queryRunner.query(`DROP TRIGGER events_to_dispatch ON events`);
    await queryRunner.query(`DROP FUNCTION events_to_dispatch()`);
    await queryRunner.query(`DROP TABLE undispatched_events`);
  }
}
