// What a scenario of the ws facade's comparison tests is (trace-scenarios.ts,
// options-scenarios.ts, agent-scenarios.ts): a server side and a client side, each played by
// real ws or by the facade (play.ts says where), each recording what it saw.
// Shared by the tests and by the Node child that plays real ws
// (fixtures/real-ws.ts), which finds scenarios by module and name.

// biome-ignore lint/suspicious/noExplicitAny: the two implementations are driven by the same untyped code
export type Any = any;

/** The part of a ws-shaped module the scenarios use. */
export interface Lib {
  readonly WebSocket: Any;
  readonly WebSocketServer: Any;
}

/** A server side, listening on a free loopback port. */
export interface ServerSide {
  readonly port: number;
  /** Ends the server side (after its connections have closed, where a scenario waits for that). */
  stop(): Promise<void>;
}

/**
 * The two sides of a scenario, each recording what it saw in `trace`. The
 * server side is optional (a scenario of constructor errors has none).
 */
export interface Roles {
  server?(lib: Lib, trace: string[]): Promise<ServerSide>;
  /** Plays the client side to its end against the server on `port`. */
  client(lib: Lib, port: number, trace: string[]): Promise<void>;
}

/** JSON parameters, so that the Node child can play the same scenario. */
export type Params = Record<string, unknown>;
export type Scenario = (params: Params) => Roles;

/** What each side recorded. */
export interface Traces {
  readonly server: string[];
  readonly client: string[];
}

/** The modules of scenarios, by the name the child is given. */
const MODULES = {
  trace: () => import("./trace-scenarios.js"),
  options: () => import("./options-scenarios.js"),
  agent: () => import("./agent-scenarios.js"),
} as const;

export type Module = keyof typeof MODULES;

/** The sides of scenario `module/name` with `params`. */
export async function roles(module: string, name: string, params: Params): Promise<Roles> {
  if (!(module in MODULES)) throw new Error(`No module of scenarios named ${module}`);
  const { scenarios } = await MODULES[module as Module]();
  const found = (scenarios as Record<string, Scenario>)[name];
  if (found === undefined) throw new Error(`No scenario ${module}/${name}`);
  return found(params);
}

/** Plays both sides in this process, the server on `serverLib`, the client on `clientLib`. */
export async function playHere(roles: Roles, serverLib: Lib, clientLib: Lib): Promise<Traces> {
  const traces: Traces = { server: [], client: [] };
  const server = await roles.server?.(serverLib, traces.server);
  try {
    await roles.client(clientLib, server?.port ?? 0, traces.client);
  } finally {
    await server?.stop();
  }
  return traces;
}
