// A relayer that lies to the party's relayed transport (threat R13), as a real HTTP server on
// 127.0.0.1: each kind of lie a dishonest relayer can tell with real chain data behind it (a real
// transaction of another action, a real ActionSkipped it triggered itself), plus huge bodies,
// redirects and rate limits. Used by test/relayer/lyingRelayer.test.ts.

import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Address, type Hex, parseEventLogs, toHex, zeroHash } from "viem";
import type {
  RoundtablePublicClient,
  RoundtableWalletClient,
} from "../../src/sdk/actions/internal.js";
import { packBatchItems } from "../../src/sdk/batchCall.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { actionDigest, relayerActionId } from "../../src/sdk/relayerActionId.js";
import { ActionType, type SignedAction, type UnsignedAction } from "../../src/sdk/types.js";

export type Lie =
  /** 409 already_recorded, with no evidence. */
  | "already-recorded"
  /** 409 slot_taken naming some other id. */
  | "slot-taken"
  /** 202, then "included" naming a real transaction that records another action of the session. */
  | "other-receipt"
  /** 202, then "skipped" naming a real ActionSkipped for this party, which the liar caused itself (409 when it cannot). */
  | "anyone-skip"
  /** 202 with a body of `hugeBytes` (a valid JSON start, never ending in time). */
  | "huge-body"
  /** 307 to `redirectTo`. */
  | "redirect"
  /** 429 with Retry-After: 1, then `forward` to the upstream relayer. */
  | "rate-limit-once"
  /** Pass the request to the upstream relayer. */
  | "forward";

export type LyingRelayer = {
  url: string;
  /** Every request and the lie told. */
  requests: { method: string; path: string; lie: Lie }[];
  /** Bytes of huge bodies written so far. */
  hugeBytesWritten(): number;
  close(): Promise<void>;
};

export type StartLyingRelayerParameters = {
  /** Which lie for each POST (n counts POSTs from 0). */
  lie: (action: UnsignedAction, n: number) => Lie;
  publicClient: RoundtablePublicClient;
  /** Pays for the batch transactions that trigger ActionSkipped (anyone can). */
  sender?: RoundtableWalletClient | undefined;
  chainId: number;
  address: Address;
  /** A real relayer, for "forward" and "rate-limit-once". */
  upstream?: string | undefined;
  redirectTo?: string | undefined;
  /** @default 400 MiB */
  hugeBytes?: number | undefined;
};

type Told = { status: "included" | "skipped"; transactionHash: Hex };

export async function startLyingRelayer(p: StartLyingRelayerParameters): Promise<LyingRelayer> {
  const hugeBytes = p.hugeBytes ?? 400 * 1024 * 1024;
  const requests: LyingRelayer["requests"] = [];
  const told = new Map<Hex, Told>();
  const limited = new Set<string>();
  let posts = 0;
  let hugeWritten = 0;

  const json = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  async function forward(
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
    body: Buffer,
  ) {
    if (p.upstream === undefined) return json(res, 503, { error: { code: "no_upstream" } });
    const answer = await new Promise<import("node:http").IncomingMessage>((resolve, reject) => {
      const out = httpRequest(
        `${p.upstream}${req.url}`,
        { method: req.method, headers: req.headers },
        resolve,
      );
      out.on("error", reject);
      out.end(body);
    });
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  }

  /** A real transaction of this session that records some action other than `action`. */
  async function otherActionTransaction(action: UnsignedAction): Promise<Hex> {
    const logs = await p.publicClient.getLogs({ address: p.address, fromBlock: 0n });
    const candidates = parseEventLogs({ abi: roundtableAbi, logs }).filter(
      (e) =>
        "sessionId" in e.args &&
        e.args.sessionId === action.sessionId &&
        ["PartyAccepted", "CommitmentSubmitted", "PayloadSubmitted"].includes(e.eventName) &&
        !(
          e.eventName ===
            ["PartyAccepted", "CommitmentSubmitted", "PayloadSubmitted"][action.action] &&
          "round" in e.args &&
          e.args.round === action.round &&
          "index" in e.args &&
          e.args.index === action.party
        ),
    );
    // Prefer this party's own earlier action: the lie the old check believed.
    const own = candidates.filter((e) => "index" in e.args && e.args.index === action.party);
    return (own.at(-1) ?? candidates.at(-1))?.transactionHash ?? zeroHash;
  }

  // One sender, one nonce at a time.
  let sending: Promise<unknown> = Promise.resolve();
  const skips = new Map<string, Hex>();
  function triggerSkip(action: SignedAction): Promise<Hex | undefined> {
    const next = sending.then(() => sendSkip(action));
    sending = next.catch(() => {});
    return next;
  }

  /**
   * A real ActionSkipped for this party, which anyone can cause: a copy of a filled slot's action
   * with a garbage signature is skipped before its signature is checked. For an acceptance the
   * liar lands the party's real one in the same batch, then its copy; for a later action it names
   * the party's remembered skip of an earlier round (or tries a copy of this one).
   */
  async function sendSkip(action: SignedAction): Promise<Hex | undefined> {
    const key = `${action.sessionId}/${action.party}`;
    const remembered = skips.get(key);
    if (remembered !== undefined && action.action !== ActionType.Accept) return remembered;
    if (p.sender === undefined) return undefined;
    const junk = { ...action, signature: toHex(new Uint8Array(65).fill(7)) };
    const items = action.action === ActionType.Accept ? [action, junk] : [junk];
    const hash = await p.sender.writeContract({
      address: p.address,
      abi: roundtableAbi,
      functionName: "batch",
      args: [packBatchItems(items)],
      account: p.sender.account!,
      chain: p.sender.chain,
    });
    const receipt = await p.publicClient.waitForTransactionReceipt({ hash });
    const skipped = parseEventLogs({
      abi: roundtableAbi,
      logs: receipt.logs,
      eventName: "ActionSkipped",
    }).some((e) => e.args.party === action.party);
    if (skipped) skips.set(key, hash);
    return skipped ? hash : remembered;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? "/";
      try {
        if (req.method === "GET") {
          const id = path.split("/").at(-1) as Hex;
          const lie = told.get(id);
          requests.push({ method: "GET", path, lie: lie ? "other-receipt" : "forward" });
          if (lie === undefined) return await forward(req, res, body);
          return json(res, 200, { id, ...lie, final: true });
        }
        const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
        const action: SignedAction = {
          action: Number(parsed.action),
          sessionId: BigInt(String(parsed.sessionId)),
          party: Number(parsed.party),
          round: Number(parsed.round),
          accused: Number(parsed.accused),
          word: parsed.word as Hex,
          data: parsed.data as Hex,
          signature: parsed.signature as Hex,
        };
        const id = relayerActionId({
          digest: actionDigest({ chainId: p.chainId, contract: p.address, action }),
          party: action.party,
        });
        let lie = p.lie(action, posts++);
        if (lie === "rate-limit-once" && limited.has(id)) lie = "forward";
        requests.push({ method: "POST", path, lie });
        switch (lie) {
          case "already-recorded":
            return json(res, 409, {
              error: { code: "already_recorded", message: "trust me, it is on chain" },
            });
          case "slot-taken":
            return json(res, 409, {
              error: { code: "slot_taken", message: "another action holds the slot" },
              existingId: toHex(new Uint8Array(32).fill(1)),
              existingStatus: "included",
            });
          case "other-receipt": {
            told.set(id, {
              status: "included",
              transactionHash: await otherActionTransaction(action),
            });
            return json(res, 202, { id, status: "queued" });
          }
          case "anyone-skip": {
            const hash = await triggerSkip(action);
            if (hash === undefined) {
              return json(res, 409, { error: { code: "already_recorded", message: "no skip" } });
            }
            told.set(id, { status: "skipped", transactionHash: hash });
            return json(res, 202, { id, status: "queued" });
          }
          case "huge-body": {
            res.writeHead(202, { "content-type": "application/json" });
            const chunk = Buffer.alloc(64 * 1024, 0x61);
            res.write(`{"id":"${id}","status":"queued","pad":"`);
            // Written as the client reads (backpressure), until it hangs up or the size is reached.
            const pump = () => {
              while (hugeWritten < hugeBytes && !res.destroyed) {
                hugeWritten += chunk.length;
                if (!res.write(chunk)) return void res.once("drain", pump);
              }
              if (!res.destroyed) res.end('"}');
            };
            res.on("close", () => res.destroy());
            return pump();
          }
          case "redirect":
            res.writeHead(307, { location: `${p.redirectTo ?? "http://127.0.0.1:9"}${path}` });
            return res.end();
          case "rate-limit-once":
            limited.add(id);
            res.writeHead(429, { "content-type": "application/json", "retry-after": "1" });
            return res.end(JSON.stringify({ error: { code: "rate_limited", message: "wait" } }));
          default:
            return await forward(req, res, body);
        }
      } catch (error) {
        json(res, 500, { error: { code: "liar_failed", message: String(error) } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hugeBytesWritten: () => hugeWritten,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
