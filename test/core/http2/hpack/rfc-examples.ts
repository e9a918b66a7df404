/**
 * The examples of RFC 7541 Appendix C, as the RFC prints them: each block's bytes in hex, the
 * header list it decodes to, and the dynamic table after it (newest first) with its size.
 */

import type { HeaderField } from "../../../../src/core/http2/hpack/index.js";

/** Bytes from the RFC's hex dump ("8286 8441 ..."), whitespace ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Bytes as the RFC prints them, for messages and comparisons. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface Step {
  readonly block: string;
  readonly fields: HeaderField[];
  readonly table: HeaderField[];
  readonly tableBytes: number;
}

const request1: HeaderField[] = [
  [":method", "GET"],
  [":scheme", "http"],
  [":path", "/"],
  [":authority", "www.example.com"],
];
const request2: HeaderField[] = [...request1, ["cache-control", "no-cache"]];
const request3: HeaderField[] = [
  [":method", "GET"],
  [":scheme", "https"],
  [":path", "/index.html"],
  [":authority", "www.example.com"],
  ["custom-key", "custom-value"],
];
const requestTables: HeaderField[][] = [
  [[":authority", "www.example.com"]],
  [
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ],
  [
    ["custom-key", "custom-value"],
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ],
];

/** C.3: requests without Huffman coding, table size 4096. */
export const C3: Step[] = [
  {
    block: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    fields: request1,
    table: requestTables[0]!,
    tableBytes: 57,
  },
  {
    block: "8286 84be 5808 6e6f 2d63 6163 6865",
    fields: request2,
    table: requestTables[1]!,
    tableBytes: 110,
  },
  {
    block: "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    fields: request3,
    table: requestTables[2]!,
    tableBytes: 164,
  },
];

/** C.4: the same requests with Huffman coding. */
export const C4: Step[] = [
  {
    block: "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
    fields: request1,
    table: requestTables[0]!,
    tableBytes: 57,
  },
  {
    block: "8286 84be 5886 a8eb 1064 9cbf",
    fields: request2,
    table: requestTables[1]!,
    tableBytes: 110,
  },
  {
    block: "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    fields: request3,
    table: requestTables[2]!,
    tableBytes: 164,
  },
];

const date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const location = "https://www.example.com";
const cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const response1: HeaderField[] = [
  [":status", "302"],
  ["cache-control", "private"],
  ["date", date1],
  ["location", location],
];
const response2: HeaderField[] = [[":status", "307"], ...response1.slice(1)];
const response3: HeaderField[] = [
  [":status", "200"],
  ["cache-control", "private"],
  ["date", date2],
  ["location", location],
  ["content-encoding", "gzip"],
  ["set-cookie", cookie],
];
const responseTables: HeaderField[][] = [
  [
    ["location", location],
    ["date", date1],
    ["cache-control", "private"],
    [":status", "302"],
  ],
  [
    [":status", "307"],
    ["location", location],
    ["date", date1],
    ["cache-control", "private"],
  ],
  [
    ["set-cookie", cookie],
    ["content-encoding", "gzip"],
    ["date", date2],
  ],
];

/** C.5: responses without Huffman coding, table size 256 (so entries get evicted). */
export const C5: Step[] = [
  {
    block: `4803 3330 3258 0770 7269 7661 7465 611d
            4d6f 6e2c 2032 3120 4f63 7420 3230 3133
            2032 303a 3133 3a32 3120 474d 546e 1768
            7474 7073 3a2f 2f77 7777 2e65 7861 6d70
            6c65 2e63 6f6d`,
    fields: response1,
    table: responseTables[0]!,
    tableBytes: 222,
  },
  {
    block: "4803 3330 37c1 c0bf",
    fields: response2,
    table: responseTables[1]!,
    tableBytes: 222,
  },
  {
    block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420
            3230 3133 2032 303a 3133 3a32 3220 474d
            54c0 5a04 677a 6970 7738 666f 6f3d 4153
            444a 4b48 514b 425a 584f 5157 454f 5049
            5541 5851 5745 4f49 553b 206d 6178 2d61
            6765 3d33 3630 303b 2076 6572 7369 6f6e
            3d31`,
    fields: response3,
    table: responseTables[2]!,
    tableBytes: 215,
  },
];

/** C.6: the same responses with Huffman coding (same evictions: sizes count decoded octets). */
export const C6: Step[] = [
  {
    block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe
            9410 54d4 44a8 2005 9504 0b81 66e0 82a6
            2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8
            e9ae 82ae 43d3`,
    fields: response1,
    table: responseTables[0]!,
    tableBytes: 222,
  },
  {
    block: "4883 640e ffc1 c0bf",
    fields: response2,
    table: responseTables[1]!,
    tableBytes: 222,
  },
  {
    block: `88c1 6196 d07a be94 1054 d444 a820 0595
            040b 8166 e084 a62d 1bff c05a 839b d9ab
            77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b
            3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
            9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
    fields: response3,
    table: responseTables[2]!,
    tableBytes: 215,
  },
];
