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
  const id = newId();
  await preparedQuery(
    manager,
    'record-event',
    `INSERT INTO events (id, organization_id, livemode, type, data, phone_number_id, message_id, message_sequence)
     VALUES ($1, $2, $3, $4, $5, $6, $7::uuid,
             CASE WHEN $7::uuid IS NULL THEN NULL
                  ELSE (SELECT coalesce(max(message_sequence), 0) + 1 FROM events WHERE message_id = $7::uuid) END)`,
    [
      id,
      event.organizationId,
      event.livemode,
      event.type,
      JSON.stringify(event.data),
      event.phoneNumberId ?? null,
      event.messageId ?? null,
    ],
  );
  return id;
}
