// Signing what you see (issue 15): a signing session carries the preimage of its message; every
// signer's runner shows it before accepting and refuses a session whose message is not its digest,
// before anything is sent, and the auditor says whose configuration misled. Real anvil, real runners.
import { expect } from "chai";
import { PartyError } from "../../src/party/errors.js";
import type { PartyOutcome } from "../../src/party/runParty.js";
import type { AcceptanceSummary } from "../../src/party/types.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { messageDigest } from "../../src/sdk/messagePreimage.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { auditAll, checkOf } from "../auditor/helpers.js";
import { type AnvilParties, startAnvilParties } from "../helpers/anvilParties.js";

describe("signing what you see: the preimage a signing session carries", function () {
  this.timeout(120_000);
  let fixture: AnvilParties;
  let keySession: bigint;
  const members = () => fixture.members;
  const stores = () => fixture.stores;
  const run = (...args: Parameters<AnvilParties["run"]>) => fixture.run(...args);
  const create = (...args: Parameters<AnvilParties["create"]>) => fixture.create(...args);

  async function audit(sessionId: bigint) {
    const [found] = await auditAll({
      rpcUrls: [fixture.anvil.rpcUrl],
      contract: fixture.contract,
      selection: { kind: "ids", ids: [sessionId] },
    });
    return found!;
  }

  before(async () => {
    fixture = await startAnvilParties("preimage");
    keySession = await create(
      keygenConfig({ parties: members().map((m) => m.address), threshold: 2 }),
    );
    const outcomes = await Promise.all(
      members().map((m, i) => run(m, keySession, stores()[i]!, [])),
    );
    expect(outcomes.map((o) => o.status)).to.deep.equal(["finalized", "finalized", "finalized"]);
  });

  after(async () => {
    await fixture?.stop();
  });

  const signers = () => members().slice(0, 2);
  const config = (text: string) =>
    signingConfig({
      keySession,
      signers: signers().map((m) => m.address),
      threshold: 2,
      preimage: { kind: "text", text },
    });

  it("every signer is shown the text before accepting, signs its digest, and the audit checks it", async () => {
    const text = "release v1.2.0";
    const sessionId = await create(config(text));
    const seen: AcceptanceSummary[][] = [[], []];
    const outcomes: PartyOutcome[] = await Promise.all(
      signers().map((m, i) => run(m, sessionId, stores()[i]!, seen[i]!)),
    );
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.status).to.equal("finalized");
      expect(seen[i]![0]!.messageShown).to.deep.equal([`the text ${JSON.stringify(text)}`]);
      expect(seen[i]![0]!.message).to.equal(messageDigest({ kind: "text", text }));
    }
    const audited = await audit(sessionId);
    expect(checkOf(audited, "signing.message-matches-preimage").status).to.equal("pass");
    expect(audited.verdict).to.equal("pass");
  });

  it("a message that is not the digest of the text shown: no signer is asked, nothing is sent, the audit says so", async () => {
    const shown = config("release v1.2.0");
    const lying = {
      ...shown,
      message: messageDigest({ kind: "text", text: "pay mallory 100 ETH" }),
    };
    const sessionId = await create(lying);
    const seen: AcceptanceSummary[] = [];
    for (const [i, member] of signers().entries()) {
      let error: unknown;
      try {
        await run(member, sessionId, stores()[i]!, seen);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(PartyError);
      expect((error as PartyError).code).to.equal("UNSUPPORTED");
      expect((error as PartyError).shortMessage).to.match(
        /is not the digest of the text it carries.*decline it/,
      );
    }
    expect(seen, "no signer was asked to accept").to.deep.equal([]);
    const events = await getSessionEvents({
      publicClient: fixture.anvil.publicClient as unknown as RoundtablePublicClient,
      address: fixture.contract,
      sessionId,
      fromBlock: fixture.deploymentBlock,
    });
    expect(events.map((e) => e.eventName)).to.not.include("PartyAccepted");
    // Nobody accepted: the record is sound, and the check says whose attempt it was.
    const audited = await audit(sessionId);
    const check = checkOf(audited, "signing.message-matches-preimage");
    expect(check.status).to.equal("pass");
    expect(check.summary).to.match(/initiator's configuration is misleading.*no signer accepted/);
  });
});
