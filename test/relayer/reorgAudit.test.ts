// R3 end to end: a reorganisation removes the block where the relayer's batch landed; the relayer
// sends the actions again, they land once more, and the auditor's report of the session, read
// after the reorganisation, is the same as before it (same outcome, same check results), with
// every acceptance still attributed to its party's signature.
import { expect } from "chai";
import type { SessionAudit } from "../../src/auditor/types.js";
import type { Relayer } from "../../src/relayer/server.js";
import { keygenConfig } from "../../src/sdk/protocolIds.js";
import { auditAll, failedChecks } from "../auditor/helpers.js";
import {
  type AcceptSession,
  acceptedEvents,
  createAcceptSessions,
  eoaParties,
  getAction,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

/** What must not change across the reorganisation: outcome, checks and who signed what. */
function reportOf(audit: SessionAudit) {
  return {
    verdict: audit.verdict,
    outcome: audit.outcome.status,
    checks: Object.fromEntries(audit.checks.map((check) => [check.id, check.status])),
    findings: audit.findings.length,
    signers: audit.record.actions
      .map(
        (action) => `${action.kind} ${action.party} ${action.origin.route} ${action.origin.signer}`,
      )
      .sort(),
  };
}

describe("Relayer › a reorganisation under relayed actions (R3)", () => {
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let relayer: Relayer;
  let session: AcceptSession;

  before(async () => {
    chain = await startRelayerChain();
    dir = await tempDir();
    // A real FROST key generation configuration, so that the auditor checks it in full.
    [session] = (await createAcceptSessions({
      chain,
      parties: eoaParties("r3 audit", 3),
      count: 1,
      configOf: (parties) => keygenConfig({ parties, threshold: 2 }),
    })) as [AcceptSession];
    relayer = await startTestRelayer(chain, dir.path, { confirmations: 3 });
  });

  after(async () => {
    await relayer?.close();
    await chain?.stop();
    await dir?.remove();
  });

  const audit = async () => {
    const [result] = await auditAll({
      rpcUrls: [chain.anvil.rpcUrl],
      contract: chain.contract,
      selection: { kind: "ids", ids: [session.sessionId] },
    });
    if (result === undefined) throw new Error("the auditor returned no session");
    return result;
  };

  it("lands the actions again and leaves the audit report unchanged", async () => {
    const ids = await Promise.all(
      session.accepts.map(async (action) =>
        String((await postAction(relayer.url, action)).body.id),
      ),
    );
    const included = await waitFor("all three included", async () => {
      const states = await Promise.all(ids.map((id) => getAction(relayer.url, id)));
      return states.every((s) => s.status === "included") ? states : undefined;
    });
    const before = await audit();
    expect(before.verdict).to.equal("pass");
    expect(failedChecks(before)).to.deep.equal([]);

    // Remove every block from the first one that holds a batch of these actions.
    const head = await chain.publicClient.getBlockNumber();
    const first = Math.min(...included.map((s) => Number(s.blockNumber)));
    await chain.anvil.reorg(Number(head) - first + 1);
    expect(await acceptedEvents(chain, session.sessionId)).to.deep.equal([]);

    const oldBlocks = new Set(included.map((s) => s.blockHash));
    await waitFor("all three included again, in new blocks", async () => {
      const states = await Promise.all(ids.map((id) => getAction(relayer.url, id)));
      return states.every((s) => s.status === "included" && !oldBlocks.has(s.blockHash))
        ? true
        : undefined;
    });
    await chain.anvil.mine(3);
    await waitFor("finality", async () => {
      const states = await Promise.all(ids.map((id) => getAction(relayer.url, id)));
      return states.every((s) => s.final === true) ? true : undefined;
    });

    // Each party's acceptance is on the chain once, with the key it signed.
    const accepted = await acceptedEvents(chain, session.sessionId);
    expect(accepted.map((a) => a.index).sort()).to.deep.equal([0, 1, 2]);
    const after = await audit();
    expect(reportOf(after)).to.deep.equal(reportOf(before));
  });
});
