// Routes live in the URL's fragment, so a link carries its chain, contract, providers and session
// to the page without any of it reaching the server that serves the files.
//   #/                               invitations and sessions of the connected account
//   #/session?session=7&chain=…      one session (an invitation link)
//   #/audit?sessions=3,7             the audit view
//   #/sign?key=1                     start a signing session of a text
// Every route may carry chain, contract, rpc (comma-separated) and relayer (comma-separated).
import type { Address } from "viem";
import { parseContract, parseUrlList, SettingsError } from "./chain/connection.js";

export type Screen =
  | { name: "home" }
  | { name: "session"; sessionId: bigint }
  | { name: "audit"; sessionIds: bigint[] }
  | { name: "sign"; keySession: bigint | undefined }
  | { name: "share" };

export type Route = {
  screen: Screen;
  chainId?: number;
  contract?: Address;
  rpcUrls?: string[];
  relayers?: string[];
  /** A part of the link that could not be used, in words. */
  problem?: string;
};

function sessionIdOf(text: string | null, what: string): bigint {
  if (text === null || !/^[1-9][0-9]{0,30}$/.test(text.trim())) {
    throw new SettingsError(
      `${what} "${text ?? ""}" is not a session id: expected a number such as 7.`,
    );
  }
  return BigInt(text.trim());
}

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const q = new URLSearchParams(query);
  const route: Route = { screen: { name: "home" } };
  try {
    const chain = q.get("chain");
    if (chain !== null) {
      if (!/^[1-9][0-9]{0,15}$/.test(chain)) {
        throw new SettingsError(`The link's chain "${chain}" is not a chain id such as 31337.`);
      }
      route.chainId = Number(chain);
    }
    const contract = q.get("contract");
    const address = contract === null ? undefined : parseContract(contract);
    if (address !== undefined) route.contract = address;
    const rpc = q.get("rpc");
    if (rpc !== null) route.rpcUrls = parseUrlList(rpc, "The link's RPC URL");
    const relayer = q.get("relayer");
    if (relayer !== null) route.relayers = parseUrlList(relayer, "The link's relayer");
    switch (path.replace(/\/+$/, "")) {
      case "/session":
        route.screen = {
          name: "session",
          sessionId: sessionIdOf(q.get("session"), "The link's session"),
        };
        break;
      case "/audit": {
        const ids = (q.get("sessions") ?? "").split(",").filter((s) => s.trim() !== "");
        route.screen = { name: "audit", sessionIds: ids.map((id) => sessionIdOf(id, "Session")) };
        break;
      }
      case "/sign": {
        const key = q.get("key");
        route.screen = {
          name: "sign",
          keySession: key === null ? undefined : sessionIdOf(key, "Key session"),
        };
        break;
      }
      case "/share":
        route.screen = { name: "share" };
        break;
      default:
        break;
    }
  } catch (error) {
    route.problem = (error as Error).message;
  }
  return route;
}

/** A link to a screen on the page's current chain settings: what an initiator sends to parties. */
export function routeLink(
  screen: Screen,
  settings: { chainId: number; contract: Address; rpcUrls: readonly string[] },
): string {
  const q = new URLSearchParams();
  let path = "/";
  if (screen.name === "session") {
    path = "/session";
    q.set("session", screen.sessionId.toString());
  } else if (screen.name === "audit") {
    path = "/audit";
    q.set("sessions", screen.sessionIds.join(","));
  } else if (screen.name === "sign") {
    path = "/sign";
    if (screen.keySession !== undefined) q.set("key", screen.keySession.toString());
  } else if (screen.name === "share") {
    path = "/share";
  }
  q.set("chain", String(settings.chainId));
  q.set("contract", settings.contract);
  q.set("rpc", settings.rpcUrls.join(","));
  return `#${path}?${q.toString()}`;
}
