import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { MAX_AUTHENTICATION_CODE_LENGTH } from '@libs/meta-graph';

/*
 * The object of each message type, as `POST /v1/messages` and `POST /v1/messages/batch` take it:
 * Meta's objects (reference §1.2) with their names and nesting in camelCase, and Meta's limits.
 *
 * These classes only document the contract (OpenAPI, and the clients generated from it): requests
 * are checked by the rules shared with the sandbox (libs/meta-graph message-rules.ts), which name
 * the field of a broken rule in a 400 VALIDATION_ERROR. Keep the two in step: a field required
 * here is one the rules require (or, in objects the rules pass through to Meta unread, one Meta
 * requires), and a limit here is one the rules enforce.
 */

type Model = abstract new (...args: never[]) => unknown;
const ref = (model: Model) => ({ $ref: getSchemaPath(model as never) });
/** Exactly one of these schemas. */
const oneOf = (...models: Model[]) => ({ oneOf: models.map(ref) });
/** One of these schemas, told apart by `type`. */
const byType = (mapping: Record<string, Model>) => {
  const models = [...new Set(Object.values(mapping))];
  return {
    oneOf: models.map(ref),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        Object.entries(mapping).map(([type, model]) => [type, getSchemaPath(model as never)]),
      ),
    },
  };
};

const MEDIA_ID = 'Our id of media uploaded with `POST /v1/media`, ready to send. Give `id` or `link`, not both.';
const MEDIA_LINK = 'An http(s) URL Meta downloads the media from. Give `id` or `link`, not both.';

// ---------------------------------------------------------------------------------------------
// text

export class TextContentDto {
  @ApiProperty({ maxLength: 4096, description: 'The text; URLs are clickable', example: 'Your order has shipped' })
  body!: string;

  @ApiPropertyOptional({
    description: 'Render a preview of the first URL in `body` (it must start with http:// or https://)',
  })
  previewUrl?: boolean;
}

// ---------------------------------------------------------------------------------------------
// media: image, video, document, audio, sticker: each by exactly one of `id` and `link`

class MediaById {
  @ApiProperty({ description: MEDIA_ID, example: '0f2b1e0c-7a4d-4a8e-9b1d-2f6c3e1a9d10' }) id!: string;
}

class MediaByLink {
  @ApiProperty({ format: 'uri', description: MEDIA_LINK, example: 'https://example.com/media/a.jpg' }) link!: string;
}

class Caption {
  @ApiPropertyOptional({ maxLength: 1024, description: 'Shown under the media' }) caption?: string;
}

export class ImageByIdDto extends Caption {
  @ApiProperty({ description: MEDIA_ID }) id!: string;
}
export class ImageByLinkDto extends Caption {
  @ApiProperty({ format: 'uri', description: `${MEDIA_LINK} JPEG or PNG, at most 5 MB.` }) link!: string;
}

export class VideoByIdDto extends Caption {
  @ApiProperty({ description: MEDIA_ID }) id!: string;
}
export class VideoByLinkDto extends Caption {
  @ApiProperty({ format: 'uri', description: `${MEDIA_LINK} MP4 or 3GPP (H.264 and AAC), at most 16 MB.` })
  link!: string;
}

class DocumentExtras extends Caption {
  @ApiPropertyOptional({ maxLength: 240, description: 'The file name shown (its extension picks the icon)' })
  filename?: string;
}
export class DocumentByIdDto extends DocumentExtras {
  @ApiProperty({ description: MEDIA_ID }) id!: string;
}
export class DocumentByLinkDto extends DocumentExtras {
  @ApiProperty({ format: 'uri', description: `${MEDIA_LINK} PDF, Office or text, at most 100 MB.` }) link!: string;
}

class Voice {
  @ApiPropertyOptional({ description: 'Send as a voice note (the audio must be OGG/OPUS); audio takes no caption' })
  voice?: boolean;
}
export class AudioByIdDto extends Voice {
  @ApiProperty({ description: MEDIA_ID }) id!: string;
}
export class AudioByLinkDto extends Voice {
  @ApiProperty({ format: 'uri', description: `${MEDIA_LINK} AAC, AMR, MP3, M4A or OGG/OPUS, at most 16 MB.` })
  link!: string;
}

/** A sticker takes no caption. */
export class StickerByIdDto extends MediaById {}
export class StickerByLinkDto extends MediaByLink {}

/** Media in an interactive header or a template parameter: `id` or `link`, no caption. */
export class MediaByIdDto extends MediaById {
  @ApiPropertyOptional({ description: 'Documents only: the file name shown' }) filename?: string;
}
export class MediaByLinkDto extends MediaByLink {
  @ApiPropertyOptional({ description: 'Documents only: the file name shown' }) filename?: string;
}
const MEDIA = oneOf(MediaByIdDto, MediaByLinkDto);

// ---------------------------------------------------------------------------------------------
// location

const coordinate = (limit: number, description: string, example: number) =>
  ApiProperty({
    description: `${description}: a number or a decimal string, from -${limit} to ${limit}`,
    oneOf: [
      { type: 'number', minimum: -limit, maximum: limit },
      { type: 'string', description: 'A decimal number, as in Meta’s examples' },
    ],
    example,
  });

export class LocationContentDto {
  @coordinate(90, 'Latitude', 52.52) latitude!: number | string;
  @coordinate(180, 'Longitude', 13.405) longitude!: number | string;
  @ApiPropertyOptional({ example: 'Shop' }) name?: string;
  @ApiPropertyOptional({ example: 'Main St 1, Berlin' }) address?: string;
}

// ---------------------------------------------------------------------------------------------
// contacts

const HOME_OR_WORK = ['HOME', 'WORK'];

export class ContactNameDto {
  @ApiProperty({ description: 'The full name, as shown', example: 'Ana Silva' }) formattedName!: string;
  @ApiPropertyOptional() firstName?: string;
  @ApiPropertyOptional() lastName?: string;
  @ApiPropertyOptional() middleName?: string;
  @ApiPropertyOptional() prefix?: string;
  @ApiPropertyOptional() suffix?: string;
}

export class ContactPhoneDto {
  @ApiProperty({ example: '+1 555 010 2030' }) phone!: string;
  @ApiPropertyOptional({ description: 'CELL, MAIN, IPHONE, HOME or WORK', example: 'WORK' }) type?: string;
  @ApiPropertyOptional({ description: 'Its WhatsApp id (adds a Message button)', example: '15550102030' })
  waId?: string;
}

export class ContactEmailDto {
  @ApiProperty({ example: 'ana@example.com' }) email!: string;
  @ApiPropertyOptional({ enum: HOME_OR_WORK }) type?: string;
}

export class ContactAddressDto {
  @ApiPropertyOptional() street?: string;
  @ApiPropertyOptional() city?: string;
  @ApiPropertyOptional() state?: string;
  @ApiPropertyOptional() zip?: string;
  @ApiPropertyOptional({ description: 'Full country name' }) country?: string;
  @ApiPropertyOptional({ description: 'Two-letter ISO country code', example: 'US' }) countryCode?: string;
  @ApiPropertyOptional({ enum: HOME_OR_WORK }) type?: string;
}

export class ContactOrgDto {
  @ApiPropertyOptional() company?: string;
  @ApiPropertyOptional() department?: string;
  @ApiPropertyOptional() title?: string;
}

export class ContactUrlDto {
  @ApiProperty({ format: 'uri', example: 'https://example.com' }) url!: string;
  @ApiPropertyOptional({ enum: HOME_OR_WORK }) type?: string;
}

export class ContactCardDto {
  @ApiProperty({ type: ContactNameDto }) name!: ContactNameDto;
  @ApiPropertyOptional({ type: [ContactPhoneDto] }) phones?: ContactPhoneDto[];
  @ApiPropertyOptional({ type: [ContactEmailDto] }) emails?: ContactEmailDto[];
  @ApiPropertyOptional({ type: [ContactAddressDto] }) addresses?: ContactAddressDto[];
  @ApiPropertyOptional({ type: ContactOrgDto }) org?: ContactOrgDto;
  @ApiPropertyOptional({ type: [ContactUrlDto] }) urls?: ContactUrlDto[];
  @ApiPropertyOptional({ format: 'date', description: 'YYYY-MM-DD', example: '1990-04-01' }) birthday?: string;
}

// ---------------------------------------------------------------------------------------------
// reaction

export class ReactionContentDto {
  @ApiProperty({ description: "Meta's id (wamid) of the customer's message to react to", example: 'wamid.HBgL…' })
  messageId!: string;

  @ApiProperty({ description: 'One emoji; an empty string removes the reaction', example: '👍' }) emoji!: string;
}

// ---------------------------------------------------------------------------------------------
// interactive: button, list, cta_url, location_request_message and Meta's other kinds

export class TextHeaderDto {
  @ApiProperty({ enum: ['text'] }) type!: 'text';
  @ApiProperty({ maxLength: 60, example: 'Your order' }) text!: string;
}

export class ImageHeaderDto {
  @ApiProperty({ enum: ['image'] }) type!: 'image';
  @ApiProperty(MEDIA) image!: MediaByIdDto | MediaByLinkDto;
}

export class VideoHeaderDto {
  @ApiProperty({ enum: ['video'] }) type!: 'video';
  @ApiProperty(MEDIA) video!: MediaByIdDto | MediaByLinkDto;
}

export class DocumentHeaderDto {
  @ApiProperty({ enum: ['document'] }) type!: 'document';
  @ApiProperty(MEDIA) document!: MediaByIdDto | MediaByLinkDto;
}

const HEADER = {
  description: 'Optional header: text (at most 60 characters), or an image, video or document by `id` or `link`',
  ...byType({ text: TextHeaderDto, image: ImageHeaderDto, video: VideoHeaderDto, document: DocumentHeaderDto }),
};

export class InteractiveBodyDto {
  @ApiProperty({ maxLength: 1024, example: 'Is the delivery time OK?' }) text!: string;
}

export class ListBodyDto {
  @ApiProperty({ maxLength: 4096, example: 'Pick a delivery slot' }) text!: string;
}

export class InteractiveFooterDto {
  @ApiPropertyOptional({ maxLength: 60, example: 'Shop support' }) text?: string;
}

export class ReplyDto {
  @ApiProperty({ maxLength: 256, description: 'Comes back in the reply; unique in the message', example: 'yes' })
  id!: string;

  @ApiProperty({ maxLength: 20, description: 'The button label; unique in the message', example: 'Yes' })
  title!: string;
}

export class ReplyButtonDto {
  @ApiPropertyOptional({ enum: ['reply'], description: 'Always `reply`' }) type?: 'reply';
  @ApiProperty({ type: ReplyDto }) reply!: ReplyDto;
}

export class ButtonActionDto {
  @ApiProperty({ type: [ReplyButtonDto], minItems: 1, maxItems: 3 }) buttons!: ReplyButtonDto[];
}

export class InteractiveButtonDto {
  @ApiProperty({ enum: ['button'], description: 'Up to 3 reply buttons' }) type!: 'button';
  @ApiPropertyOptional(HEADER) header?: TextHeaderDto | ImageHeaderDto | VideoHeaderDto | DocumentHeaderDto;
  @ApiProperty({ type: InteractiveBodyDto }) body!: InteractiveBodyDto;
  @ApiPropertyOptional({ type: InteractiveFooterDto }) footer?: InteractiveFooterDto;
  @ApiProperty({ type: ButtonActionDto }) action!: ButtonActionDto;
}

export class ListRowDto {
  @ApiProperty({ maxLength: 200, description: 'Comes back in the reply', example: 'm1' }) id!: string;
  @ApiProperty({ maxLength: 24, example: '8–10' }) title!: string;
  @ApiPropertyOptional({ maxLength: 72, example: 'Before work' }) description?: string;
}

export class ListSectionDto {
  @ApiPropertyOptional({ maxLength: 24, description: 'Required when the list has more than one section' })
  title?: string;

  @ApiProperty({
    type: [ListRowDto],
    minItems: 1,
    maxItems: 10,
    description: 'At most 10 rows in all sections together',
  })
  rows!: ListRowDto[];
}

export class ListActionDto {
  @ApiProperty({ maxLength: 20, description: 'Label of the button that opens the list', example: 'See slots' })
  button!: string;

  @ApiProperty({ type: [ListSectionDto], minItems: 1, maxItems: 10 }) sections!: ListSectionDto[];
}

export class InteractiveListDto {
  @ApiProperty({ enum: ['list'], description: 'A list of up to 10 rows in up to 10 sections' }) type!: 'list';
  @ApiPropertyOptional({ type: TextHeaderDto, description: "A list's header is text only" }) header?: TextHeaderDto;
  @ApiProperty({ type: ListBodyDto }) body!: ListBodyDto;
  @ApiPropertyOptional({ type: InteractiveFooterDto }) footer?: InteractiveFooterDto;
  @ApiProperty({ type: ListActionDto }) action!: ListActionDto;
}

export class CtaUrlParametersDto {
  @ApiProperty({ maxLength: 20, description: 'The button label', example: 'Track' }) displayText!: string;
  @ApiProperty({ format: 'uri', description: 'An http(s) URL the button opens', example: 'https://example.com/t/A-17' })
  url!: string;
}

export class CtaUrlActionDto {
  @ApiPropertyOptional({ enum: ['cta_url'], description: 'Always `cta_url`, as Meta documents it' }) name?: 'cta_url';
  @ApiProperty({ type: CtaUrlParametersDto }) parameters!: CtaUrlParametersDto;
}

export class InteractiveCtaUrlDto {
  @ApiProperty({ enum: ['cta_url'], description: 'A button that opens a URL' }) type!: 'cta_url';
  @ApiPropertyOptional(HEADER) header?: TextHeaderDto | ImageHeaderDto | VideoHeaderDto | DocumentHeaderDto;
  @ApiProperty({ type: InteractiveBodyDto }) body!: InteractiveBodyDto;
  @ApiPropertyOptional({ type: InteractiveFooterDto }) footer?: InteractiveFooterDto;
  @ApiProperty({ type: CtaUrlActionDto }) action!: CtaUrlActionDto;
}

export class LocationRequestActionDto {
  @ApiPropertyOptional({ enum: ['send_location'], description: 'Always `send_location`, as Meta documents it' })
  name?: 'send_location';
}

export class InteractiveLocationRequestDto {
  @ApiProperty({
    enum: ['location_request_message'],
    description: "A Send location button; the customer's location comes back as an inbound location message",
  })
  type!: 'location_request_message';

  @ApiProperty({ type: InteractiveBodyDto }) body!: InteractiveBodyDto;
  @ApiProperty({ type: LocationRequestActionDto }) action!: LocationRequestActionDto;
}

/** Meta's other interactive kinds, passed to Meta as given (in camelCase). */
export const OTHER_INTERACTIVE_TYPES = [
  'flow',
  'address_message',
  'request_contact_info',
  'product',
  'product_list',
  'catalog_message',
] as const;

export class InteractiveOtherDto {
  @ApiProperty({
    enum: OTHER_INTERACTIVE_TYPES,
    description:
      "Meta's other interactive kinds, in Meta's shape with camelCase keys (e.g. a flow's `action.parameters.flowId`)",
  })
  type!: (typeof OTHER_INTERACTIVE_TYPES)[number];

  @ApiPropertyOptional(HEADER) header?: TextHeaderDto | ImageHeaderDto | VideoHeaderDto | DocumentHeaderDto;
  @ApiPropertyOptional({
    type: InteractiveBodyDto,
    description: 'Required for flow, address_message and request_contact_info',
  })
  body?: InteractiveBodyDto;

  @ApiPropertyOptional({ type: InteractiveFooterDto }) footer?: InteractiveFooterDto;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The kind's action, as Meta documents it" })
  action!: Record<string, unknown>;
}

export const INTERACTIVE = byType({
  button: InteractiveButtonDto,
  list: InteractiveListDto,
  cta_url: InteractiveCtaUrlDto,
  location_request_message: InteractiveLocationRequestDto,
  ...Object.fromEntries(OTHER_INTERACTIVE_TYPES.map((type) => [type, InteractiveOtherDto])),
});

// ---------------------------------------------------------------------------------------------
// template

export class TemplateLanguageDto {
  @ApiProperty({ description: 'The language of the approved template', example: 'en_US' }) code!: string;
  @ApiPropertyOptional({ enum: ['deterministic'], description: 'Sent as `deterministic` when left out' })
  policy?: 'deterministic';
}

export class CurrencyDto {
  @ApiProperty({ description: 'The text shown', example: '$100.99' }) fallbackValue!: string;
  @ApiProperty({ description: 'ISO 4217 currency code', example: 'USD' }) code!: string;
  @ApiProperty({
    type: 'integer',
    description: "The amount times 1000 (Meta's `amount_1000`): 100990 is 100.99",
    example: 100990,
  })
  amount1000!: number;
}

export class DateTimeDto {
  @ApiProperty({ description: 'The text shown (Cloud API always shows it)', example: 'May 1, 2026' })
  fallbackValue!: string;
}

export class TemplateLocationDto {
  @coordinate(90, 'Latitude', 52.52) latitude!: number | string;
  @coordinate(180, 'Longitude', 13.405) longitude!: number | string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional() address?: string;
}

export class MessageTemplateParameterDto {
  @ApiProperty({
    description:
      'What the parameter holds, with the field of that name: `text`, `currency`, `dateTime` (type `date_time`), ' +
      '`image`, `video`, `document`, `location` (a media or location header), `payload` (a quick-reply button), ' +
      '`couponCode` (type `coupon_code`, a copy-code button) or `action` (a flow or catalog button). Header: one ' +
      'text, or the media or location of its format; body: text, currency, date_time; a URL button: text (the ' +
      `URL's suffix). An authentication template's code (body and button text) has at most ${MAX_AUTHENTICATION_CODE_LENGTH} characters.`,
    example: 'text',
  })
  type!: string;

  @ApiPropertyOptional({ description: 'For type text', example: 'Ana' }) text?: string;
  @ApiPropertyOptional({
    description: "For a template with named parameters: the variable's name",
    example: 'first_name',
  })
  parameterName?: string;

  @ApiPropertyOptional({ type: CurrencyDto, description: 'For type currency' }) currency?: CurrencyDto;
  @ApiPropertyOptional({ type: DateTimeDto, description: 'For type date_time' }) dateTime?: DateTimeDto;
  @ApiPropertyOptional({ ...MEDIA, description: 'For type image' }) image?: MediaByIdDto | MediaByLinkDto;
  @ApiPropertyOptional({ ...MEDIA, description: 'For type video' }) video?: MediaByIdDto | MediaByLinkDto;
  @ApiPropertyOptional({ ...MEDIA, description: 'For type document' }) document?: MediaByIdDto | MediaByLinkDto;
  @ApiPropertyOptional({ type: TemplateLocationDto, description: 'For type location' }) location?: TemplateLocationDto;
  @ApiPropertyOptional({ description: 'For type payload: comes back when the quick reply is tapped' }) payload?: string;
  @ApiPropertyOptional({ description: 'For type coupon_code', example: 'SPRING25' }) couponCode?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "For type action: a flow's or catalog's action, as Meta documents it",
  })
  action?: Record<string, unknown>;
}

export class MessageTemplateComponentDto {
  @ApiProperty({ description: 'header, body or button', example: 'body' }) type!: string;
  @ApiPropertyOptional({
    description: 'For a button: quick_reply, url, copy_code, flow, catalog, …',
    example: 'url',
  })
  subType?: string;

  @ApiPropertyOptional({ description: "For a button: its position in the template, '0' to '9'", example: '0' })
  index?: string;

  @ApiPropertyOptional({ type: [MessageTemplateParameterDto], description: "The values of the component's variables" })
  parameters?: MessageTemplateParameterDto[];
}

export class TemplateContentDto {
  @ApiProperty({ maxLength: 512, description: 'An APPROVED template of the WABA', example: 'order_update' })
  name!: string;

  @ApiProperty({ type: TemplateLanguageDto }) language!: TemplateLanguageDto;
  @ApiPropertyOptional({
    type: [MessageTemplateComponentDto],
    maxItems: 20,
    description: "The values of the template's variables, by component; left out for a template without any",
  })
  components?: MessageTemplateComponentDto[];
}

/** Every schema above that is only named by `$ref` in a `oneOf`. */
export const CONTENT_EXTRA_MODELS = [
  ImageByIdDto,
  ImageByLinkDto,
  VideoByIdDto,
  VideoByLinkDto,
  DocumentByIdDto,
  DocumentByLinkDto,
  AudioByIdDto,
  AudioByLinkDto,
  StickerByIdDto,
  StickerByLinkDto,
  MediaByIdDto,
  MediaByLinkDto,
  TextHeaderDto,
  ImageHeaderDto,
  VideoHeaderDto,
  DocumentHeaderDto,
  InteractiveButtonDto,
  InteractiveListDto,
  InteractiveCtaUrlDto,
  InteractiveLocationRequestDto,
  InteractiveOtherDto,
];

export const MEDIA_CONTENT = {
  image: oneOf(ImageByIdDto, ImageByLinkDto),
  video: oneOf(VideoByIdDto, VideoByLinkDto),
  document: oneOf(DocumentByIdDto, DocumentByLinkDto),
  audio: oneOf(AudioByIdDto, AudioByLinkDto),
  sticker: oneOf(StickerByIdDto, StickerByLinkDto),
};
