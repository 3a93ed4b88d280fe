import { EntityManager } from 'typeorm';
import { newId } from '../../common/ids';
import { Contact } from './contact.entity';

/** What an inbound payload says about who wrote. */
export interface SeenIdentity {
  waId?: string;
  bsuid?: string;
  username?: string;
  profileName?: string;
}

interface Scope {
  organizationId: string;
  livemode: boolean;
}

/**
 * Finds or creates the contact behind an identity, inside the caller's transaction. When one
 * payload reveals that a phone-known contact and a BSUID-known contact are the same person, the
 * phone-known one is merged into the BSUID one (its conversations and messages move), because the
 * BSUID is the identity Meta keeps when a phone is hidden.
 */
export async function resolveContact(
  manager: EntityManager,
  scope: Scope,
  seen: SeenIdentity,
): Promise<{ contact: Contact; created: boolean }> {
  const keys = [seen.waId && `wa:${seen.waId}`, seen.bsuid && `bsuid:${seen.bsuid}`].filter(Boolean).sort();
  for (const key of keys) {
    // Serializes concurrent first messages from the same person, so they create one contact.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`contact:${scope.organizationId}:${key}`]);
  }
  const repository = manager.getRepository(Contact);
  const where = { organizationId: scope.organizationId, livemode: scope.livemode };
  const byBsuid = seen.bsuid ? await repository.findOneBy({ ...where, bsuid: seen.bsuid }) : null;
  const byWaId = seen.waId ? await repository.findOneBy({ ...where, waId: seen.waId }) : null;

  let contact = byBsuid ?? byWaId;
  if (byBsuid && byWaId && byBsuid.id !== byWaId.id) {
    contact = await mergeContacts(manager, byWaId, byBsuid);
  }
  if (!contact) {
    contact = repository.create({
      id: newId(),
      ...where,
      waId: seen.waId ?? null,
      bsuid: seen.bsuid ?? null,
      username: seen.username ?? null,
      profileName: seen.profileName ?? null,
      name: null,
      tags: [],
      attributes: {},
      lastInboundAt: null,
    });
    await repository.insert(contact);
    return { contact, created: true };
  }
  const changes: Partial<Contact> = {};
  if (seen.waId && !contact.waId) {
    changes.waId = seen.waId;
  }
  if (seen.bsuid && !contact.bsuid) {
    changes.bsuid = seen.bsuid;
  }
  if (seen.username && seen.username !== contact.username) {
    changes.username = seen.username;
  }
  if (seen.profileName && seen.profileName !== contact.profileName) {
    changes.profileName = seen.profileName;
  }
  if (Object.keys(changes).length > 0) {
    await repository.update({ id: contact.id }, changes);
    Object.assign(contact, changes);
  }
  return { contact, created: false };
}

/** Moves everything of `from` to `into`, then deletes `from`. Conversations on the same phone become one. */
async function mergeContacts(manager: EntityManager, from: Contact, into: Contact): Promise<Contact> {
  // Waits for transactions whose rows naming `from` are already checked against it (a foreign key
  // check holds a share lock), so what they wrote is moved, not deleted with it; a send still
  // writing then fails on `from` being gone (or on a deadlock PostgreSQL breaks), never silently.
  await manager.query(`SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE`, [from.id]);
  await manager.query(
    `WITH clash AS (
       SELECT old.id AS old_id, keep.id AS keep_id
         FROM conversations old JOIN conversations keep
           ON keep.phone_number_id = old.phone_number_id AND keep.contact_id = $2
        WHERE old.contact_id = $1)
     UPDATE messages m SET conversation_id = clash.keep_id FROM clash WHERE m.conversation_id = clash.old_id`,
    [from.id, into.id],
  );
  await manager.query(
    `UPDATE conversations keep
        SET unread_count = keep.unread_count + old.unread_count,
            last_inbound_at = GREATEST(keep.last_inbound_at, old.last_inbound_at),
            last_message_at = GREATEST(keep.last_message_at, old.last_message_at)
       FROM conversations old
      WHERE old.contact_id = $1 AND keep.contact_id = $2 AND keep.phone_number_id = old.phone_number_id`,
    [from.id, into.id],
  );
  await manager.query(
    `DELETE FROM conversations old USING conversations keep
      WHERE old.contact_id = $1 AND keep.contact_id = $2 AND keep.phone_number_id = old.phone_number_id`,
    [from.id, into.id],
  );
  await manager.query(`UPDATE conversations SET contact_id = $2 WHERE contact_id = $1`, [from.id, into.id]);
  await manager.query(`UPDATE messages SET contact_id = $2 WHERE contact_id = $1`, [from.id, into.id]);
  await manager.query(`DELETE FROM contacts WHERE id = $1`, [from.id]);
  const merged: Partial<Contact> = {
    waId: into.waId ?? from.waId,
    name: into.name ?? from.name,
    tags: [...new Set([...into.tags, ...from.tags])],
    attributes: { ...from.attributes, ...into.attributes },
  };
  await manager.getRepository(Contact).update({ id: into.id }, merged);
  return Object.assign(into, merged);
}
