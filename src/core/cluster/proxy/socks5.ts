/**
 * The SOCKS5 handshake (RFC 1928) as the cluster proxy speaks it: no authentication (it listens on
 * loopback by default), CONNECT only, IPv4, IPv6 and domain-name targets. Pure: bytes in, parsed
 * requests or reply bytes out.
 */

export const SOCKS_VERSION = 5;
const NO_AUTH = 0x00;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;

/** Reply codes (RFC 1928 section 6). */
export const REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

/** Not enough bytes yet: read more and parse again. */
export const NEED_MORE = 'need-more' as const;

export type GreetingResult =
  typeof NEED_MORE | { ok: true; consumed: number; reply: Buffer } | { ok: false; reply: Buffer; error: string };

/** The client's greeting: version 5, then the authentication methods it offers; we take "none". */
export function parseGreeting(buf: Buffer): GreetingResult {
  if (buf.length < 2) return NEED_MORE;
  if (buf[0] !== SOCKS_VERSION) {
    return {
      ok: false,
      reply: Buffer.from([SOCKS_VERSION, NO_ACCEPTABLE_METHOD]),
      error: `not SOCKS5 (version ${buf[0]})`,
    };
  }
  const n = buf[1] ?? 0;
  if (buf.length < 2 + n) return NEED_MORE;
  const methods = [...buf.subarray(2, 2 + n)];
  if (!methods.includes(NO_AUTH)) {
    return {
      ok: false,
      reply: Buffer.from([SOCKS_VERSION, NO_ACCEPTABLE_METHOD]),
      error: 'the client offers no method without authentication',
    };
  }
  return { ok: true, consumed: 2 + n, reply: Buffer.from([SOCKS_VERSION, NO_AUTH]) };
}

export type RequestResult =
  | typeof NEED_MORE
  | { ok: true; consumed: number; host: string; port: number }
  | { ok: false; reply: Buffer; error: string };

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** The request after the greeting: `VER CMD RSV ATYP DST.ADDR DST.PORT`. */
export function parseRequest(buf: Buffer): RequestResult {
  if (buf.length < 5) return NEED_MORE;
  const [ver, cmd, , atyp] = buf;
  if (ver !== SOCKS_VERSION)
    return { ok: false, reply: reply(REPLY.generalFailure), error: `not SOCKS5 (version ${ver})` };
  let addrEnd: number;
  let host: string;
  if (atyp === ATYP_IPV4) {
    addrEnd = 8;
    if (buf.length < addrEnd + 2) return NEED_MORE;
    host = [...buf.subarray(4, 8)].join('.');
  } else if (atyp === ATYP_DOMAIN) {
    addrEnd = 5 + (buf[4] ?? 0);
    if (buf.length < addrEnd + 2) return NEED_MORE;
    host = buf.subarray(5, addrEnd).toString('latin1');
  } else if (atyp === ATYP_IPV6) {
    addrEnd = 20;
    if (buf.length < addrEnd + 2) return NEED_MORE;
    host = ipv6(buf.subarray(4, 20));
  } else {
    return { ok: false, reply: reply(REPLY.addressTypeNotSupported), error: `address type ${atyp} is not supported` };
  }
  if (cmd !== CMD_CONNECT) {
    return {
      ok: false,
      reply: reply(REPLY.commandNotSupported),
      error: `command ${cmd} is not supported (CONNECT only)`,
    };
  }
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) {
    return { ok: false, reply: reply(REPLY.hostUnreachable), error: `${JSON.stringify(host)} is not a host name` };
  }
  return { ok: true, consumed: addrEnd + 2, host, port: buf.readUInt16BE(addrEnd) };
}

/** A reply with the bound address left as 0.0.0.0:0 (clients do not use it for CONNECT). */
export function reply(code: number): Buffer {
  return Buffer.from([SOCKS_VERSION, code, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0]);
}

/** The reply for a relay's connect error (its `code`, like ECONNREFUSED). */
export function replyForError(code: string): number {
  if (code === 'ECONNREFUSED') return REPLY.connectionRefused;
  if (code === 'ENETUNREACH') return REPLY.networkUnreachable;
  if (code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT')
    return REPLY.hostUnreachable;
  return REPLY.generalFailure;
}
