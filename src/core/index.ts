/**
 * websocket-sansio: the WebSocket protocol (RFC 6455, RFC 7692 seam) as a
 * pure, synchronous state machine. Bytes in, events and bytes out; no I/O.
 *
 * @module websocket-sansio
 */

export { ClientProtocol, type ClientProtocolOptions } from "./client.js";
export { CloseCode, isValidCloseCode } from "./close.js";
export {
  ExtensionError,
  HandshakeError,
  InvalidStateError,
  ProtocolError,
  WebSocketError,
} from "./errors.js";
export type {
  BinaryEvent,
  ClosedEvent,
  CloseEvent,
  FragmentEvent,
  PingEvent,
  PongEvent,
  ProtocolEvent,
  RequestEvent,
  ResponseEvent,
  TextEvent,
} from "./events.js";
export {
  type ExtendedConnectClientOptions,
  ExtendedConnectClientProtocol,
} from "./extended-connect-client.js";
export {
  type ExtendedConnectServerOptions,
  ExtendedConnectServerProtocol,
  type RespondHead,
} from "./extended-connect-server.js";
export type {
  ClientExtensionFactory,
  Extension,
  ExtensionParam,
  ServerExtensionFactory,
} from "./extension.js";
export type {
  DeflateCodec,
  Deflater,
  DeflaterOptions,
  Inflater,
} from "./extensions/deflate-codec.js";
export {
  ClientPerMessageDeflateFactory,
  PERMESSAGE_DEFLATE,
  PERMESSAGE_DEFLATE_DEFAULTS,
  PerMessageDeflate,
  type PerMessageDeflateOptions,
  type PerMessageDeflateParams,
  ServerPerMessageDeflateFactory,
} from "./extensions/permessage-deflate.js";
export { Opcode } from "./frame.js";
export { acceptKey } from "./handshake/accept-key.js";
export {
  buildExtendedConnectRequest,
  checkExtendedConnectResponse,
  type ExtendedConnectRequest,
  extendedConnectResponse,
  fieldsForHttp2,
  negotiateExtendedConnect,
  requestFromFields,
} from "./handshake/extended-connect.js";
export type { ClientHandshakeOptions, ServerHandshakeOptions } from "./handshake/options.js";
export { parseWebSocketUrl, type WebSocketUrl } from "./handshake/url.js";
export { Headers } from "./headers.js";
export type { HttpLimits, Request, Response } from "./http1/message.js";
export { requestFromHead } from "./http1/parsed-request.js";
export { PreparedMessage, prepareMessage } from "./prepared-message.js";
export { type Output, Protocol, type Role, type State } from "./protocol.js";
export type { RandomSource } from "./random.js";
export { ServerProtocol, type ServerProtocolOptions } from "./server.js";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type OpenProtocolOptions,
  type ProtocolOptions,
} from "./settings.js";
