// Helpers for the auditor's tests: a JSON-RPC proxy on 127.0.0.1 that can lie (rewrite answers)
// or act before forwarding (a reorganisation mid-audit), and the audit of sessions as a library.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address } from "viem";
import { auditSessions, type SessionSelection } from "../../src/auditor/auditSessions.js";
import { createChainReader, type ReportBlockChoice } from "../../src/auditor/readChain.js";
import type { CheckId, CheckResult, SessionAudit } from "../../src/auditor/types.js";

/** One JSON-RPC request as the proxy sees it. */
export type RpcCall = { id: unknown; method: string; params: unknown[] };

export type RpcProxyParameters = {
  target: string;
  /** Runs before a request (single or batch) is forwarded; may stall, refuse or change the chain. */
  before?: (calls: readonly RpcCall[]) => Promise<{ status: number; body: unknown } | undefined>;
  /** May replace a call's result (return undefined to keep it). */
  rewrite?: (call: RpcCall, result: unknown) => unknown;
  /** May answer a call with a JSON-RPC error instead of its result. */
  fail?: (call: RpcCall) => { code: number; message: string } | undefined;
};

export type RpcProxy = {
  url: string;
  /** Every method forwarded, in order. */
  methods: string[];
  stop(): Promise<void>;
};

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A JSON-RPC proxy on 127.0.0.1 in front of `target`. Stop it with `stop()`. */
export async function startRpcProxy({
  target,
  before,
  rewrite,
  fail,
}: RpcProxyParameters): Promise<RpcProxy> {
  const methods: string[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const text = await bodyOf(request);
      const parsed = JSON.parse(text) as RpcCall | RpcCall[];
      const calls = Array.isArray(parsed) ? parsed : [parsed];
      methods.push(...calls.map((c) => c.method));
      const refused = await before?.(calls);
      if (refused !== undefined) {
        response.writeHead(refused.status, { "content-type": "application/json" });
        response.end(JSON.stringify(refused.body));
        return;
      }
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
      });
      const answer = (await upstream.json()) as
        | { id: unknown; result?: unknown }
        | { id: unknown; result?: unknown }[];
      const answers = Array.isArray(answer) ? answer : [answer];
      for (const [i, item] of answers.entries()) {
        const call = calls.find((c) => c.id === item.id);
        const error = call === undefined ? undefined : fail?.(call);
        if (error !== undefined) {
          answers[i] = { id: item.id, jsonrpc: "2.0", error } as (typeof answers)[number];
          continue;
        }
        if (call === undefined || !("result" in item) || rewrite === undefined) continue;
        const replaced = rewrite(call, item.result);
        if (replaced !== undefined) item.result = replaced;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(Array.isArray(answer) ? answers : answers[0]));
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    methods,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Audits sessions through the library, as `roundtable audit` does, and keeps every audit. */
export async function auditAll({
  rpcUrls,
  contract,
  selection,
  choice = { kind: "latest" },
  pageSize,
}: {
  rpcUrls: readonly string[];
  contract: Address;
  selection: SessionSelection | ((reportBlock: bigint) => SessionSelection);
  choice?: ReportBlockChoice;
  pageSize?: bigint;
}): Promise<SessionAudit[]> {
  const reader = await createChainReader({
    endpoints: rpcUrls.map((url) => ({ url, shown: url })),
    contract,
    pageSize,
  });
  const reportBlock = await reader.reportBlock(choice);
  const audits: SessionAudit[] = [];
  await auditSessions({
    reader,
    reportBlock,
    selection: typeof selection === "function" ? selection(reportBlock.number) : selection,
    onSession: (audit) => {
      audits.push(audit);
    },
  });
  return audits;
}

/** One check of an audit, by id. */
export function checkOf(audit: SessionAudit, id: CheckId): CheckResult {
  const check = audit.checks.find((c) => c.id === id);
  if (check === undefined) throw new Error(`no check ${id}`);
  return check;
}

/** The ids of the checks that failed. */
export function failedChecks(audit: SessionAudit): CheckId[] {
  return audit.checks.filter((c) => c.status === "fail").map((c) => c.id);
}
