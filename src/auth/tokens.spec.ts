import { hashToken, issueToken, previewToken, tokenKind } from './tokens';

describe('tokens', () => {
  it.each(['live', 'test', 'pat'] as const)('issues %s tokens with 256 bits behind the kind prefix', (kind) => {
    const issued = issueToken(kind);
    expect(issued.token).toMatch(new RegExp(`^owb_${kind}_[A-Za-z0-9_-]{43}$`));
    expect(tokenKind(issued.token)).toBe(kind);
    expect(issued.hash).toBe(hashToken(issued.token));
    expect(issued.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.preview).toBe(`owb_${kind}_…${issued.token.slice(-4)}`);
  });

  it('never issues the same token twice', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => issueToken('test').token));
    expect(tokens.size).toBe(1000);
  });

  it.each([
    '',
    'owb_test_',
    'owb_prod_' + 'a'.repeat(43),
    'owb_test_' + 'a'.repeat(42),
    'sk_live_x',
    'owb_test_' + '!'.repeat(43),
  ])('does not recognize %j', (token) => {
    expect(tokenKind(token)).toBeUndefined();
  });

  it('previews an unknown token without revealing it', () => {
    expect(previewToken('secret-value')).toBe('owb_unknown_…alue');
  });
});
