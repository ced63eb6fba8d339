// Threat N5 against the auditor (issue 11), ../shared/THREATS.md: the auditor reads through one
// lying provider. Without proofs, a forgery consistent across the logs and `transcriptOf` is only
// caught if something else gives it away; with a trusted block, the transcript is read from a
// storage proof and the same forgery fails `transcript.matches-contract`.

import { expect } from "chai";
import {
  type AbiEvent,
  decodeEventLog,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionResult,
  type Hash,
  type Hex,
  keccak256,
  toHex,
} from "viem";
import { auditSessions } from "../../src/auditor/auditSessions.js";
import { createChainReader } from "../../src/auditor/readChain.js";
import type { SessionAudit } from "../../src/auditor/types.js";
import { encryptionPublicKey, newEncryptionSecretKey } from "../../src/party/acceptance.js";
import { secureRandom } from "../../src/protocol/index.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import type { TrustedBlock } from "../../src/sdk/proofs/headerChain.js";
import { transcriptOf } from "../../src/sdk/transcript.js";
import { type ForgedCall, type ForgingRpc, startForgingRpc } from "../helpers/forgingRpc.js";
import {
  type CorpusChain,
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  startCorpusChain,
} from "./corpus.js";
import { checkOf, failedChecks } from "./helpers.js";

type Args = Record<string, unknown>;
type Decoded = { eventName: string; args: Args };
type RpcLog = { data: Hex; topics: [Hex, ...Hex[]]; [k: string]: unknown };

describe("Auditor: one lying provider against storage proofs (N5, issue 11)", function () {
  this.timeout(180_000);
  let chain: CorpusChain;
  let key: KeygenOutcome;
  let trustedBlock: TrustedBlock;
  const proxies: ForgingRpc[] = [];

  before(async () => {
    chain = await startCorpusChain();
    [key] = (await runKeygens(chain, [{ parties: partyAccounts("proofs", 3), threshold: 2 }])) as [
      KeygenOutcome,
    ];
    const block = await chain.anvil.publicClient.getBlock({ blockNumber: chain.deploymentBlock });
    trustedBlock = { number: chain.deploymentBlock, hash: block.hash };
  });

  after(async () => {
    for (const p of proxies) await p.stop();
    await chain?.stop();
  });

  async function proxy(): Promise<ForgingRpc> {
    const p = await startForgingRpc({ target: chain.anvil.rpcUrl });
    proxies.push(p);
    return p;
  }

  /** Audits the key generation through `url` alone, as `roundtable audit` would. */
  async function audit(url: string, withProofs: boolean): Promise<SessionAudit> {
    const reader = await createChainReader({
      endpoints: [{ url, shown: url }],
      contract: chain.contract,
      ...(withProofs ? { trustedBlock } : {}),
    });
    const reportBlock = await reader.reportBlock({ kind: "latest" });
    const audits: SessionAudit[] = [];
    await auditSessions({
      reader,
      reportBlock,
      selection: { kind: "ids", ids: [key.sessionId] },
      onSession: (a) => {
        audits.push(a);
      },
    });
    expect(audits).to.have.length(1);
    return audits[0]!;
  }

  function summary(a: SessionAudit): string {
    const transcript = checkOf(a, "transcript.matches-contract");
    return `verdict ${a.verdict}; failed ${JSON.stringify(failedChecks(a))}; transcript check: ${transcript.status}: ${transcript.summary}`;
  }

  /** Rewrites the data of every log `forge` changes (indexed topics stay as they were). */
  function forgeLogs(result: unknown, forge: (e: Decoded) => Args | undefined): unknown {
    if (!Array.isArray(result)) return result;
    return (result as RpcLog[]).map((log) => {
      let decoded: Decoded;
      try {
        decoded = decodeEventLog({
          abi: roundtableAbi,
          data: log.data,
          topics: log.topics,
        }) as unknown as Decoded;
      } catch {
        return log;
      }
      const args = forge(decoded);
      if (args === undefined) return log;
      const item = roundtableAbi.find(
        (x) => x.type === "event" && x.name === decoded.eventName,
      ) as AbiEvent;
      const inputs = item.inputs.filter((i) => !i.indexed);
      return {
        ...log,
        data: encodeAbiParameters(
          inputs,
          inputs.map((i) => args[i.name!]),
        ),
      };
    });
  }

  /** Whether an eth_call is `transcriptOf(sessionId)` on the contract. */
  function isTranscriptOf(call: ForgedCall): boolean {
    const [tx] = call.params as [{ to?: string; data?: Hex; input?: Hex }];
    const data = tx?.data ?? tx?.input;
    if (data === undefined || tx?.to?.toLowerCase() !== chain.contract.toLowerCase()) return false;
    try {
      const { functionName, args } = decodeFunctionData({ abi: roundtableAbi, data });
      return functionName === "transcriptOf" && args[0] === key.sessionId;
    } catch {
      return false;
    }
  }

  it("an honest provider with proofs: pass, the transcript proven in storage", async () => {
    const p = await proxy();
    const a = await audit(p.url, true);
    console.log(`      ${summary(a)}`);
    expect(failedChecks(a)).to.deep.equal([]);
    expect(a.verdict).to.equal("pass");
    const transcript = checkOf(a, "transcript.matches-contract");
    expect(transcript.status).to.equal("pass");
    expect(transcript.summary).to.match(/proven in storage from the trusted block/);
    expect(transcript.evidence.proven).to.equal(transcript.evidence.recomputed);
    expect(p.count("eth_getProof")).to.be.greaterThan(0);
  });

  it("a swapped encryption key with transcriptOf and the end event forged to match: caught by the proof", async () => {
    const honest = await audit(chain.anvil.rpcUrl, false);
    expect(honest.verdict).to.equal("pass");
    const victim = 1;
    const swapped = encryptionPublicKey(newEncryptionSecretKey(secureRandom));
    const actions = honest.record.actions.map((x) =>
      x.kind === "accept" && x.party === victim ? { ...x, data: swapped } : x,
    );
    const configHash = honest.record.created!.configHash;
    const real = transcriptOf({
      sessionId: key.sessionId,
      actions: honest.record.actions,
      configHash,
    });
    const forged = transcriptOf({ sessionId: key.sessionId, actions, configHash });
    expect(forged).to.not.equal(real);
    const forge = (e: Decoded): Args | undefined => {
      if (e.args.sessionId !== key.sessionId) return undefined;
      if (e.eventName === "PartyAccepted" && e.args.index === victim) {
        return { ...e.args, encryptionKey: swapped };
      }
      if (e.eventName === "SessionFinalized") return { ...e.args, transcript: forged };
      return undefined;
    };
    const liar = await proxy();
    liar.lie({
      rewrite: (call, result) => {
        if (call.method === "eth_getLogs") return forgeLogs(result, forge);
        if (call.method === "eth_call" && isTranscriptOf(call)) {
          return encodeFunctionResult({
            abi: roundtableAbi,
            functionName: "transcriptOf",
            result: forged,
          });
        }
        return result;
      },
    });

    const without = await audit(liar.url, false);
    console.log(`      without proofs: ${summary(without)}`);
    // The forged record is what the auditor saw: the swapped key, the forged transcript agreeing.
    const accepted = without.record.actions.find((x) => x.kind === "accept" && x.party === victim);
    expect(accepted?.data).to.equal(swapped);
    console.log(`      the forged acceptance's origin: ${JSON.stringify(accepted?.origin)}`);
    // Even without proofs the forgery fails: the batch transaction's calldata holds no signed
    // acceptance with the swapped key, so no signer is recovered, and `acceptance.signer` fails.
    expect(accepted?.origin.route).to.equal("batch");
    expect(accepted?.origin.signer).to.equal(undefined);
    expect(checkOf(without, "acceptance.signer").status).to.equal("fail");
    expect(checkOf(without, "acceptance.signer").summary).to.include(
      "no signed action in the batch call is this one",
    );
    expect(without.verdict).to.not.equal("pass");
    const unproven = checkOf(without, "transcript.matches-contract");
    expect(unproven.status).to.equal("pass");
    expect(unproven.evidence.contract).to.equal(forged);
    const withoutFailed = failedChecks(without);
    for (const id of withoutFailed) {
      console.log(`        ${id}: ${checkOf(without, id).summary}`);
    }

    const withProofs = await audit(liar.url, true);
    console.log(`      with proofs: ${summary(withProofs)}`);
    const proven = checkOf(withProofs, "transcript.matches-contract");
    expect(proven.status).to.equal("fail");
    expect(proven.evidence.proven).to.equal(real);
    expect(proven.evidence.recomputed).to.equal(forged);
    expect(proven.summary)
      .to.include(real)
      .and.to.match(/proven in storage/);
    expect(withProofs.verdict).to.not.equal("pass");
  });

  it("a report block hash not on the chain linked to the trusted block: the proof fails", async () => {
    const fake = keccak256(toHex("a block the provider made up")) as Hash;
    const liar = await proxy();
    let head: string | undefined;
    let lied = 0;
    liar.lie({
      rewrite: (call, result) => {
        if (call.method === "eth_blockNumber") head = result as string;
        // The reader's report-block read comes first; the header chain's own reads of that block
        // get the real header (a changed hash there fails the header's own hash check instead).
        if (
          call.method === "eth_getBlockByNumber" &&
          lied === 0 &&
          head !== undefined &&
          call.params[0] === head &&
          result !== null
        ) {
          lied += 1;
          return { ...(result as Args), hash: fake };
        }
        return result;
      },
    });
    const a = await audit(liar.url, true);
    console.log(`      ${summary(a)}`);
    expect(lied).to.equal(1);
    const transcript = checkOf(a, "transcript.matches-contract");
    expect(transcript.status).to.equal("fail");
    expect(transcript.summary).to.match(/could not be proven from the trusted block/);
    expect(String(transcript.evidence.proof)).to.include(fake);
    expect(a.verdict).to.not.equal("pass");
  });
});
