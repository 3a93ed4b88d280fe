/* Graph API shapes, snake_case as Meta sends and receives them (business-messaging-api v23.0 + fact sheet). */

/** Meta returns enums upper-case and accepts either case on input. */
type AnyCase<T extends string> = T | Lowercase<T>;

// ---------------------------------------------------------------------------------------------
// Accounts and phone numbers

export interface WabaInfo {
  id: string;
  name?: string;
  currency?: string;
  timezone_id?: string;
  message_template_namespace?: string;
  account_review_status?: string;
  business_verification_status?: string;
}

export interface PhoneNumberInfo {
  id: string;
  display_phone_number: string;
  verified_name?: string;
  quality_rating?: string;
  code_verification_status?: string;
  name_status?: string;
  status?: string;
  platform_type?: string;
  throughput?: { level: string };
  /** Deprecated by Meta in favour of whatsapp_business_manager_messaging_limit. */
  messaging_limit_tier?: string;
  whatsapp_business_manager_messaging_limit?: string;
  account_mode?: string;
  last_onboarded_time?: string;
  is_official_business_account?: boolean;
}

export interface SubscribedApp {
  whatsapp_business_api_data: { id: string; name?: string; link?: string };
  override_callback_uri?: string;
}

export interface GraphPage<T> {
  data: T[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string; previous?: string };
}

// ---------------------------------------------------------------------------------------------
// Media

export interface MediaInfo {
  id: string;
  url: string;
  mime_type: string;
  sha256: string;
  /** A numeric string in Meta's examples. */
  file_size: string | number;
  messaging_product?: 'whatsapp';
}

/** A file to upload, held in memory. */
export interface MediaFile {
  bytes: Buffer | Uint8Array;
  mimeType: string;
  filename?: string;
}

/** A file to upload, read while it is sent: memory holds a chunk or two, whatever the file's size. */
export interface MediaFileStream {
  /** The bytes, e.g. a `Readable` from disk or object storage. Read once. */
  stream: AsyncIterable<Uint8Array>;
  /** Exactly how many bytes `stream` yields: the request's Content-Length (a stream of another length fails the upload). */
  size: number;
  mimeType: string;
  filename?: string;
}

// ---------------------------------------------------------------------------------------------
// Templates (management)

export type TemplateCategory = AnyCase<'AUTHENTICATION' | 'MARKETING' | 'UTILITY'>;

export interface TemplateExample {
  header_text?: string[];
  header_text_named_params?: { param_name: string; example: string }[];
  /** Resumable Upload API handles for media headers (not media ids). */
  header_handle?: string[];
  body_text?: string[][];
  body_text_named_params?: { param_name: string; example: string }[];
}

export interface TemplateButton {
  type: AnyCase<
    | 'QUICK_REPLY'
    | 'URL'
    | 'PHONE_NUMBER'
    | 'COPY_CODE'
    | 'OTP'
    | 'FLOW'
    | 'MPM'
    | 'CATALOG'
    | 'SPM'
    | 'REQUEST_CONTACT_INFO'
  >;
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string[] | string;
  otp_type?: AnyCase<'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP'>;
  autofill_text?: string;
  package_name?: string;
  signature_hash?: string;
  flow_id?: string;
  flow_action?: string;
  navigate_screen?: string;
}

export interface TemplateComponent {
  type: AnyCase<'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS'>;
  format?: AnyCase<'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION'>;
  text?: string;
  example?: TemplateExample;
  buttons?: TemplateButton[];
  /** Authentication templates: BODY. */
  add_security_recommendation?: boolean;
  /** Authentication templates: FOOTER, 1–90. */
  code_expiration_minutes?: number;
}

export interface TemplateInfo {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  components?: TemplateComponent[];
  parameter_format?: string;
  sub_category?: string;
  rejected_reason?: string;
  quality_score?: { score: string; date?: number };
}

export interface CreateTemplateInput {
  name: string;
  language: string;
  category: TemplateCategory;
  components: TemplateComponent[];
  parameter_format?: AnyCase<'NAMED' | 'POSITIONAL'>;
  allow_category_change?: boolean;
  message_send_ttl_seconds?: number;
}

export interface EditTemplateInput {
  category?: TemplateCategory;
  /** Replaces the whole components array. */
  components?: TemplateComponent[];
  message_send_ttl_seconds?: number;
}

export interface TemplateQuery {
  name?: string;
  status?: string;
  limit?: number;
  after?: string;
}

// ---------------------------------------------------------------------------------------------
// Sending

/** Exactly one of an uploaded media id or a public HTTPS link. */
export type MediaRef = { id: string; link?: never } | { link: string; id?: never };

export interface Location {
  latitude: number | string;
  longitude: number | string;
  name?: string;
  address?: string;
}

export interface ContactCard {
  name: {
    formatted_name: string;
    first_name?: string;
    last_name?: string;
    middle_name?: string;
    prefix?: string;
    suffix?: string;
  };
  phones?: { phone?: string; type?: string; wa_id?: string }[];
  emails?: { email?: string; type?: string }[];
  addresses?: {
    street?: string;
    city?: string;
    state?: string;
    zip?: string;
    country?: string;
    country_code?: string;
    type?: string;
  }[];
  org?: { company?: string; department?: string; title?: string };
  urls?: { url?: string; type?: string }[];
  /** YYYY-MM-DD */
  birthday?: string;
}

export type InteractiveHeader =
  | { type: 'text'; text: string }
  | { type: 'image'; image: MediaRef }
  | { type: 'video'; video: MediaRef }
  | { type: 'document'; document: MediaRef };

interface InteractiveCommon {
  header?: InteractiveHeader;
  body?: { text: string };
  footer?: { text: string };
}

export type Interactive = InteractiveCommon &
  (
    | {
        type: 'button';
        body: { text: string };
        action: { buttons: { type: 'reply'; reply: { id: string; title: string } }[] };
      }
    | {
        type: 'list';
        header?: { type: 'text'; text: string };
        body: { text: string };
        action: {
          button: string;
          sections: { title?: string; rows: { id: string; title: string; description?: string }[] }[];
        };
      }
    | {
        type: 'cta_url';
        body: { text: string };
        action: { name: 'cta_url'; parameters: { display_text: string; url: string } };
      }
    | { type: 'flow'; body: { text: string }; action: { name: 'flow'; parameters: FlowActionParameters } }
    | { type: 'location_request_message'; body: { text: string }; action: { name: 'send_location' } }
    | {
        // Catalog, payments, carousels and newer kinds: passed through as given.
        type:
          | 'product'
          | 'product_list'
          | 'catalog_message'
          | 'address_message'
          | 'call_permission_request'
          | 'carousel'
          | 'order_details'
          | 'order_status'
          | 'request_contact_info';
        action: Record<string, unknown>;
      }
  );

export interface FlowActionParameters {
  flow_message_version: string;
  flow_id?: string;
  flow_name?: string;
  flow_cta: string;
  flow_token?: string;
  mode?: 'published' | 'draft';
  flow_action?: 'navigate' | 'data_exchange';
  flow_action_payload?: { screen: string; data?: Record<string, unknown> };
}

export type TemplateParameter = { parameter_name?: string } & (
  | { type: 'text'; text: string }
  | { type: 'currency'; currency: { fallback_value: string; code: string; amount_1000: number } }
  | { type: 'date_time'; date_time: { fallback_value: string } }
  | { type: 'image'; image: MediaRef }
  | { type: 'video'; video: MediaRef }
  | { type: 'document'; document: MediaRef & { filename?: string } }
  | { type: 'location'; location: Location }
  | { type: 'payload'; payload: string }
  | { type: 'coupon_code'; coupon_code: string }
  | { type: 'action'; action: Record<string, unknown> }
);

export type TemplateSendComponent =
  | { type: 'header' | 'body'; parameters: TemplateParameter[] }
  | {
      type: 'button';
      sub_type: 'quick_reply' | 'url' | 'copy_code' | 'flow' | 'catalog' | 'mpm' | 'voice_call' | 'otp';
      index: string | number;
      parameters: TemplateParameter[];
    };

export interface TemplateSend {
  name: string;
  language: { code: string; policy?: 'deterministic' };
  components?: TemplateSendComponent[];
}

export type OutboundContent =
  | { type: 'text'; text: { body: string; preview_url?: boolean } }
  | { type: 'image'; image: MediaRef & { caption?: string } }
  | { type: 'audio'; audio: MediaRef & { voice?: boolean } }
  | { type: 'video'; video: MediaRef & { caption?: string } }
  | { type: 'document'; document: MediaRef & { caption?: string; filename?: string } }
  | { type: 'sticker'; sticker: MediaRef }
  | { type: 'location'; location: Location }
  | { type: 'contacts'; contacts: ContactCard[] }
  | { type: 'interactive'; interactive: Interactive }
  | { type: 'template'; template: TemplateSend }
  | { type: 'reaction'; reaction: { message_id: string; emoji: string } };

/** A phone number / group id in `to`, or (2026) a BSUID in `recipient`; Meta prefers `to` when both are set. */
export type OutboundRecipient = { to: string; recipient?: string } | { to?: undefined; recipient: string };

export type OutboundMessage = OutboundRecipient &
  OutboundContent & {
    recipient_type?: 'individual' | 'group';
    context?: { message_id: string };
    biz_opaque_callback_data?: string;
    recipient_identity_key_hash?: string;
  };

export interface SendMessageResult {
  messaging_product: 'whatsapp';
  contacts: { input: string; wa_id?: string; user_id?: string }[];
  /** `message_status` only appears for paced templates. */
  messages: { id: string; message_status?: 'accepted' | 'held_for_quality_assessment' | 'paused'; group_id?: string }[];
}

// ---------------------------------------------------------------------------------------------
// Webhooks

export interface WebhookPayload {
  object: string;
  entry: WebhookEntry[];
}

export interface WebhookEntry {
  /** The WABA id. */
  id: string;
  time?: number;
  changes: WebhookChange[];
}

export type WebhookChange =
  | { field: 'messages'; value: MessagesValue }
  | { field: 'message_template_status_update'; value: TemplateStatusUpdateValue }
  | { field: 'phone_number_quality_update'; value: PhoneNumberQualityUpdateValue }
  | { field: 'account_update'; value: AccountUpdateValue }
  | { field: string; value: Record<string, unknown> };

export interface WebhookError {
  code: number;
  title: string;
  message?: string;
  error_data?: { details: string };
  href?: string;
}

export interface WebhookContact {
  profile?: { name?: string; username?: string };
  wa_id?: string;
  user_id?: string;
  parent_user_id?: string;
  identity_key_hash?: string;
}

export interface MessagesValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: WebhookContact[];
  messages?: InboundMessage[];
  statuses?: MessageStatus[];
  errors?: WebhookError[];
}

export interface InboundMedia {
  id: string;
  mime_type: string;
  sha256: string;
  /** Authenticated download URL, valid for 5 minutes (rolled out from late 2025). */
  url?: string;
}

export interface InboundMessage {
  from?: string;
  from_user_id?: string;
  from_parent_user_id?: string;
  id: string;
  /** Unix seconds, as a string. */
  timestamp: string;
  type: string;
  group_id?: string;
  context?: {
    from?: string;
    id?: string;
    forwarded?: boolean;
    frequently_forwarded?: boolean;
    referred_product?: { catalog_id: string; product_retailer_id: string };
  };
  referral?: {
    source_url?: string;
    source_id?: string;
    source_type?: string;
    body?: string;
    headline?: string;
    media_type?: string;
    image_url?: string;
    video_url?: string;
    thumbnail_url?: string;
    ctwa_clid?: string;
    welcome_message?: { text: string };
  };
  errors?: WebhookError[];
  text?: { body: string };
  image?: InboundMedia & { caption?: string };
  video?: InboundMedia & { caption?: string };
  audio?: InboundMedia & { voice?: boolean };
  document?: InboundMedia & { filename?: string; caption?: string };
  sticker?: InboundMedia & { animated?: boolean };
  location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
  contacts?: (ContactCard & { vcard?: string; origin?: string })[];
  button?: { payload: string; text: string };
  interactive?: {
    type: string;
    button_reply?: { id: string; title: string };
    list_reply?: { id: string; title: string; description?: string };
    nfm_reply?: { name?: string; body?: string; response_json: string };
    [kind: string]: unknown;
  };
  /** No `emoji` when the user removed the reaction. */
  reaction?: { message_id: string; emoji?: string };
  order?: {
    catalog_id: string;
    text?: string;
    product_items: {
      product_retailer_id: string;
      quantity: number | string;
      item_price: number | string;
      currency: string;
    }[];
  };
  system?: { body?: string; wa_id?: string; user_id?: string; parent_user_id?: string; type?: string };
  unsupported?: { type: string };
}

export interface MessageStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'played' | 'failed';
  timestamp: string;
  recipient_id?: string;
  recipient_user_id?: string;
  recipient_parent_user_id?: string;
  recipient_type?: string;
  recipient_participant_id?: string;
  recipient_identity_key_hash?: string;
  biz_opaque_callback_data?: string;
  /** Omitted from v24.0 unless inside a free-entry-point window. */
  conversation?: { id: string; expiration_timestamp?: string; origin?: { type: string } };
  pricing?: { billable?: boolean; pricing_model: string; type?: string; category: string };
  contacts?: WebhookContact[];
  errors?: WebhookError[];
}

export interface TemplateStatusUpdateValue {
  event: string;
  message_template_id: number | string;
  message_template_name: string;
  message_template_language: string;
  message_template_category?: string;
  reason?: string | null;
  rejection_info?: { reason: string; recommendation: string };
  other_info?: { title: string; description: string };
  disable_info?: { disable_date: string };
}

export interface PhoneNumberQualityUpdateValue {
  display_phone_number: string;
  event: string;
  current_limit?: string;
  old_limit?: string;
  max_daily_conversations_per_business?: string;
}

export interface AccountUpdateValue {
  event: string;
  phone_number?: string;
  /** On PARTNER_ADDED (Embedded Signup completion): the customer's WABA. */
  waba_info?: { waba_id: string; owner_business_id?: string; [key: string]: unknown };
  /** Event-specific details (violation, ban, restriction info) vary by event. */
  [key: string]: unknown;
}
