import { camelCaseKeys, snakeCaseKeys } from './message-content';

describe('message content keys', () => {
  /** A template send in our API, and the same in Meta's shape (reference §1.2). */
  const ours = {
    name: 'order_total',
    language: { code: 'en_US' },
    components: [
      {
        type: 'body',
        parameters: [
          { type: 'currency', currency: { fallbackValue: '$100.99', code: 'USD', amount1000: 100990 } },
          { type: 'date_time', dateTime: { fallbackValue: 'May 1, 2026' } },
          { type: 'text', text: 'Ana', parameterName: 'first_name' },
        ],
      },
      {
        type: 'button',
        subType: 'copy_code',
        index: '0',
        parameters: [{ type: 'coupon_code', couponCode: 'SPRING25' }],
      },
    ],
  };
  const meta = {
    name: 'order_total',
    language: { code: 'en_US' },
    components: [
      {
        type: 'body',
        parameters: [
          { type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
          { type: 'date_time', date_time: { fallback_value: 'May 1, 2026' } },
          { type: 'text', text: 'Ana', parameter_name: 'first_name' },
        ],
      },
      {
        type: 'button',
        sub_type: 'copy_code',
        index: '0',
        parameters: [{ type: 'coupon_code', coupon_code: 'SPRING25' }],
      },
    ],
  };

  it('sends a camelCase key with digits as Meta’s snake_case one: amount1000 is amount_1000', () => {
    expect(snakeCaseKeys(ours)).toEqual(meta);
  });

  it('reads Meta’s objects back into the same camelCase keys', () => {
    expect(camelCaseKeys(meta)).toEqual(ours);
  });

  it('keeps a digit-bearing word of Meta’s whole: a media object’s sha256', () => {
    const inbound = { id: '1', mime_type: 'image/jpeg', sha256: 'abc' };
    expect(camelCaseKeys(inbound)).toEqual({ id: '1', mimeType: 'image/jpeg', sha256: 'abc' });
    expect(snakeCaseKeys(camelCaseKeys(inbound))).toEqual(inbound);
  });

  it('changes keys only, never values', () => {
    expect(snakeCaseKeys({ text: { body: 'amount1000 and previewUrl' } })).toEqual({
      text: { body: 'amount1000 and previewUrl' },
    });
  });

  it("keeps the business's own Flow data as it is, both ways", () => {
    const flowData = { productName: 'Blue shoes', size_eu: 42, nested: { itemId: 'A-1' } };
    const ours = {
      type: 'flow',
      action: {
        name: 'flow',
        parameters: {
          flowMessageVersion: '3',
          flowToken: 'token-1',
          flowId: '1234',
          flowCta: 'Book!',
          flowAction: 'navigate',
          flowActionPayload: { screen: 'WELCOME', data: flowData },
        },
      },
    };
    const meta = {
      type: 'flow',
      action: {
        name: 'flow',
        parameters: {
          flow_message_version: '3',
          flow_token: 'token-1',
          flow_id: '1234',
          flow_cta: 'Book!',
          flow_action: 'navigate',
          flow_action_payload: { screen: 'WELCOME', data: flowData },
        },
      },
    };
    expect(snakeCaseKeys(ours)).toEqual(meta);
    expect(camelCaseKeys(meta)).toEqual(ours);
    const button = {
      type: 'button',
      subType: 'flow',
      index: '0',
      parameters: [{ type: 'action', action: { flowToken: 't', flowActionData: flowData } }],
    };
    expect(snakeCaseKeys(button)).toEqual({
      type: 'button',
      sub_type: 'flow',
      index: '0',
      parameters: [{ type: 'action', action: { flow_token: 't', flow_action_data: flowData } }],
    });
  });
});
