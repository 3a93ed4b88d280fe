import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SandboxHost } from '../../src/modules/meta/sandbox-host';
import { bearer } from '../helpers/factories';
import { type Chat, customerWrites, messageReaches, sandboxTenant, sendMessage } from '../helpers/sending';
import { startTestService, TestService } from '../helpers/test-service';
import { waitFor } from '../helpers/wait-for';

type Json = Record<string, unknown>;

/** Errors (empty when valid) of a `POST /v1/messages` body against its schema in our openapi.yaml. */
const sendBodyErrors = (() => {
  const spec = parse(readFileSync(join(__dirname, '../../openapi.yaml'), 'utf8')) as { components: object };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openwaba', components: spec.components });
  const validate = ajv.compile({ $ref: 'openwaba#/components/schemas/MessageSendDto' });
  return (body: unknown) =>
    validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
})();

/**
 * Every outbound type `POST /v1/messages` takes, in test mode: the built-in sandbox is Meta. For each,
 * the request Meta receives is exactly its documented shape (reference §1.2), and the statuses come back.
 */
const helloWorld = { name: 'hello_world', language: { code: 'en_US' } };

describe('Sending each message type', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService();
  });
  afterAll(() => service.close());

  describe('in Meta’s exact request shape', () => {
    let tenant: Awaited<ReturnType<typeof sandboxTenant>>;

    /** A marketing template (image header, 2 body variables, URL button variable) and an OTP one. */
    beforeAll(async () => {
      tenant = await sandboxTenant(service);
      const { key, wabaId } = tenant;
      const templates = [
        {
          wabaId,
          name: 'spring_launch',
          language: 'en_US',
          category: 'MARKETING',
          components: [
            { type: 'HEADER', format: 'IMAGE', example: { headerHandle: ['4::aW1hZ2UvanBlZw==:ARZ'] } },
            {
              type: 'BODY',
              text: 'Hi {{1}}, the {{2}} collection is in store now.',
              example: { bodyText: [['Ana', 'spring']] },
            },
            {
              type: 'BUTTONS',
              buttons: [{ type: 'URL', text: 'Shop now', url: 'https://shop.example/c/{{1}}', example: ['spring'] }],
            },
          ],
        },
        {
          wabaId,
          name: 'login_code',
          language: 'en_US',
          category: 'AUTHENTICATION',
          components: [
            { type: 'BODY', addSecurityRecommendation: true },
            { type: 'FOOTER', codeExpirationMinutes: 10 },
            { type: 'BUTTONS', buttons: [{ type: 'OTP', otpType: 'COPY_CODE', text: 'Copy code' }] },
          ],
        },
      ];
      await Promise.all(
        templates.map(async (template) => {
          const created = await service.api.POST('/v1/templates', { headers: bearer(key), body: template as never });
          expect(created.response.status).toBe(201);
          await waitFor(`template ${template.name} to be approved`, async () => {
            const result = await service.api.GET('/v1/templates/{templateId}', {
              headers: bearer(key),
              params: { path: { templateId: created.data!.data.id } },
            });
            return result.data!.data.status === 'APPROVED' ? true : undefined;
          });
        }),
      );
    });

    const link = (path: string) => `https://cdn.shop.example/${path}`;
    const text = (value: string) => ({ type: 'text', text: value });
    const contactCard = {
      name: { formattedName: 'Ana Silva', firstName: 'Ana', lastName: 'Silva' },
      phones: [{ phone: '+1 555 010 2030', type: 'WORK', waId: '15550102030' }],
      emails: [{ email: 'ana@shop.example', type: 'WORK' }],
      addresses: [{ street: '1 Main St', city: 'Springfield', countryCode: 'US', type: 'WORK' }],
      org: { company: 'Shop', title: 'Support' },
      urls: [{ url: 'https://shop.example', type: 'WORK' }],
      birthday: '1990-04-01',
    };

    // [case, our request (camelCase), what Meta receives besides the envelope (snake_case), final status]
    it.each<[string, (chat: Chat) => Json, (chat: Chat) => Json, 'read' | 'sent']>([
      [
        'text with a link preview',
        () => ({ type: 'text', text: { body: 'New arrivals: https://shop.example/new', previewUrl: true } }),
        () => ({ type: 'text', text: { body: 'New arrivals: https://shop.example/new', preview_url: true } }),
        'read',
      ],
      [
        'image by link with a caption',
        () => ({ type: 'image', image: { link: link('a.jpg'), caption: 'The blue one' } }),
        () => ({ type: 'image', image: { link: link('a.jpg'), caption: 'The blue one' } }),
        'read',
      ],
      [
        'audio as a voice note',
        () => ({ type: 'audio', audio: { link: link('note.ogg'), voice: true } }),
        () => ({ type: 'audio', audio: { link: link('note.ogg'), voice: true } }),
        'read',
      ],
      [
        'video by link with a caption',
        () => ({ type: 'video', video: { link: link('demo.mp4'), caption: 'How it works' } }),
        () => ({ type: 'video', video: { link: link('demo.mp4'), caption: 'How it works' } }),
        'read',
      ],
      [
        'document with filename and caption',
        () => ({
          type: 'document',
          document: { link: link('inv.pdf'), filename: 'invoice-17.pdf', caption: 'Invoice' },
        }),
        () => ({
          type: 'document',
          document: { link: link('inv.pdf'), filename: 'invoice-17.pdf', caption: 'Invoice' },
        }),
        'read',
      ],
      [
        'sticker by link',
        () => ({ type: 'sticker', sticker: { link: link('thanks.webp') } }),
        () => ({ type: 'sticker', sticker: { link: link('thanks.webp') } }),
        'read',
      ],
      [
        'location (coordinates as Meta’s decimal strings)',
        () => ({
          type: 'location',
          location: { latitude: 52.52, longitude: 13.405, name: 'Shop', address: 'Main St 1' },
        }),
        () => ({
          type: 'location',
          location: { latitude: '52.52', longitude: '13.405', name: 'Shop', address: 'Main St 1' },
        }),
        'read',
      ],
      [
        'contacts with a full card',
        () => ({ type: 'contacts', contacts: [contactCard] }),
        () => ({
          type: 'contacts',
          contacts: [
            {
              name: { formatted_name: 'Ana Silva', first_name: 'Ana', last_name: 'Silva' },
              phones: [{ phone: '+1 555 010 2030', type: 'WORK', wa_id: '15550102030' }],
              emails: [{ email: 'ana@shop.example', type: 'WORK' }],
              addresses: [{ street: '1 Main St', city: 'Springfield', country_code: 'US', type: 'WORK' }],
              org: { company: 'Shop', title: 'Support' },
              urls: [{ url: 'https://shop.example', type: 'WORK' }],
              birthday: '1990-04-01',
            },
          ],
        }),
        'read',
      ],
      [
        'reaction to the customer’s message (only `sent` follows, as at Meta)',
        (chat) => ({ type: 'reaction', reaction: { messageId: chat.inboundWamid, emoji: '👍' } }),
        (chat) => ({ type: 'reaction', reaction: { message_id: chat.inboundWamid, emoji: '👍' } }),
        'sent',
      ],
      [
        'reaction removal (empty emoji)',
        (chat) => ({ type: 'reaction', reaction: { messageId: chat.inboundWamid, emoji: '' } }),
        (chat) => ({ type: 'reaction', reaction: { message_id: chat.inboundWamid, emoji: '' } }),
        'sent',
      ],
      [
        'interactive reply buttons with header and footer',
        () => ({
          type: 'interactive',
          interactive: {
            type: 'button',
            header: { type: 'text', text: 'Your order' },
            body: { text: 'Is the delivery time OK?' },
            footer: { text: 'Shop support' },
            action: {
              buttons: [
                { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
                { type: 'reply', reply: { id: 'later', title: 'Later, please' } },
                { type: 'reply', reply: { id: 'call', title: 'Call me' } },
              ],
            },
          },
        }),
        () => ({
          type: 'interactive',
          interactive: {
            type: 'button',
            header: { type: 'text', text: 'Your order' },
            body: { text: 'Is the delivery time OK?' },
            footer: { text: 'Shop support' },
            action: {
              buttons: [
                { type: 'reply', reply: { id: 'yes', title: 'Yes' } },
                { type: 'reply', reply: { id: 'later', title: 'Later, please' } },
                { type: 'reply', reply: { id: 'call', title: 'Call me' } },
              ],
            },
          },
        }),
        'read',
      ],
      [
        'interactive list with sections and rows',
        () => ({
          type: 'interactive',
          interactive: {
            type: 'list',
            header: { type: 'text', text: 'Menu' },
            body: { text: 'Pick a delivery slot' },
            footer: { text: 'Times are local' },
            action: {
              button: 'See slots',
              sections: [
                {
                  title: 'Morning',
                  rows: [
                    { id: 'm1', title: '8–10', description: 'Before work' },
                    { id: 'm2', title: '10–12' },
                  ],
                },
                { title: 'Evening', rows: [{ id: 'e1', title: '18–20', description: 'After work' }] },
              ],
            },
          },
        }),
        () => ({
          type: 'interactive',
          interactive: {
            type: 'list',
            header: { type: 'text', text: 'Menu' },
            body: { text: 'Pick a delivery slot' },
            footer: { text: 'Times are local' },
            action: {
              button: 'See slots',
              sections: [
                {
                  title: 'Morning',
                  rows: [
                    { id: 'm1', title: '8–10', description: 'Before work' },
                    { id: 'm2', title: '10–12' },
                  ],
                },
                { title: 'Evening', rows: [{ id: 'e1', title: '18–20', description: 'After work' }] },
              ],
            },
          },
        }),
        'read',
      ],
      [
        'interactive cta_url',
        () => ({
          type: 'interactive',
          interactive: {
            type: 'cta_url',
            body: { text: 'Track your parcel' },
            action: { name: 'cta_url', parameters: { displayText: 'Track', url: 'https://shop.example/t/A-17' } },
          },
        }),
        () => ({
          type: 'interactive',
          interactive: {
            type: 'cta_url',
            body: { text: 'Track your parcel' },
            action: { name: 'cta_url', parameters: { display_text: 'Track', url: 'https://shop.example/t/A-17' } },
          },
        }),
        'read',
      ],
      [
        'interactive location_request_message',
        () => ({
          type: 'interactive',
          interactive: {
            type: 'location_request_message',
            body: { text: 'Where should we deliver?' },
            action: { name: 'send_location' },
          },
        }),
        () => ({
          type: 'interactive',
          interactive: {
            type: 'location_request_message',
            body: { text: 'Where should we deliver?' },
            action: { name: 'send_location' },
          },
        }),
        'read',
      ],
      [
        'marketing template with header, body and URL-button parameters',
        () => ({
          type: 'template',
          template: {
            name: 'spring_launch',
            language: { code: 'en_US' },
            components: [
              { type: 'header', parameters: [{ type: 'image', image: { link: link('spring.jpg') } }] },
              { type: 'body', parameters: [text('Ana'), text('spring')] },
              { type: 'button', subType: 'url', index: '0', parameters: [text('spring')] },
            ],
          },
        }),
        () => ({
          type: 'template',
          template: {
            name: 'spring_launch',
            language: { code: 'en_US', policy: 'deterministic' },
            components: [
              { type: 'header', parameters: [{ type: 'image', image: { link: link('spring.jpg') } }] },
              { type: 'body', parameters: [text('Ana'), text('spring')] },
              { type: 'button', sub_type: 'url', index: '0', parameters: [text('spring')] },
            ],
          },
        }),
        'read',
      ],
      [
        'marketing template with currency and date_time parameters (amount1000 is Meta’s amount_1000)',
        () => ({
          type: 'template',
          template: {
            name: 'spring_launch',
            language: { code: 'en_US' },
            components: [
              { type: 'header', parameters: [{ type: 'image', image: { link: link('spring.jpg') } }] },
              {
                type: 'body',
                parameters: [
                  { type: 'currency', currency: { fallbackValue: '$100.99', code: 'USD', amount1000: 100990 } },
                  { type: 'date_time', dateTime: { fallbackValue: 'May 1, 2026' } },
                ],
              },
              { type: 'button', subType: 'url', index: '0', parameters: [text('spring')] },
            ],
          },
        }),
        () => ({
          type: 'template',
          template: {
            name: 'spring_launch',
            language: { code: 'en_US', policy: 'deterministic' },
            components: [
              { type: 'header', parameters: [{ type: 'image', image: { link: link('spring.jpg') } }] },
              {
                type: 'body',
                parameters: [
                  { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
                  { type: 'date_time', date_time: { fallback_value: 'May 1, 2026' } },
                ],
              },
              { type: 'button', sub_type: 'url', index: '0', parameters: [text('spring')] },
            ],
          },
        }),
        'read',
      ],
      [
        'authentication template with a copy-code (OTP) button',
        () => ({
          type: 'template',
          template: {
            name: 'login_code',
            language: { code: 'en_US' },
            components: [
              { type: 'body', parameters: [text('483920')] },
              { type: 'button', subType: 'url', index: '0', parameters: [text('483920')] },
            ],
          },
        }),
        () => ({
          type: 'template',
          template: {
            name: 'login_code',
            language: { code: 'en_US', policy: 'deterministic' },
            components: [
              { type: 'body', parameters: [text('483920')] },
              { type: 'button', sub_type: 'url', index: '0', parameters: [text('483920')] },
            ],
          },
        }),
        'read',
      ],
      [
        'text replying to the customer’s message (replyTo → context)',
        (chat) => ({ type: 'text', text: { body: 'Yes, it comes in blue' }, replyTo: chat.inboundId }),
        (chat) => ({
          type: 'text',
          text: { body: 'Yes, it comes in blue' },
          context: { message_id: chat.inboundWamid },
        }),
        'read',
      ],
    ])('%s', async (_case, request, expected, finalStatus) => {
      const { key, phoneNumberId, metaPhoneNumberId } = tenant;
      const chat = await customerWrites(service, key, phoneNumberId);
      // What the API takes is what its contract (and so the generated clients) describes.
      expect(sendBodyErrors({ phoneNumberId, to: chat.to, ...request(chat) })).toEqual([]);
      const accepted = await sendMessage(service, key, { phoneNumberId, to: chat.to, ...request(chat) });
      expect(accepted.response.status).toBe(202);
      expect(accepted.data!.data).toMatchObject({ status: 'queued', direction: 'outbound', type: request(chat).type });
      const id = accepted.data!.data.id;

      const final = await messageReaches(service, key, id, finalStatus);
      const sandbox = await service.context.get(SandboxHost).get();
      const received = sandbox.sentMessages(metaPhoneNumberId).filter((sent) => sent.messageId === final.waMessageId);
      expect(received).toHaveLength(1);
      expect(received[0].body).toEqual({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: chat.to,
        ...expected(chat),
        biz_opaque_callback_data: id,
      });
      const history = await service.api.GET('/v1/messages/{messageId}/statuses', {
        headers: bearer(key),
        params: { path: { messageId: id } },
      });
      expect(history.data!.data.map((event) => event.status)).toEqual(
        finalStatus === 'read' ? ['sent', 'delivered', 'read'] : ['sent'],
      );
    });

    it.each([
      ['body', 'template.components.0.parameters.0.text', '1'.repeat(16), '483920'],
      ['button', 'template.components.1.parameters.0.text', '483920', '1'.repeat(16)],
    ])(
      'refuses an authentication code over 15 characters in the %s before queueing, naming the field',
      async (_where, field, bodyCode, buttonCode) => {
        const { key, phoneNumberId } = tenant;
        const chat = await customerWrites(service, key, phoneNumberId);
        const result = await sendMessage(service, key, {
          phoneNumberId,
          to: chat.to,
          type: 'template',
          template: {
            name: 'login_code',
            language: { code: 'en_US' },
            components: [
              { type: 'body', parameters: [text(bodyCode)] },
              { type: 'button', subType: 'url', index: '0', parameters: [text(buttonCode)] },
            ],
          },
        });
        expect(result.response.status).toBe(400);
        expect(result.error!.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field }] });
        expect(result.error!.error.details).toHaveLength(1);
        const inbound = await service.api.GET('/v1/messages/{messageId}', {
          headers: bearer(key),
          params: { path: { messageId: chat.inboundId } },
        });
        const outbound = await service.api.GET('/v1/messages', {
          headers: bearer(key),
          params: { query: { direction: 'outbound', conversationId: inbound.data!.data.conversationId! } },
        });
        expect(outbound.data!.data).toEqual([]);
      },
    );
  });

  const replyButton = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
  const rows = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index}`, title: `Slot ${index}` }));

  const listOf = (interactive: Json): Json => ({
    type: 'interactive',
    interactive: {
      type: 'list',
      body: { text: 'Pick a slot' },
      ...interactive,
      action: {
        button: 'Slots',
        sections: [{ title: 'Morning', rows: rows('m', 2) }],
        ...(interactive.action as Json),
      },
    },
  });
  const buttonsWith = (extra: Json): Json => ({
    type: 'interactive',
    interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: [replyButton('a', 'A')] }, ...extra },
  });

  // [case, the message (type and its object, or more for the customer's chat), the field named in the 400]
  it.each<[string, Json | ((chat: Chat) => Json), string]>([
    ['a text without a body', { type: 'text', text: { previewUrl: true } }, 'text.body'],
    [
      'an image caption over 1024 characters',
      { type: 'image', image: { link: 'https://x.example/a.jpg', caption: 'x'.repeat(1025) } },
      'image.caption',
    ],
    [
      'an audio with a caption',
      { type: 'audio', audio: { link: 'https://x.example/a.ogg', caption: 'Listen' } },
      'audio.caption',
    ],
    ['a video link that is not http(s)', { type: 'video', video: { link: 'ftp://x.example/a.mp4' } }, 'video.link'],
    [
      'a document filename over 240 characters',
      { type: 'document', document: { link: 'https://x.example/a.pdf', filename: `${'x'.repeat(237)}.pdf` } },
      'document.filename',
    ],
    ['a sticker with neither id nor link', { type: 'sticker', sticker: {} }, 'sticker'],
    ['a latitude out of range', { type: 'location', location: { latitude: 91, longitude: 13.4 } }, 'location.latitude'],
    ['a location without longitude', { type: 'location', location: { latitude: 52.5 } }, 'location.longitude'],
    [
      'a contact card without name',
      { type: 'contacts', contacts: [{ phones: [{ phone: '+15550102030' }] }] },
      'contacts.0.name',
    ],
    [
      'a contact name without formattedName',
      { type: 'contacts', contacts: [{ name: { firstName: 'Ana' } }] },
      'contacts.0.name.formattedName',
    ],
    [
      'more than 5 contact cards',
      { type: 'contacts', contacts: Array.from({ length: 6 }, () => ({ name: { formattedName: 'Ana Silva' } })) },
      'contacts',
    ],
    ['a reaction without messageId', { type: 'reaction', reaction: { emoji: '👍' } }, 'reaction.messageId'],
    [
      'a reaction that is a reply (replyTo)',
      (chat) => ({
        type: 'reaction',
        reaction: { messageId: chat.inboundWamid, emoji: '👍' },
        replyTo: chat.inboundId,
      }),
      'replyTo',
    ],
    [
      'a reaction without emoji',
      { type: 'reaction', reaction: { messageId: 'wamid.HBgLMTU1NTAxMDIwMzA=' } },
      'reaction.emoji',
    ],
    [
      'a reply button title over 20 characters',
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Pick' },
          action: { buttons: [replyButton('a', 'x'.repeat(21))] },
        },
      },
      'interactive.action.buttons.0.reply.title',
    ],
    [
      'reply buttons with the same id',
      {
        type: 'interactive',
        interactive: {
          type: 'button',
          body: { text: 'Pick' },
          action: { buttons: [replyButton('a', 'A'), replyButton('a', 'B')] },
        },
      },
      'interactive.action.buttons',
    ],
    [
      'a list with 11 rows across its sections',
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick a slot' },
          action: {
            button: 'Slots',
            sections: [
              { title: 'Morning', rows: rows('m', 6) },
              { title: 'Evening', rows: rows('e', 5) },
            ],
          },
        },
      },
      'interactive.action.sections',
    ],
    [
      'a list of more than 10 sections',
      listOf({
        action: {
          sections: Array.from({ length: 11 }, (_, index) => ({ title: `Day ${index}`, rows: rows(`d${index}-`, 1) })),
        },
      }),
      'interactive.action.sections',
    ],
    [
      'a list section title over 24 characters',
      listOf({ action: { sections: [{ title: 'x'.repeat(25), rows: rows('m', 1) }] } }),
      'interactive.action.sections.0.title',
    ],
    [
      'a list row title over 24 characters',
      listOf({ action: { sections: [{ rows: [{ id: 'm0', title: 'x'.repeat(25) }] }] } }),
      'interactive.action.sections.0.rows.0.title',
    ],
    [
      'a list row description over 72 characters',
      listOf({ action: { sections: [{ rows: [{ id: 'm0', title: 'Slot', description: 'x'.repeat(73) }] }] } }),
      'interactive.action.sections.0.rows.0.description',
    ],
    [
      'a list with a media header (a list’s header is text only)',
      listOf({ header: { type: 'image', image: { link: 'https://x.example/a.jpg' } } }),
      'interactive.header.type',
    ],
    [
      'an interactive header text over 60 characters',
      buttonsWith({ header: { type: 'text', text: 'x'.repeat(61) } }),
      'interactive.header.text',
    ],
    [
      'an interactive footer over 60 characters',
      buttonsWith({ footer: { text: 'x'.repeat(61) } }),
      'interactive.footer.text',
    ],
    [
      'an interactive image header with both id and link',
      buttonsWith({ header: { type: 'image', image: { id: '1234567890', link: 'https://x.example/a.jpg' } } }),
      'interactive.header.image',
    ],
    [
      'an interactive video header with neither id nor link',
      buttonsWith({ header: { type: 'video', video: {} } }),
      'interactive.header.video',
    ],
    [
      'a list button label over 20 characters',
      {
        type: 'interactive',
        interactive: {
          type: 'list',
          body: { text: 'Pick' },
          action: { button: 'x'.repeat(21), sections: [{ rows: rows('r', 1) }] },
        },
      },
      'interactive.action.button',
    ],
    [
      'a cta_url without url',
      {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'Track' },
          action: { name: 'cta_url', parameters: { displayText: 'Track' } },
        },
      },
      'interactive.action.parameters.url',
    ],
    [
      'a cta_url display text over 20 characters',
      {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'Track' },
          action: { name: 'cta_url', parameters: { displayText: 'x'.repeat(21), url: 'https://x.example' } },
        },
      },
      'interactive.action.parameters.displayText',
    ],
    [
      'a cta_url whose url is not http(s)',
      {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          body: { text: 'Track' },
          action: { name: 'cta_url', parameters: { displayText: 'Track', url: 'javascript:alert(1)' } },
        },
      },
      'interactive.action.parameters.url',
    ],
    [
      'a location request without body',
      { type: 'interactive', interactive: { type: 'location_request_message', action: { name: 'send_location' } } },
      'interactive.body.text',
    ],
    ['a template without language', { type: 'template', template: { name: 'hello_world' } }, 'template.language'],
    ['a template without name', { type: 'template', template: { language: { code: 'en_US' } } }, 'template.name'],
    [
      'a template component without type',
      { type: 'template', template: { ...helloWorld, components: [{ parameters: [{ type: 'text', text: 'x' }] }] } },
      'template.components.0.type',
    ],
    [
      'a template component that is no object',
      { type: 'template', template: { ...helloWorld, components: [null] } },
      'template.components.0',
    ],
    [
      'template parameters that are no array',
      { type: 'template', template: { ...helloWorld, components: [{ type: 'body', parameters: 'x' }] } },
      'template.components.0.parameters',
    ],
    [
      'a template button whose index is no position',
      {
        type: 'template',
        template: { ...helloWorld, components: [{ type: 'button', subType: 'url', index: 'zz', parameters: [] }] },
      },
      'template.components.0.index',
    ],
    [
      'a template image parameter with both id and link',
      {
        type: 'template',
        template: {
          name: 'spring_launch',
          language: { code: 'en_US' },
          components: [
            {
              type: 'header',
              parameters: [{ type: 'image', image: { id: '1234567890', link: 'https://x.example/a.jpg' } }],
            },
          ],
        },
      },
      'template.components.0.parameters.0.image',
    ],
    [
      'a template document parameter with neither id nor link',
      {
        type: 'template',
        template: {
          name: 'spring_launch',
          language: { code: 'en_US' },
          components: [{ type: 'header', parameters: [{ type: 'document', document: { filename: 'a.pdf' } }] }],
        },
      },
      'template.components.0.parameters.0.document',
    ],
  ])('refuses %s before queueing, naming the field', async (_case, message, field) => {
    const { key, phoneNumberId } = await sandboxTenant(service);
    const chat = await customerWrites(service, key, phoneNumberId);
    const result = await sendMessage(service, key, {
      phoneNumberId,
      to: chat.to,
      ...(typeof message === 'function' ? message(chat) : message),
    });
    expect(result.response.status).toBe(400);
    expect(result.error!.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [expect.objectContaining({ field })],
    });
    expect(result.error!.error.details).toHaveLength(1);
    const outbound = await service.api.GET('/v1/messages', {
      headers: bearer(key),
      params: { query: { direction: 'outbound' } },
    });
    expect(outbound.data!.data).toEqual([]);
  });
});
