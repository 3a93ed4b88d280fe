import { EntityManager } from 'typeorm';
import { newId } from '../../common/ids';
import { preparedQuery } from '../../database/prepared-query';
import type { EventType } from './event.entity';

export interface NewEvent {
  organizationId: string;
  livemode: boolean;
  type: EventType;
  data: object;
  phoneNumberId?: string | null;
  messageId?: string | null;
}

/**
 * Writes an event in the caller's transaction (the outbox): it exists exactly when the change it
 * describes was committed. The fan-out to endpoints happens afterwards (`EventsService.nudge`, and a
 * periodic sweep that catches what a crash left behind).
 */
export async function recordEvent(manager: EntityManager, event: NewEvent): Promise<string> {
  const [id] = await recordEvents(manager, [event]);
  return id;
}

/**
 * Writes many events in one statement, in the caller's transaction, as `recordEvent` does one.
 * Events of one message get consecutive sequence numbers, in the order given. Answers their ids.
 */
export async function recordEvents(manager: EntityManager, events: NewEvent[]): Promise<string[]> {
  if (events.length === 0) {
    return [];
  }
  const nthOfMessage = new Map<string, number>();
  const rows = events.map((event) => {
    const nth = event.messageId ? (nthOfMessage.get(event.messageId) ?? 0) + 1 : null;
    if (event.messageId) {
      nthOfMessage.set(event.messageId, nth!);
    }
    return {
      id: newId(),
      organization_id: event.organizationId,
      livemode: event.livemode,
      type: event.type,
      data: event.data,
      phone_number_id: event.phoneNumberId ?? null,
      message_id: event.messageId ?? null,
      nth,
    };
  });
  await preparedQuery(
    manager,
    'record-events',
    `INSERT INTO events (id, organization_id, livemode, type, data, phone_number_id, message_id, message_sequence)
     SELECT x.id, x.organization_id, x.livemode, x.type, x.data, x.phone_number_id, x.message_id,
            CASE WHEN x.message_id IS NULL THEN NULL
                 ELSE (SELECT coalesce(max(message_sequence), 0) FROM events WHERE message_id = x.message_id) + x.nth END
       FROM jsonb_to_recordset($1::jsonb) AS x (id uuid, organization_id uuid, livemode boolean, type text, data jsonb,
                                                 phone_number_id uuid, message_id uuid, nth integer)
      ORDER BY x.id`,
    [JSON.stringify(rows)],
  );
  return rows.map((row) => row.id);
}
