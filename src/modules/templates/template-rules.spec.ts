import { TemplateDraft, templateProblems } from './template-rules';

const body = (text: string, bodyText?: string[]) => ({
  type: 'BODY',
  text,
  ...(bodyText && { example: { bodyText: [bodyText] } }),
});
const draft = (components: TemplateDraft['components'], extra: Partial<TemplateDraft> = {}): TemplateDraft => ({
  name: 'order_update',
  category: 'UTILITY',
  components,
  ...extra,
});
const fields = (template: TemplateDraft) => templateProblems(template).map((problem) => problem.field);

describe('template rules', () => {
  it('accepts a valid template of each kind', () => {
    expect(
      templateProblems(
        draft([
          { type: 'HEADER', format: 'TEXT', text: 'Order {{1}} update', example: { headerText: ['A-1'] } },
          body('Hi {{1}}, it ships {{2}} today.', ['Ana', 'Monday']),
          { type: 'FOOTER', text: 'Reply STOP to opt out' },
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'QUICK_REPLY', text: 'Track' },
              { type: 'QUICK_REPLY', text: 'Help' },
              { type: 'URL', text: 'Open', url: 'https://x.example/o/{{1}}', example: ['A-1'] },
              { type: 'PHONE_NUMBER', text: 'Call', phoneNumber: '+15550001111' },
              { type: 'COPY_CODE', text: 'Copy', example: ['SAVE10'] },
            ],
          },
        ]),
      ),
    ).toEqual([]);
    expect(
      templateProblems(
        draft(
          [
            body('Hi {{first_name}}, see you {{day}} then.'),
            { type: 'HEADER', format: 'IMAGE', example: { headerHandle: ['4::aW1h'] } },
          ],
          {
            parameterFormat: 'named',
            components: [
              {
                type: 'BODY',
                text: 'Hi {{first_name}}, see you {{day}} then.',
                example: {
                  bodyTextNamedParams: [
                    { paramName: 'first_name', example: 'Ana' },
                    { paramName: 'day', example: 'Monday' },
                  ],
                },
              },
            ],
          },
        ),
      ),
    ).toEqual([]);
    expect(
      templateProblems(
        draft(
          [
            { type: 'BODY', addSecurityRecommendation: true },
            { type: 'FOOTER', codeExpirationMinutes: 10 },
            { type: 'BUTTONS', buttons: [{ type: 'OTP', otpType: 'COPY_CODE', text: 'Copy code' }] },
          ],
          { category: 'AUTHENTICATION', name: 'verify_code' },
        ),
      ),
    ).toEqual([]);
  });

  it.each([
    ['name format', draft([body('Hello')], { name: 'Order Update' }), 'name'],
    ['exactly one BODY', draft([{ type: 'FOOTER', text: 'x' }]), 'components'],
    [
      'one HEADER at most',
      draft([body('Hello'), { type: 'HEADER', text: 'a' }, { type: 'HEADER', text: 'b' }]),
      'components',
    ],
    ['BODY at most 1024 characters', draft([body('x'.repeat(1025))]), 'components.0.text'],
    [
      'HEADER text at most 60 characters',
      draft([body('Hello'), { type: 'HEADER', text: 'x'.repeat(61) }]),
      'components.1.text',
    ],
    [
      'HEADER at most one variable',
      draft([body('Hello'), { type: 'HEADER', text: 'A {{1}} b {{2}} c', example: { headerText: ['x', 'y'] } }]),
      'components.1.text',
    ],
    [
      'an example for every positional variable',
      draft([body('Hi {{1}} and {{2}} there', ['Ana'])]),
      'components.0.example.bodyText',
    ],
    [
      'an example for every named variable',
      draft([{ type: 'BODY', text: 'Hi {{name}} there', example: { bodyTextNamedParams: [] } }], {
        parameterFormat: 'named',
      }),
      'components.0.example.bodyTextNamedParams',
    ],
    ['no variable at the start', draft([body('{{1}} is your order', ['A'])]), 'components.0.text'],
    ['no variable at the end', draft([body('Your order is {{1}}', ['A'])]), 'components.0.text'],
    ['no adjacent variables', draft([body('Hi {{1}}{{2}} there', ['A', 'B'])]), 'components.0.text'],
    ['positional variables in order', draft([body('Hi {{2}} and {{1}} there', ['A', 'B'])]), 'components.0.text'],
    [
      'named variables lowercase',
      draft(
        [
          {
            type: 'BODY',
            text: 'Hi {{Name}} there',
            example: { bodyTextNamedParams: [{ paramName: 'Name', example: 'A' }] },
          },
        ],
        { parameterFormat: 'named' },
      ),
      'components.0.text',
    ],
    [
      'FOOTER at most 60 characters',
      draft([body('Hello'), { type: 'FOOTER', text: 'x'.repeat(61) }]),
      'components.1.text',
    ],
    [
      'FOOTER without variables',
      draft([body('Hello'), { type: 'FOOTER', text: 'Hi {{1}} there' }]),
      'components.1.text',
    ],
    [
      'media header needs an example handle',
      draft([body('Hello'), { type: 'HEADER', format: 'VIDEO' }]),
      'components.1.example.headerHandle',
    ],
    [
      'at most 10 buttons',
      draft([
        body('Hello'),
        { type: 'BUTTONS', buttons: Array.from({ length: 11 }, (_, i) => ({ type: 'QUICK_REPLY', text: `B${i}` })) },
      ]),
      'components.1.buttons',
    ],
    [
      'at most 2 URL buttons',
      draft([
        body('Hello'),
        { type: 'BUTTONS', buttons: [1, 2, 3].map((i) => ({ type: 'URL', text: `L${i}`, url: 'https://x.example' })) },
      ]),
      'components.1.buttons',
    ],
    [
      'quick replies grouped',
      draft([
        body('Hello'),
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'QUICK_REPLY', text: 'A' },
            { type: 'URL', text: 'L', url: 'https://x.example' },
            { type: 'QUICK_REPLY', text: 'B' },
          ],
        },
      ]),
      'components.1.buttons',
    ],
    [
      'button label at most 25 characters',
      draft([body('Hello'), { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'x'.repeat(26) }] }]),
      'components.1.buttons.0.text',
    ],
    [
      'URL variable only at the end',
      draft([
        body('Hello'),
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'L', url: 'https://x.example/{{1}}/a', example: ['x'] }] },
      ]),
      'components.1.buttons.0.url',
    ],
    [
      'URL variable needs an example',
      draft([
        body('Hello'),
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'L', url: 'https://x.example/{{1}}' }] },
      ]),
      'components.1.buttons.0.example',
    ],
    [
      'phone number at most 20 characters',
      draft([
        body('Hello'),
        { type: 'BUTTONS', buttons: [{ type: 'PHONE_NUMBER', text: 'Call', phoneNumber: '+1'.padEnd(21, '5') }] },
      ]),
      'components.1.buttons.0.phoneNumber',
    ],
    [
      'copy code example at most 15 characters',
      draft([
        body('Hello'),
        { type: 'BUTTONS', buttons: [{ type: 'COPY_CODE', text: 'Copy', example: ['x'.repeat(16)] }] },
      ]),
      'components.1.buttons.0.example',
    ],
    [
      'authentication: no body text',
      draft(
        [
          { type: 'BODY', text: 'Your code' },
          { type: 'BUTTONS', buttons: [{ type: 'OTP', otpType: 'COPY_CODE' }] },
        ],
        { category: 'AUTHENTICATION' },
      ),
      'components.0.text',
    ],
    [
      'authentication: expiry 1 to 90 minutes',
      draft(
        [
          { type: 'BODY' },
          { type: 'FOOTER', codeExpirationMinutes: 91 },
          { type: 'BUTTONS', buttons: [{ type: 'OTP', otpType: 'ONE_TAP' }] },
        ],
        { category: 'AUTHENTICATION' },
      ),
      'components.1.codeExpirationMinutes',
    ],
    [
      'authentication: one OTP button',
      draft([{ type: 'BODY' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'x' }] }], {
        category: 'AUTHENTICATION',
      }),
      'components.1.buttons',
    ],
    [
      'authentication: a known OTP type',
      draft([{ type: 'BODY' }, { type: 'BUTTONS', buttons: [{ type: 'OTP', otpType: 'MAGIC' }] }], {
        category: 'AUTHENTICATION',
      }),
      'components.1.buttons.0.otpType',
    ],
    [
      'authentication: no header',
      draft([{ type: 'BODY' }, { type: 'HEADER', text: 'x' }], { category: 'AUTHENTICATION' }),
      'components.1.type',
    ],
  ])('enforces %s, naming the field', (_rule, template, field) => {
    expect(fields(template)).toContain(field);
  });
});
