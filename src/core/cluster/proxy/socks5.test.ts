import { describe, expect, it } from 'vitest';
import { NEED_MORE, parseGreeting, parseRequest, REPLY, reply, replyForError } from './socks5.js';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const domain = (name: string, port: number): Buffer =>
  Buffer.concat([b(5, 1, 0, 3, name.length), Buffer.from(name), b(port >> 8, port & 0xff)]);

describe('parseGreeting', () => {
  it.each([
    ['empty', b(), NEED_MORE],
    ['methods still coming', b(5, 2, 0), NEED_MORE],
    ['no authentication offered', b(5, 1, 0), { ok: true, consumed: 3, reply: b(5, 0) }],
    ['among others', b(5, 3, 2, 1, 0, 9), { ok: true, consumed: 5, reply: b(5, 0) }],
  ])('%s', (_name, input, expected) => {
    expect(parseGreeting(input)).toEqual(expected);
  });

  it.each([
    ['SOCKS4', b(4, 1, 0), 'not SOCKS5 (version 4)'],
    ['only username/password', b(5, 1, 2), 'the client offers no method without authentication'],
  ])('refuses %s with "no acceptable method"', (_name, input, error) => {
    expect(parseGreeting(input)).toEqual({ ok: false, reply: b(5, 0xff), error });
  });
});

describe('parseRequest', () => {
  it.each([
    ['IPv4', b(5, 1, 0, 1, 172, 19, 0, 2, 0x1f, 0x90), { host: '172.19.0.2', port: 8080, consumed: 10 }],
    ['a domain name', domain('head.example', 9870), { host: 'head.example', port: 9870, consumed: 19 }],
    [
      'IPv6',
      Buffer.concat([b(5, 1, 0, 4), Buffer.alloc(15), b(1), b(0, 80)]),
      { host: '0:0:0:0:0:0:0:1', port: 80, consumed: 22 },
    ],
    [
      'with the first bytes of data after it',
      Buffer.concat([b(5, 1, 0, 1, 10, 0, 0, 1, 0, 80), Buffer.from('GET')]),
      { host: '10.0.0.1', port: 80, consumed: 10 },
    ],
  ])('CONNECT to %s', (_name, input, expected) => {
    expect(parseRequest(input)).toEqual({ ok: true, ...expected });
  });

  it.each([
    ['a header not complete', b(5, 1, 0)],
    ['an IPv4 address not complete', b(5, 1, 0, 1, 10, 0)],
    ['a domain name not complete', b(5, 1, 0, 3, 10, 104, 101)],
    ['the port not complete', b(5, 1, 0, 1, 10, 0, 0, 1, 0)],
  ])('waits for more with %s', (_name, input) => {
    expect(parseRequest(input)).toBe(NEED_MORE);
  });

  it.each([
    ['BIND', b(5, 2, 0, 1, 10, 0, 0, 1, 0, 80), REPLY.commandNotSupported],
    ['UDP ASSOCIATE', b(5, 3, 0, 1, 10, 0, 0, 1, 0, 80), REPLY.commandNotSupported],
    ['address type 9', b(5, 1, 0, 9, 10, 0, 0, 1, 0, 80), REPLY.addressTypeNotSupported],
    ['a name with shell characters', domain('a;rm -rf', 80), REPLY.hostUnreachable],
    ['another version', b(4, 1, 0, 1, 10, 0, 0, 1, 0, 80), REPLY.generalFailure],
  ])('refuses %s', (_name, input, code) => {
    const r = parseRequest(input);
    expect(r).toMatchObject({ ok: false, reply: reply(code) });
  });
});

describe('replyForError', () => {
  it.each([
    ['ECONNREFUSED', REPLY.connectionRefused],
    ['ENOTFOUND', REPLY.hostUnreachable],
    ['EHOSTUNREACH', REPLY.hostUnreachable],
    ['ENETUNREACH', REPLY.networkUnreachable],
    ['EPIPE', REPLY.generalFailure],
  ])('%s -> %i', (code, rep) => {
    expect(replyForError(code)).toBe(rep);
  });
});
