import { createHash, randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Authorizer } from './session.js';

/**
 * HTTP authentication schemes as a client speaks them: Basic (RFC 7617), Digest (RFC 7616, MD5 and SHA-256, with and
 * without -sess, qop=auth), and a bearer-style token header. Challenges are parsed from WWW-Authenticate lines.
 */

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses every challenge of the WWW-Authenticate header lines (several may share one line, comma-separated). */
export function parseChallenges(headerLines: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  for (const line of headerLines) {
    let at = 0;
    let current: Challenge | undefined;
    const skip = () => {
      while (at < line.length && /[\s,]/.test(line[at]!)) at++;
    };
    while (at < line.length) {
      skip();
      const tokenMatch = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(line.slice(at));
      if (!tokenMatch) break;
      const token = tokenMatch[0];
      at += token.length;
      let look = at;
      while (look < line.length && line[look] === ' ') look++;
      if (line[look] === '=' && current && !/^=+\s*(,|$)/.test(line.slice(look))) {
        // name=value or name="quoted value" of the current challenge
        at = look + 1;
        while (line[at] === ' ') at++;
        let value = '';
        if (line[at] === '"') {
          at++;
          while (at < line.length && line[at] !== '"') {
            if (line[at] === '\\' && at + 1 < line.length) at++;
            value += line[at];
            at++;
          }
          at++;
        } else {
          const bare = /^[^,\s]*/.exec(line.slice(at))![0];
          value = bare;
          at += bare.length;
        }
        current.params[token.toLowerCase()] = value;
      } else if (line[look] === '=' && current) {
        // token68 (e.g. "Negotiate abc==")
        const rest = /^=*/.exec(line.slice(look))![0];
        current.params.token68 = token + rest;
        at = look + rest.length;
      } else {
        current = { scheme: token, params: {} };
        challenges.push(current);
        at = look;
      }
    }
  }
  return challenges;
}

export function challengesOf(rawHeaders: ReadonlyArray<[string, string]>): Challenge[] {
  return parseChallenges(rawHeaders.filter(([name]) => name.toLowerCase() === 'www-authenticate').map(([, value]) => value));
}

export class BasicAuthorizer implements Authorizer {
  readonly scheme = 'Basic';
  private readonly value: string;
  constructor(username: string, password: string) {
    this.value = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }
  headers(): OutgoingHttpHeaders {
    return { authorization: this.value };
  }
}

/** A token a JSON login returned, sent in a header of the device's choosing. */
export class TokenAuthorizer implements Authorizer {
  readonly scheme = 'token';
  constructor(
    private readonly header: string,
    private readonly value: string,
  ) {}
  headers(): OutgoingHttpHeaders {
    return { [this.header.toLowerCase()]: this.value };
  }
}

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess'];

function normaliseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  const found = DIGEST_ALGORITHMS.find((algorithm) => algorithm.toLowerCase() === (value ?? 'MD5').toLowerCase());
  return found;
}

/** The Digest challenges a device offers, strongest first; `prefer` narrows them to one base algorithm. */
export function digestChallenges(challenges: readonly Challenge[], prefer?: 'MD5' | 'SHA-256'): Challenge[] {
  const digest = challenges.filter((challenge) => challenge.scheme.toLowerCase() === 'digest' && normaliseAlgorithm(challenge.params.algorithm) !== undefined);
  const rank = (challenge: Challenge) => DIGEST_ALGORITHMS.indexOf(normaliseAlgorithm(challenge.params.algorithm)!);
  return digest.filter((challenge) => !prefer || normaliseAlgorithm(challenge.params.algorithm)!.startsWith(prefer)).sort((a, b) => rank(a) - rank(b));
}

function hashHex(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
    .update(text, 'utf8')
    .digest('hex');
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: 'auth';
  nc?: number;
  cnonce?: string;
}

/** The request-digest of RFC 7616 section 3.4.1. */
export function digestResponse(input: DigestResponseInput): string {
  const { algorithm } = input;
  let ha1 = hashHex(algorithm, `${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-sess')) ha1 = hashHex(algorithm, `${ha1}:${input.nonce}:${input.cnonce}`);
  const ha2 = hashHex(algorithm, `${input.method}:${input.uri}`);
  if (!input.qop) return hashHex(algorithm, `${ha1}:${input.nonce}:${ha2}`);
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  return hashHex(algorithm, `${ha1}:${input.nonce}:${nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** Answers one Digest challenge on every later request, counting nonce uses as RFC 7616 asks. */
export class DigestAuthorizer implements Authorizer {
  readonly scheme = 'Digest';
  readonly algorithm: DigestAlgorithm;
  private nc = 0;
  private readonly cnonce = randomBytes(16).toString('hex');

  constructor(
    private challenge: Challenge,
    private readonly username: string,
    private readonly password: string,
  ) {
    const algorithm = normaliseAlgorithm(challenge.params.algorithm);
    if (!algorithm) throw new Error(`unsupported Digest algorithm ${challenge.params.algorithm}`);
    this.algorithm = algorithm;
  }

  /** A new challenge (e.g. stale=true) replaces the old nonce. */
  renew(challenge: Challenge): void {
    this.challenge = challenge;
    this.nc = 0;
  }

  headers(method: string, url: URL): OutgoingHttpHeaders {
    const { params } = this.challenge;
    const uri = `${url.pathname}${url.search}`;
    const qops = (params.qop ?? '').split(',').map((value) => value.trim().toLowerCase());
    const qop = qops.includes('auth') ? ('auth' as const) : undefined;
    this.nc += 1;
    const response = digestResponse({
      algorithm: this.algorithm,
      username: this.username,
      password: this.password,
      realm: params.realm ?? '',
      nonce: params.nonce ?? '',
      method,
      uri,
      ...(qop ? { qop, nc: this.nc, cnonce: this.cnonce } : {}),
    });
    const fields = [
      `username=${quote(this.username)}`,
      `realm=${quote(params.realm ?? '')}`,
      `uri=${quote(uri)}`,
      `algorithm=${this.algorithm}`,
      `nonce=${quote(params.nonce ?? '')}`,
      ...(qop ? [`nc=${this.nc.toString(16).padStart(8, '0')}`, `cnonce=${quote(this.cnonce)}`, `qop=${qop}`] : []),
      `response=${quote(response)}`,
      ...(params.opaque !== undefined ? [`opaque=${quote(params.opaque)}`] : []),
    ];
    return { authorization: `Digest ${fields.join(', ')}` };
  }
}
