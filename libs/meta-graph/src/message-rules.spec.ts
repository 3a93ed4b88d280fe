import {
  camelCaseKey,
  checkAuthenticationCode,
  MessageRuleError,
  snakeCaseKey,
  validateMessage,
} from './message-rules';

type Json = Record<string, unknown>;

/** A send request in Meta's shape (snake_case), as the service builds it and the sandbox receives it. */
const send = (message: Json): Json => ({ messaging_product: 'whatsapp', to: '+15550102030', ...message });

/** The rule `check` breaks: its Meta code and the field named in our camelCase API. */
function broken(check: () => unknown): { code: number; field: string } {
  try {
    check();
  } catch (error) {
    if (error instanceof MessageRuleError) {
      return { code: error.code, field: error.field };
    }
    throw error;
  }
  throw new Error('no rule was broken');
}

const reply = (id: string, title: string) => ({ type: 'reply', reply: { id, title } });
const rows = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index}`, title: `Slot ${index}` }));
const list = (interactive: Json): Json => ({
  type: 'interactive',
  interactive: {
    type: 'list',
    body: { text: 'Pick a slot' },
    ...interactive,
    action: { button: 'Slots', sections: [{ title: 'Morning', rows: rows('m', 2) }], ...(interactive.action as Json) },
  },
});
const buttons = (header: Json): Json => ({
  type: 'interactive',
  interactive: { type: 'button', header, body: { text: 'Pick' }, action: { buttons: [reply('a', 'A')] } },
});
const ctaUrl = (url: unknown): Json => ({
  type: 'interactive',
  interactive: {
    type: 'cta_url',
    body: { text: 'Track' },
    action: { name: 'cta_url', parameters: { display_text: 'Track', url } },
  },
});
const template = (components: Json[]): Json => ({
  type: 'template',
  template: { name: 'spring_launch', language: { code: 'en_US' }, components },
});
const imageHeader = (image: Json): Json => ({ type: 'header', parameters: [{ type: 'image', image }] });
const card = { name: { formatted_name: 'Ana Silva' } };

describe('Meta’s rules for a send request (reference §1.2)', () => {
  // [case, the request, Meta's code, the field in our API]
  it.each<[string, Json, number, string]>([
    ['more than 5 contact cards', { type: 'contacts', contacts: Array(6).fill(card) }, 100, 'contacts'],
    [
      'an interactive text header over 60 characters',
      buttons({ type: 'text', text: 'x'.repeat(61) }),
      100,
      'interactive.header.text',
    ],
    [
      'an interactive footer over 60 characters',
      list({ footer: { text: 'x'.repeat(61) } }),
      100,
      'interactive.footer.text',
    ],
    [
      'a list section title over 24 characters',
      list({ action: { sections: [{ title: 'x'.repeat(25), rows: rows('r', 1) }] } }),
      100,
      'interactive.action.sections.0.title',
    ],
    [
      'a list row title over 24 characters',
      list({ action: { sections: [{ rows: [{ id: 'r', title: 'x'.repeat(25) }] }] } }),
      100,
      'interactive.action.sections.0.rows.0.title',
    ],
    [
      'a list row description over 72 characters',
      list({ action: { sections: [{ rows: [{ id: 'r', title: 'R', description: 'x'.repeat(73) }] }] } }),
      100,
      'interactive.action.sections.0.rows.0.description',
    ],
    [
      'a list of more than 10 sections',
      list({
        action: { sections: Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: rows(`s${i}`, 1) })) },
      }),
      100,
      'interactive.action.sections',
    ],
    [
      'a list with an image header',
      list({ header: { type: 'image', image: { link: 'https://x.example/a.jpg' } } }),
      131009,
      'interactive.header.type',
    ],
    ['an interactive header of an unknown type', buttons({ type: 'gif' }), 131009, 'interactive.header.type'],
    [
      'an interactive image header with both id and link',
      buttons({ type: 'image', image: { id: '1', link: 'https://x.example/a.jpg' } }),
      100,
      'interactive.header.image',
    ],
    [
      'an interactive video header with neither id nor link',
      buttons({ type: 'video', video: {} }),
      100,
      'interactive.header.video',
    ],
    [
      'an interactive document header without its document',
      buttons({ type: 'document' }),
      131008,
      'interactive.header.document',
    ],
    [
      'an interactive header media link that is not http(s)',
      buttons({ type: 'image', image: { link: 'ftp://x.example/a.jpg' } }),
      131009,
      'interactive.header.image.link',
    ],
    ['a cta_url url that is not http(s)', ctaUrl('ftp://x.example/t'), 131009, 'interactive.action.parameters.url'],
    ['a cta_url url without host', ctaUrl('https://'), 131009, 'interactive.action.parameters.url'],
    ['a cta_url url that is no URL', ctaUrl('shop.example/t'), 131009, 'interactive.action.parameters.url'],
    ['a cta_url url that is not a string', ctaUrl(17), 100, 'interactive.action.parameters.url'],
    [
      'a template image parameter with both id and link',
      template([imageHeader({ id: '1', link: 'https://x.example/a.jpg' })]),
      100,
      'template.components.0.parameters.0.image',
    ],
    [
      'a template video parameter with neither id nor link',
      template([
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }] },
        { type: 'header', parameters: [{ type: 'video', video: { caption: 'x' } }] },
      ]),
      100,
      'template.components.1.parameters.0.video',
    ],
    [
      'a template document parameter without its document',
      template([{ type: 'header', parameters: [{ type: 'document' }] }]),
      131008,
      'template.components.0.parameters.0.document',
    ],
    [
      'a template media parameter link that is not http(s)',
      template([imageHeader({ link: 'file:///a.jpg' })]),
      131009,
      'template.components.0.parameters.0.image.link',
    ],
    ['a template component that is no object', template(['body' as unknown as Json]), 100, 'template.components.0'],
    [
      'a template component without type',
      template([{ parameters: [{ type: 'text', text: 'Ana' }] }]),
      131008,
      'template.components.0.type',
    ],
    ['a template component of an unknown type', template([{ type: 'footer' }]), 131009, 'template.components.0.type'],
    [
      'template parameters that are no array',
      template([{ type: 'body', parameters: 'Ana' }]),
      100,
      'template.components.0.parameters',
    ],
    [
      'a template parameter that is no object',
      template([{ type: 'body', parameters: [null] }]),
      100,
      'template.components.0.parameters.0',
    ],
    [
      'a template parameter without type',
      template([{ type: 'body', parameters: [{ text: 'Ana' }] }]),
      131008,
      'template.components.0.parameters.0.type',
    ],
    [
      'a template parameter of an unknown type',
      template([{ type: 'body', parameters: [{ type: 'emoji', emoji: '🙂' }] }]),
      131009,
      'template.components.0.parameters.0.type',
    ],
    [
      'a template parameter whose type names an object method',
      template([{ type: 'body', parameters: [{ type: 'hasOwnProperty' }, { type: '__proto__' }] }]),
      131009,
      'template.components.0.parameters.0.type',
    ],
    [
      'a template text parameter without its text',
      template([{ type: 'body', parameters: [{ type: 'text' }] }]),
      131008,
      'template.components.0.parameters.0.text',
    ],
    [
      'a template currency parameter without amount_1000',
      template([{ type: 'body', parameters: [{ type: 'currency', currency: { fallback_value: '$1', code: 'USD' } }] }]),
      131008,
      'template.components.0.parameters.0.currency.amount1000',
    ],
    [
      'a template date_time parameter without fallback_value',
      template([{ type: 'body', parameters: [{ type: 'date_time', date_time: {} }] }]),
      131008,
      'template.components.0.parameters.0.dateTime.fallbackValue',
    ],
    [
      'a template location header without latitude',
      template([{ type: 'header', parameters: [{ type: 'location', location: { longitude: 13.4 } }] }]),
      131008,
      'template.components.0.parameters.0.location.latitude',
    ],
    [
      'a template button without sub_type',
      template([{ type: 'button', index: '0', parameters: [{ type: 'payload', payload: 'YES' }] }]),
      131008,
      'template.components.0.subType',
    ],
    [
      'a template button whose index is no position 0 to 9',
      template([
        { type: 'button', sub_type: 'quick_reply', index: 'zz', parameters: [{ type: 'payload', payload: 'YES' }] },
      ]),
      100,
      'template.components.0.index',
    ],
    [
      'a template coupon code over 20 characters',
      template([
        {
          type: 'button',
          sub_type: 'copy_code',
          index: '0',
          parameters: [{ type: 'coupon_code', coupon_code: 'x'.repeat(21) }],
        },
      ]),
      100,
      'template.components.0.parameters.0.couponCode',
    ],
    [
      'a reaction that is a reply',
      { type: 'reaction', reaction: { message_id: 'wamid.A', emoji: '👍' }, context: { message_id: 'wamid.B' } },
      100,
      'context',
    ],
  ])('refuses %s', (_case, message, code, field) => {
    expect(broken(() => validateMessage(send(message)))).toEqual({ code, field });
  });

  it.each<[string, Json]>([
    ['5 contact cards', { type: 'contacts', contacts: Array(5).fill(card) }],
    ['a 60-character text header', buttons({ type: 'text', text: 'x'.repeat(60) })],
    ['a list with a text header', list({ header: { type: 'text', text: 'Menu' } })],
    [
      'a list of 10 sections of one row, 24-character titles and a 72-character description',
      list({
        action: {
          sections: Array.from({ length: 10 }, (_, i) => ({
            title: `${i}`.padEnd(24, 'x'),
            rows: [{ id: `r${i}`, title: 'y'.repeat(24), description: 'z'.repeat(72) }],
          })),
        },
      }),
    ],
    ['an image header by id', buttons({ type: 'image', image: { id: '1234' } })],
    ['a document header by link', buttons({ type: 'document', document: { link: 'https://x.example/a.pdf' } })],
    ['a cta_url to an https URL', ctaUrl('https://shop.example/t/A-17?ref=wa')],
    ['a cta_url to an http URL', ctaUrl('http://shop.example/t')],
    ['a template image header by link', template([imageHeader({ link: 'https://x.example/a.jpg' })])],
    [
      'template components in any case, a location header and buttons of each kind',
      template([
        {
          type: 'HEADER',
          parameters: [{ type: 'location', location: { latitude: 52.52, longitude: 13.4, name: 'HQ' } }],
        },
        { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'YES' }] },
        { type: 'button', sub_type: 'url', index: 1, parameters: [{ type: 'text', text: 'A-17' }] },
        {
          type: 'button',
          sub_type: 'copy_code',
          index: '2',
          parameters: [{ type: 'coupon_code', coupon_code: 'SPRING25' }],
        },
        { type: 'button', sub_type: 'flow', index: '3', parameters: [{ type: 'action', action: { flow_token: 't' } }] },
      ]),
    ],
    [
      'a template with text, currency and date_time parameters',
      template([
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'currency', currency: { fallback_value: '$100.00', code: 'USD', amount_1000: 100000 } },
            { type: 'date_time', date_time: { fallback_value: 'May 1' } },
          ],
        },
      ]),
    ],
    ['a reaction', { type: 'reaction', reaction: { message_id: 'wamid.A', emoji: '👍' } }],
  ])('accepts %s', (_case, message) => {
    expect(validateMessage(send(message)).type).toBe(message.type);
  });

  describe('an authentication template’s code', () => {
    const otp = (code: string, buttonCode = code) => ({
      name: 'login_code',
      language: { code: 'en_US' },
      components: [
        { type: 'body', parameters: [{ type: 'text', text: code }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: buttonCode }] },
      ],
    });

    it('takes up to 15 characters, in the body and the button', () => {
      expect(() => checkAuthenticationCode(otp('x'.repeat(15)))).not.toThrow();
      expect(() => checkAuthenticationCode({ name: 'login_code', language: { code: 'en_US' } })).not.toThrow();
    });

    it.each([
      ['the body', otp('1'.repeat(16), '123456'), 'template.components.0.parameters.0.text'],
      ['the button', otp('123456', '1'.repeat(16)), 'template.components.1.parameters.0.text'],
    ])('refuses a code over 15 characters in %s', (_where, sent, field) => {
      expect(broken(() => checkAuthenticationCode(sent))).toEqual({ code: 100, field });
    });

    it('is only checked for authentication templates: any other template takes longer texts', () => {
      expect(validateMessage(send({ type: 'template', template: otp('1'.repeat(16)) })).type).toBe('template');
    });
  });

  describe('keys: Meta’s snake_case and our camelCase', () => {
    it.each([
      ['display_text', 'displayText'],
      ['amount_1000', 'amount1000'],
      ['sha256', 'sha256'],
      ['message_id', 'messageId'],
      ['type', 'type'],
    ])('%s ↔ %s', (snake, camel) => {
      expect(camelCaseKey(snake)).toBe(camel);
      expect(snakeCaseKey(camel)).toBe(snake);
    });

    it('keeps snake_case keys as they are', () => {
      expect(snakeCaseKey('amount_1000')).toBe('amount_1000');
      expect(snakeCaseKey('fallback_value')).toBe('fallback_value');
    });

    it('names a field with digits in our API', () => {
      const error = new MessageRuleError(
        131008,
        "The parameter template['components'][0]['parameters'][1]['currency']['amount_1000'] is required.",
      );
      expect(error.field).toBe('template.components.0.parameters.1.currency.amount1000');
    });
  });
});
