import { SnakeNamingStrategy } from './snake-naming.strategy';

describe('SnakeNamingStrategy', () => {
  const strategy = new SnakeNamingStrategy();

  it.each([
    ['organizationId', 'organization_id'],
    ['metaWabaId', 'meta_waba_id'],
    ['waMessageId', 'wa_message_id'],
    ['rateLimitPerMinute', 'rate_limit_per_minute'],
    ['livemode', 'livemode'],
  ])('maps %s to %s', (property, column) => {
    expect(strategy.columnName(property, undefined, [])).toBe(column);
  });

  it('keeps an explicit column name', () => {
    expect(strategy.columnName('anything', 'explicit_name', [])).toBe('explicit_name');
  });
});
