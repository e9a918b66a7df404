/**
 * IP address literals, parsed by hand into bytes: SOCKS requests carry them
 * as bytes (RFC 1928 5, SOCKS4), and `no_proxy` compares them by CIDR range.
 * Strict on purpose: only the dotted quad of four decimal numbers for IPv4
 * (not `127.1` or `0x7f.0.0.1`, which some resolvers accept), so that what
 * is sent as an address is what the user wrote.
 *
 * @module
 */

/** `text` as 4 bytes when it is a dotted-quad IPv4 address, else `undefined`. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (part.length === 0 || part.length > 3) return undefined;
    for (let j = 0; j < part.length; j++) {
      const c = part.charCodeAt(j);
      if (c < 0x30 || c > 0x39) return undefined;
    }
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

/** One to four hex digits. */
function parseGroup(text: string): number | undefined {
  if (text.length === 0 || text.length > 4) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit =
      c >= 0x30 && c <= 0x39
        ? c - 0x30
        : c >= 0x61 && c <= 0x66
          ? c - 0x57
          : c >= 0x41 && c <= 0x46
            ? c - 0x37
            : -1;
    if (digit < 0) return undefined;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * `text` (without brackets) as 16 bytes when it is an IPv6 address (RFC 4291
 * 2.2: groups, one `::`, an IPv4 address at the end), else `undefined`.
 * A zone (`%eth0`) is not accepted.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(16);
  const gap = text.indexOf("::");
  if (gap !== -1 && text.indexOf("::", gap + 1) !== -1) return undefined;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? "" : text.slice(gap + 2);
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === "" ? [] : tail.split(":");
  // An IPv4 address may end the address, as its last 32 bits.
  const groups = gap === -1 ? headGroups : tailGroups;
  let ipv4: Uint8Array | undefined;
  const last = groups[groups.length - 1];
  if (last?.includes(".") === true) {
    ipv4 = parseIpv4(last);
    if (ipv4 === undefined) return undefined;
    groups.pop();
  }
  const count = headGroups.length + tailGroups.length + (ipv4 === undefined ? 0 : 2);
  if (gap === -1 ? count !== 8 : count > 7) return undefined;
  const write = (list: string[], start: number): boolean => {
    for (let i = 0; i < list.length; i++) {
      const value = parseGroup(list[i]!);
      if (value === undefined) return false;
      bytes[start + 2 * i] = value >> 8;
      bytes[start + 2 * i + 1] = value & 0xff;
    }
    return true;
  };
  if (!write(headGroups, 0)) return undefined;
  const tailBytes = tailGroups.length * 2 + (ipv4 === undefined ? 0 : 4);
  if (!write(tailGroups, 16 - tailBytes)) return undefined;
  if (ipv4 !== undefined) bytes.set(ipv4, 12);
  return bytes;
}

/** `text` as bytes (4 or 16) when it is an IP address, bracketed IPv6 included. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.startsWith("[") && text.endsWith("]")) return parseIpv6(text.slice(1, -1));
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

/** Whether `address` is within `network`/`prefixBits` (both 4 or both 16 bytes). */
export function inRange(address: Uint8Array, network: Uint8Array, prefixBits: number): boolean {
  if (address.length !== network.length || prefixBits > address.length * 8) return false;
  const whole = prefixBits >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== network[i]) return false;
  const bits = prefixBits & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (address[whole]! & mask) === (network[whole]! & mask);
}
