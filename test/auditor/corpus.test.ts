// The audit corpus (S5, and every misbehaviour the contract cannot stop on its own): sessions run
// on a real anvil node with real FROST payloads; clean ones pass with no finding, and each faulty
// one is flagged by the right check, naming the right party.

import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { type Abi, getAddress, type Hex, keccak256, toHex, zeroHash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { CheckContext } from "../../src/auditor/checks/checkContext.js";
import { replaySession } from "../../src/auditor/checks/replaySession.js";
import { runChecks } from "../../src/auditor/checks/runChecks.js";
import { HtmlReport } from "../../src/auditor/report/html.js";
import { sessionTimeline, textTimeline } from "../../src/auditor/report/timeline.js";
import { timelineSvg } from "../../src/auditor/report/timelineSvg.js";
import type { CheckId, CheckResult, SessionAudit, SessionRecord } from "../../src/auditor/types.js";
import { RFC9591_CIPHERSUITE } from "../../src/protocol/index.js";
import { Phase } from "../../src/sdk/types.js";
import {
  type CorpusChain,
  type KeygenOutcome,
  partyAccounts,
  runKeygens,
  runSignings,
  startCorpusChain,
} from "./corpus.js";
import { auditAll, checkOf, failedChecks } from "./helpers.js";

describe("Auditor", () => {
  describe("a corpus of clean and sabotaged sessions", () => {
    let chain: CorpusChain;
    let keys: KeygenOutcome[];
    let signing: bigint;
    const audits = new Map<bigint, SessionAudit>();
    const of = (id: bigint | undefined) => {
      const audit = audits.get(id ?? 0n);
      if (audit === undefined) throw new Error(`session ${id} was not audited`);
      return audit;
    };

    before(async function () {
      this.timeout(120_000);
      chain = await startCorpusChain();
      const parties = partyAccounts("corpus", 3);
      keys = await runKeygens(chain, [
        { parties, threshold: 2 },
        { parties, threshold: 2, fault: { kind: "wrong-share", sender: 1, recipient: 2 } },
        { parties, threshold: 2, fault: { kind: "false-complaint", accuser: 0, accused: 2 } },
        { parties, threshold: 2, fault: { kind: "disagree", party: 1 } },
        { parties, threshold: 2, fault: { kind: "silent", party: 2, round: 2 } },
        { parties, threshold: 2, fault: { kind: "bad-pok", party: 1 } },
        { parties, threshold: 2, commitReveal: true, ciphersuite: RFC9591_CIPHERSUITE },
      ]);
      [signing] = (await runSignings(chain, [
        {
          key: keys[0]!,
          signers: [0, 2],
          message: keccak256(toHex("corpus message")),
          threshold: 2,
        },
      ])) as [bigint];
      const found = await auditAll({
        rpcUrls: [chain.anvil.rpcUrl],
        contract: chain.contract,
        selection: (to) => ({ kind: "range", fromBlock: chain.deploymentBlock, toBlock: to }),
      });
      for (const audit of found) audits.set(audit.sessionId, audit);
    });

    after(async () => {
      await chain?.stop();
    });

    it("finds every session created since the deployment block", () => {
      expect([...audits.keys()]).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    });

    describe("a clean 2-of-3 key generation", () => {
      it("passes every check, with no finding", () => {
        const audit = of(keys[0]?.sessionId);
        expect(failedChecks(audit)).to.deep.equal([]);
        expect(audit.findings).to.deep.equal([]);
        expect(audit.verdict).to.equal("pass");
        expect(audit.outcome).to.deep.include({ status: "finalized", blame: [] });
      });

      it("recomputes the group key the parties agreed on from the round-1 commitments", () => {
        const audit = of(keys[0]?.sessionId);
        expect(checkOf(audit, "keygen.group-key")).to.deep.include({ status: "pass" });
        expect(checkOf(audit, "keygen.group-key").evidence.implied).to.equal(keys[0]?.groupKey);
        expect(checkOf(audit, "keygen.proof-of-knowledge").status).to.equal("pass");
        expect(checkOf(audit, "transcript.matches-contract").status).to.equal("pass");
      });

      it("lists the relayer as submitter and the party as signer of every action", () => {
        const audit = of(keys[0]?.sessionId);
        const actions = audit.record.actions;
        expect(actions).to.have.length(12);
        for (const action of actions) {
          expect(action.origin.route).to.equal("batch");
          expect(action.origin.signature).to.equal("ecdsa");
          expect(action.origin.signer).to.equal(action.account);
          expect(action.origin.submitter).to.not.equal(action.account);
        }
      });
    });

    describe("a clean RFC 9591 key generation with a commit-then-reveal round", () => {
      it("passes every check, each reveal matching its commitment", () => {
        const audit = of(keys[6]?.sessionId);
        expect(failedChecks(audit)).to.deep.equal([]);
        expect(audit.findings).to.deep.equal([]);
        expect(checkOf(audit, "reveal.matches-commitment").status).to.equal("pass");
        expect(checkOf(audit, "keygen.group-key").evidence.implied).to.equal(keys[6]?.groupKey);
        expect(audit.record.actions.filter((a) => a.kind === "commit")).to.have.length(3);
      });
    });

    describe("checks on a forged record (what the contract would never write)", () => {
      const recheck = (audit: SessionAudit, forge: (record: SessionRecord) => SessionRecord) => {
        const record = forge(structuredClone(audit.record));
        const context: CheckContext = {
          record,
          replay: replaySession(record),
          reportBlock: { number: 1_000n, hash: zeroHash, timestamp: 0n },
          view: undefined,
          keySession: undefined,
          disagreements: [],
          rechecks: [],
        };
        return runChecks(context, 1).checks;
      };
      const status = (checks: CheckResult[], id: CheckId) =>
        checks.find((c) => c.id === id)?.status;

      it("fails keygen.group-key and keygen.agreement when a key other than the implied one is finalized", () => {
        const other = `0x${"11".repeat(32)}` as const;
        const checks = recheck(of(keys[0]?.sessionId), (record) => {
          const end = record.end;
          if (end?.kind !== "finalized") throw new Error("not finalized");
          for (const action of record.actions) if (action.round === 3) action.data = other;
          return { ...record, end: { ...end, result: other } };
        });
        expect(status(checks, "keygen.group-key")).to.equal("fail");
        expect(status(checks, "keygen.agreement")).to.equal("fail");
      });

      it("fails expiry.blame when the recorded blame spares the silent party", () => {
        const checks = recheck(of(keys[4]?.sessionId), (record) => {
          const end = record.end;
          if (end?.kind !== "aborted") throw new Error("not aborted");
          return { ...record, end: { ...end, blame: [0] } };
        });
        expect(status(checks, "expiry.blame")).to.equal("fail");
      });

      it("fails action.before-deadline for a payload after its deadline", () => {
        const checks = recheck(of(keys[0]?.sessionId), (record) => {
          const last = record.actions.at(-1)!;
          last.at = { ...last.at, time: last.at.time + 10_000n };
          return record;
        });
        expect(status(checks, "action.before-deadline")).to.equal("fail");
      });

      it("fails acceptance.signer when a relayed acceptance was signed by someone else", () => {
        const checks = recheck(of(keys[0]?.sessionId), (record) => {
          record.actions[0]!.origin.signer = "0x000000000000000000000000000000000000dEaD";
          return record;
        });
        expect(status(checks, "acceptance.signer")).to.equal("fail");
      });
    });

    describe("a clean signing with that key", () => {
      it("passes every check, with no finding, and verifies the signature under the group key", () => {
        const audit = of(signing);
        expect(failedChecks(audit)).to.deep.equal([]);
        expect(audit.findings).to.deep.equal([]);
        expect(checkOf(audit, "signing.signers-hold-key").status).to.equal("pass");
        expect(checkOf(audit, "signing.signature").status).to.equal("pass");
        expect(checkOf(audit, "signing.agreement").status).to.equal("pass");
      });
    });

    describe("a party that is an ERC-1271 wallet", () => {
      it("names the wallet as signer of its relayed actions, marked contract-verified", async function () {
        this.timeout(60_000);
        const artifact = JSON.parse(
          await readFile(
            new URL(
              "../../artifacts/contracts/mocks/MockERC1271Wallet.sol/MockERC1271Wallet.json",
              import.meta.url,
            ),
            "utf8",
          ),
        ) as { abi: Abi; bytecode: Hex };
        const [owner, ...others] = partyAccounts("wallet", 3) as [
          PrivateKeyAccount,
          ...PrivateKeyAccount[],
        ];
        const deployer = chain.anvil.walletClient(0);
        const hash = await deployer.deployContract({
          abi: artifact.abi,
          bytecode: artifact.bytecode,
          args: [owner.address, 0n],
        });
        const { contractAddress } = await chain.anvil.publicClient.waitForTransactionReceipt({
          hash,
        });
        // The wallet is the party; its owner's key signs for it.
        const wallet = { ...owner, address: getAddress(contractAddress!) } as PrivateKeyAccount;
        const parties = [wallet, ...others].sort((a, b) =>
          BigInt(a.address) < BigInt(b.address) ? -1 : 1,
        );
        const [key] = (await runKeygens(chain, [{ parties, threshold: 2 }])) as [KeygenOutcome];
        const [audit] = await auditAll({
          rpcUrls: [chain.anvil.rpcUrl],
          contract: chain.contract,
          selection: { kind: "ids", ids: [key.sessionId] },
        });
        expect(audit?.verdict).to.equal("pass");
        const walletActions = audit!.record.actions.filter((a) => a.account === wallet.address);
        expect(walletActions).to.have.length(4);
        for (const action of walletActions) {
          expect(action.origin).to.deep.include({ signature: "erc1271", signer: wallet.address });
        }
        expect(checkOf(audit!, "acceptance.signer").summary).to.contain(
          "1 by ERC-1271 wallets (contract-verified)",
        );
      });
    });

    describe("a wrong share", () => {
      it("upholds the complaint and names the sender", () => {
        const audit = of(keys[1]?.sessionId);
        expect(audit.verdict).to.equal("pass");
        expect(audit.findings).to.deep.equal([
          {
            check: "complaint.verdict",
            party: 1,
            account: keys[1]?.parties[1]?.address,
            kind: "invalid-share",
            summary: audit.findings[0]?.summary,
          },
        ]);
        expect(audit.outcome).to.deep.include({
          status: "aborted",
          reason: "complaint",
          blame: [1],
        });
      });
    });

    describe("a false complaint", () => {
      it("names the accuser as the one at fault", () => {
        const audit = of(keys[2]?.sessionId);
        expect(audit.verdict).to.equal("pass");
        expect(audit.findings.map((f) => [f.check, f.party, f.kind])).to.deep.equal([
          ["complaint.verdict", 0, "false-complaint"],
        ]);
        expect(audit.outcome.blame).to.deep.equal([0]);
      });
    });

    describe("a disagreeing agreement payload", () => {
      it("is flagged by keygen.agreement, naming the party", () => {
        const audit = of(keys[3]?.sessionId);
        expect(audit.findings.map((f) => [f.check, f.party, f.kind])).to.deep.equal([
          ["keygen.agreement", 1, "disagreeing-agreement"],
        ]);
        expect(audit.outcome).to.deep.include({
          status: "aborted",
          reason: "disagreement",
          blame: [1],
        });
      });
    });

    describe("a silent party", () => {
      it("is blamed alone at expiry, as expiry.blame confirms", () => {
        const audit = of(keys[4]?.sessionId);
        expect(checkOf(audit, "expiry.blame").status).to.equal("pass");
        expect(audit.findings.map((f) => [f.check, f.party, f.kind])).to.deep.equal([
          ["expiry.blame", 2, "silent"],
        ]);
        expect(audit.outcome).to.deep.include({ status: "aborted", reason: "expired", blame: [2] });
      });
    });

    describe("a round-1 package with an invalid proof of knowledge", () => {
      it("is flagged by keygen.proof-of-knowledge and the complaint, naming the party", () => {
        const audit = of(keys[5]?.sessionId);
        expect(audit.verdict).to.equal("pass");
        expect(audit.findings.map((f) => [f.check, f.party, f.kind])).to.deep.equal([
          ["keygen.proof-of-knowledge", 1, "invalid-proof-of-knowledge"],
          ["complaint.verdict", 1, "invalid-proof-of-knowledge"],
        ]);
        expect(audit.outcome.blame).to.deep.equal([1]);
      });
    });

    describe("the timeline people look at (HTML SVG and text lanes)", () => {
      it("a clean key generation: one mark per party per phase, in phase order, ending finalized", () => {
        const record = of(keys[0]?.sessionId).record;
        const timeline = sessionTimeline(record)!;
        expect(timeline.phases.map((p) => p.label)).to.deep.equal([
          "accept",
          ...record.phases.map(
            (p) => `r${p.round} ${p.phase === Phase.Agreeing ? "agree" : "submit"}`,
          ),
        ]);
        for (const lane of timeline.lanes) {
          const marks = timeline.marks.filter((m) => m.party === lane.party);
          expect(marks.map((m) => m.phase)).to.deep.equal(timeline.phases.map((_, i) => i));
          expect(marks[0]!.kind).to.equal("accept");
          expect(marks.at(-1)!.kind).to.equal("agree");
        }
        expect(timeline.missing).to.deep.equal([]);
        expect(timeline.ending?.label).to.equal("finalized");
        const grid = textTimeline(timeline);
        expect(grid.filter((line) => line.startsWith("party "))).to.have.length(3);
        for (const line of grid.filter((l) => l.startsWith("party "))) {
          expect(line.match(/✓ \+\d+/g) ?? []).to.have.length(timeline.phases.length);
        }
      });

      it("a silent party: a cross in its lane at the deadline it missed, and nowhere else", () => {
        const timeline = sessionTimeline(of(keys[4]?.sessionId).record)!;
        const last = timeline.phases.length - 1;
        expect(timeline.missing).to.deep.equal([{ party: 2, phase: last }]);
        expect(timeline.ending?.label).to.equal("aborted (expired), blaming 2");
        const row = textTimeline(timeline).find((line) => line.startsWith("party 2"))!;
        expect(row).to.match(/✗ missing$/);
        const svg = timelineSvg(timeline);
        expect(svg.match(/did not act/g) ?? []).to.have.length(1);
        expect(svg).to.contain(`party 2 did not act in ${timeline.phases[last]!.label}`);
      });

      it("a complaint: a mark in the accuser's lane naming the accused", () => {
        const timeline = sessionTimeline(of(keys[1]?.sessionId).record)!;
        const complaints = timeline.marks.filter((m) => m.kind === "complain");
        expect(complaints.map((m) => [m.party, m.accused])).to.deep.equal([[2, 1]]);
        expect(textTimeline(timeline).find((l) => l.startsWith("party 2"))).to.contain(
          "! accuses 1",
        );
        expect(timelineSvg(timeline)).to.contain("party 2 complain against party 1");
      });

      it("commit-then-reveal: a commit phase and a reveal phase for the round", () => {
        const timeline = sessionTimeline(of(keys[6]?.sessionId).record)!;
        const labels = timeline.phases.map((p) => p.label);
        expect(labels).to.include.members(["r1 commit", "r1 reveal"]);
        const reveal = labels.indexOf("r1 reveal");
        expect(timeline.marks.filter((m) => m.phase === reveal).map((m) => m.kind)).to.deep.equal([
          "reveal",
          "reveal",
          "reveal",
        ]);
      });

      it("the HTML page puts the verdict first and draws every session", () => {
        const report = new HtmlReport();
        for (const audit of audits.values()) report.add(audit);
        const html = report.page(
          {
            chainId: 31337,
            contract: chain.contract,
            reportBlock: { number: 1n, hash: zeroHash, timestamp: 0n },
            reportBlockChoice: "latest",
            rpcs: ["http://127.0.0.1"],
          },
          { audited: audits.size, failed: 0, discovered: audits.size, problems: [] },
        );
        const verdict = html.indexOf('class="verdict"');
        expect(verdict).to.be.greaterThan(0);
        expect(verdict).to.be.lessThan(html.indexOf('id="session-'));
        expect(html.match(/<svg class="timeline"/g) ?? []).to.have.length(audits.size);
        expect(html).to.not.match(/<script|<link|src=/i);
      });
    });

    it("has no false positive: every check of every corpus session passes or does not apply", () => {
      for (const audit of audits.values())
        expect(failedChecks(audit), `session ${audit.sessionId}`).to.deep.equal([]);
    });
  });
});
