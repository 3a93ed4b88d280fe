import { hash, randomBytes } from 'node:crypto';

export type TokenKind = 'live' | 'test' | 'pat';

const TOKEN_FORMAT = /^owb_(live|test|pat)_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  /** The whole secret: shown to its owner once. */
  token: string;
  hash: string;
  /** Safe to display and log: the kind prefix and the last four characters. */
  preview: string;
}

/** SHA-256, hex: what is stored of a token, and looked up on every request (one-shot `hash` is the cheaper call). */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** 32 random bytes, base64url: 256 bits of entropy behind a readable kind prefix. */
export function issueToken(kind: TokenKind): IssuedToken {
  const token = `owb_${kind}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), preview: previewToken(token) };
}

export function previewToken(token: string): string {
  const kind = TOKEN_FORMAT.exec(token)?.[1] ?? 'unknown';
  return `owb_${kind}_…${token.slice(-4)}`;
}

/** The kind of a well-formed token, or undefined for anything else. */
export function tokenKind(token: string): TokenKind | undefined {
  return TOKEN_FORMAT.exec(token)?.[1] as TokenKind | undefined;
}
