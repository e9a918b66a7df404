/**
 * The async connection layer, the same on every JavaScript runtime: a
 * `Connection` over a `Transport`, and `Server`/`connect()` written once over
 * a runtime's listener and dialer. Runtime entry points
 * (`websocket-sansio/node`, ...) re-export it with their transports filled in.
 *
 * @module
 */

export { ProxyError } from "../proxy/errors.js";
export type { Backplane, BackplaneReceiver } from "./backplane.js";
export { type BroadcastOptions, broadcast } from "./broadcast.js";
export {
  type AbortSignalLike,
  ClientConnection,
  type ClientOptions,
  connect,
  type Dial,
  type DialOptions,
  type ReconnectOptions,
  reconnect,
} from "./client.js";
export {
  type BinaryData,
  type BinaryMessageStream,
  Connection,
  type ConnectionObserver,
  type ConnectionOptions,
  type Fragment,
  type FrameKind,
  type Message,
  type MessageStream,
  type SendData,
  type TextMessageStream,
} from "./connection.js";
export {
  type CloseDiagnostic,
  diagnosticsChannels,
  type ErrorDiagnostic,
  type HandshakeDiagnostic,
  type OpenDiagnostic,
} from "./diagnostics.js";
export {
  type CloseInfo,
  ConnectionClosed,
  ConnectionClosedError,
  ConnectionClosedOK,
  isNormalClosure,
  TimeoutError,
  TransportError,
} from "./errors.js";
export type { Logger, LogLevel, LogRecord } from "./log.js";
export type { ProxyDialEndpoint, ProxyNetwork, RawStream } from "./proxy-tunnel.js";
export { defaultDefer } from "./schedule.js";
export {
  type Handler,
  type HookResult,
  type ParsedHead,
  Server,
  ServerConnection,
  type ServerOptions,
} from "./server.js";
export type { CertificateName, PeerCertificate, TlsInfo } from "./tls-info.js";
export {
  type PublishOptions,
  TopicLimitError,
  Topics,
  type TopicsOptions,
} from "./topics.js";
export type { Defer, Transport, TransportHandler } from "./transport.js";
