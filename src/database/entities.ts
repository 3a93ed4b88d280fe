import { ApiKey } from '../auth/api-keys/api-key.entity';
import { PersonalAccessToken } from '../auth/personal-access-tokens/personal-access-token.entity';
import { IdempotencyKey } from '../common/idempotency/idempotency-key.entity';
import { OrganizationMember } from '../modules/organizations/organization-member.entity';
import { Organization } from '../modules/organizations/organization.entity';
import { User } from '../modules/users/user.entity';
import { MetaWebhookEvent } from '../modules/meta-webhooks/meta-webhook-event.entity';
import { PhoneNumber } from '../modules/phone-numbers/phone-number.entity';
import { Waba } from '../modules/wabas/waba.entity';
import { Contact } from '../modules/contacts/contact.entity';
import { Conversation } from '../modules/conversations/conversation.entity';
import { DomainEvent } from '../modules/events/event.entity';
import { Template } from '../modules/templates/template.entity';
import { Templates1764400000000 } from './migrations/1764400000000-Templates';
import { MessageBatchesAndPacing1764600000000 } from './migrations/1764600000000-MessageBatchesAndPacing';
import { MessageDueAt1764700000000 } from './migrations/1764700000000-MessageDueAt';
import { MessageAttempts1764800000000 } from './migrations/1764800000000-MessageAttempts';
import { UndispatchedEvents1764900000000 } from './migrations/1764900000000-UndispatchedEvents';
import { LighterMessageWrites1765000000000 } from './migrations/1765000000000-LighterMessageWrites';
import { MessageRateLimited1765100000000 } from './migrations/1765100000000-MessageRateLimited';
import { MediaUploadClaims1765200000000 } from './migrations/1765200000000-MediaUploadClaims';
import { MessageBatch } from '../modules/messages/message-batch.entity';
import { Media } from '../modules/media/media.entity';
import { MediaUpload } from '../modules/media/media-upload.entity';
import { MediaUploads1764500000000 } from './migrations/1764500000000-MediaUploads';
import { WebhookDelivery } from '../modules/outgoing-webhooks/webhook-delivery.entity';
import { WebhookEndpoint } from '../modules/outgoing-webhooks/webhook-endpoint.entity';
import { EventsAndOutgoingWebhooks1764300000000 } from './migrations/1764300000000-EventsAndOutgoingWebhooks';
import { MessageStatusEvent } from '../modules/messages/message-status-event.entity';
import { Message } from '../modules/messages/message.entity';
import { ContactsConversationsMessages1764200000000 } from './migrations/1764200000000-ContactsConversationsMessages';
import { Foundation1764000000000 } from './migrations/1764000000000-Foundation';
import { WabasAndPhoneNumbers1764100000000 } from './migrations/1764100000000-WabasAndPhoneNumbers';

/** Listed, not globbed: the same classes every module imports, under any loader (node, jest, bundlers). */
export const ENTITIES = [
  Organization,
  OrganizationMember,
  User,
  PersonalAccessToken,
  ApiKey,
  IdempotencyKey,
  Waba,
  PhoneNumber,
  MetaWebhookEvent,
  Contact,
  Conversation,
  Message,
  MessageStatusEvent,
  Media,
  MediaUpload,
  DomainEvent,
  WebhookEndpoint,
  WebhookDelivery,
  Template,
  MessageBatch,
];

/** In the order they apply. */
export const MIGRATIONS = [
  Foundation1764000000000,
  WabasAndPhoneNumbers1764100000000,
  ContactsConversationsMessages1764200000000,
  EventsAndOutgoingWebhooks1764300000000,
  Templates1764400000000,
  MediaUploads1764500000000,
  MessageBatchesAndPacing1764600000000,
  MessageDueAt1764700000000,
  MessageAttempts1764800000000,
  UndispatchedEvents1764900000000,
  LighterMessageWrites1765000000000,
  MessageRateLimited1765100000000,
  MediaUploadClaims1765200000000,
];
