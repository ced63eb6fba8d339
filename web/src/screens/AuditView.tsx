// The audit view: any sessions, or the sessions of a block range, audited in the page by the
// project's auditor (web/src/audit/runAudit.ts) against the page's RPC and any further RPCs, and
// shown as the HTML report shows them, verdict first. The form keeps its input whatever happens.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Address } from "viem";
import type { RoundtablePublicClient } from "../../../src/sdk/actions/internal.js";
import { AuditReport } from "../audit/AuditReport.js";
import {
  type AuditProgress,
  type AuditRequest,
  type AuditResult,
  auditErrorText,
  runAudit,
} from "../audit/runAudit.js";
import { parseUrlList } from "../chain/connection.js";
import { Problem, Warning } from "../ui/bits.js";

export type AuditViewProps = {
  publicClient: RoundtablePublicClient;
  contract: Address;
  /** Sessions to audit at once (a link from a session's page); the form starts with them. */
  sessionIds?: bigint[];
};

type Form = { sessions: string; fromBlock: string; toBlock: string; rpcs: string };

/** The form's text as a request, or an error that names the value and says what to write. */
export function parseAuditForm(form: Form): AuditRequest {
  const ids = form.sessions
    .split(/[\s,]+/)
    .filter((s) => s !== "")
    .map((text) => {
      if (!/^[1-9][0-9]{0,30}$/.test(text)) {
        throw new Error(
          `Session "${text.slice(0, 20)}" is not a session id: write ids such as 3, 7 (numbered from 1).`,
        );
      }
      return BigInt(text);
    });
  const block = (text: string, what: string): bigint | undefined => {
    const value = text.trim();
    if (value === "") return undefined;
    if (!/^[0-9]{1,15}$/.test(value)) {
      throw new Error(
        `${what} "${value.slice(0, 20)}" is not a block number: write one such as 100.`,
      );
    }
    return BigInt(value);
  };
  const fromBlock = block(form.fromBlock, "From block");
  const toBlock = block(form.toBlock, "To block");
  if (ids.length > 0 && (fromBlock !== undefined || toBlock !== undefined)) {
    throw new Error("Give session ids or a block range, not both: clear one of them.");
  }
  if (fromBlock !== undefined && toBlock !== undefined && fromBlock > toBlock) {
    throw new Error(`From block ${fromBlock} is after to block ${toBlock}: swap them.`);
  }
  const extraRpcUrls = form.rpcs.trim() === "" ? [] : parseUrlList(form.rpcs, "RPC URL");
  return { ids, fromBlock, toBlock, extraRpcUrls };
}

function progressText({ audited, total }: AuditProgress): string {
  if (total !== undefined) {
    return audited >= total
      ? `Audited ${total} of ${total}: checking the providers' answers once more …`
      : `Auditing session ${audited + 1} of ${total} …`;
  }
  return `Scanning the range for sessions … ${audited} audited so far.`;
}

export function AuditView({ publicClient, contract, sessionIds }: AuditViewProps) {
  const linked = (sessionIds ?? []).join(", ");
  const [form, setForm] = useState<Form>({
    sessions: linked,
    fromBlock: "",
    toBlock: "",
    rpcs: "",
  });
  const [running, setRunning] = useState<string>();
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<AuditResult>();
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  async function audit(current: Form) {
    setError(undefined);
    let request: AuditRequest;
    try {
      request = parseAuditForm(current);
    } catch (problem) {
      setError((problem as Error).message);
      return;
    }
    setResult(undefined);
    setRunning("Reading the report block …");
    try {
      const done = await runAudit({
        publicClient,
        contract,
        request,
        onProgress: (progress) => live.current && setRunning(progressText(progress)),
      });
      if (live.current) setResult(done);
    } catch (problem) {
      if (live.current) setError(auditErrorText(problem));
    } finally {
      if (live.current) setRunning(undefined);
    }
  }

  // A link that names sessions (from a session's page) audits them at once.
  useEffect(() => {
    if (linked === "") return;
    const next = { ...form, sessions: linked };
    setForm(next);
    void audit(next);
  }, [linked, contract, publicClient]);

  const field = (name: keyof Form) => ({
    name,
    value: form[name],
    onInput: (event: Event) =>
      setForm((f) => ({ ...f, [name]: (event.currentTarget as HTMLInputElement).value })),
  });

  return (
    <section class="card audit" id="audit">
      <h2>Audit</h2>
      <p class="hint">
        Rebuilds sessions from the contract's events alone and checks every rule and every
        signature, in this page, with the same auditor as <code>roundtable audit</code>. Contract{" "}
        <code class="mono">{contract}</code>.
      </p>
      <form
        id="audit-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (running === undefined) void audit(form);
        }}
      >
        <label>
          Sessions <input {...field("sessions")} placeholder="3, 7" inputMode="numeric" />
        </label>
        <p class="hint">Or, with no ids, every session created in a block range (empty: all):</p>
        <label>
          From block <input {...field("fromBlock")} placeholder="deployment" inputMode="numeric" />
        </label>
        <label>
          To block <input {...field("toBlock")} placeholder="latest" inputMode="numeric" />
        </label>
        <label>
          More RPC URLs to compare{" "}
          <input {...field("rpcs")} placeholder="https://rpc-b.example, https://rpc-c.example" />
        </label>
        <p class="hint">
          Every log, block hash and read is asked of each and compared with the page's RPC: a
          disagreement is a finding.
        </p>
        <button type="submit" disabled={running !== undefined}>
          Audit
        </button>
      </form>
      {running !== undefined && (
        <p class="audit-progress" role="status">
          {running}
        </p>
      )}
      {error !== undefined && <Problem>{error}</Problem>}
      {result !== undefined && (
        <>
          <p
            id="audit-verdict"
            data-verdict={result.verdict}
            class={`audit-verdict ${result.verdict === "pass" ? "ok" : "bad"}`}
            role="status"
          >
            Verdict: {result.verdict.toUpperCase()} — {result.tail.audited} session
            {result.tail.audited === 1 ? "" : "s"} audited, {result.tail.failed} failed, at block{" "}
            {result.head.reportBlock.number.toString()}.
          </p>
          {result.stopped !== undefined && (
            <Warning>The audit stopped before the end: {result.stopped}</Warning>
          )}
          <AuditReport html={result.html} />
        </>
      )}
    </section>
  );
}
