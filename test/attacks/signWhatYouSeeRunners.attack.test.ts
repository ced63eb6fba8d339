// The typed-data findings of signWhatYouSee.attack.test.ts end to end: real runners on anvil, a
// dishonest initiator that writes a signing session's params itself. The defence asserted: a
// signer is never asked to accept lines the digest does not commit to, and the audit names the
// initiator. (Findings F2 and F3 of the first attack, where both signers were shown a message that
// was not hashed, accepted, and the group signed; typed data is now declined until it can be shown
// exactly as hashed.)
import { expect } from "chai";
import { bytesToHex, concatBytes, type Hex, hashTypedData, type TypedDataDefinition } from "viem";
import type { AcceptanceSummary } from "../../src/party/types.js";
import { keygenConfig, signingConfig } from "../../src/sdk/protocolIds.js";
import { auditAll, checkOf } from "../auditor/helpers.js";
import { type AnvilParties, startAnvilParties } from "../helpers/anvilParties.js";

describe("attacks: signing what you see, with real runners", function () {
  this.timeout(180_000);
  let fixture: AnvilParties;
  const run = (...args: Parameters<AnvilParties["run"]>) => fixture.run(...args);
  const create = (...args: Parameters<AnvilParties["create"]>) => fixture.create(...args);

  before(async () => {
    fixture = await startAnvilParties("attack-runners");
  });

  after(async () => {
    await fixture?.stop();
  });

  it("F2/F3: signers are shown message fields the digest does not commit to, accept, and sign", async () => {
    const { members, stores } = fixture;
    const keySession = await create(
      keygenConfig({ parties: members.map((m) => m.address), threshold: 2 }),
    );
    const keys = await Promise.all(members.map((m, i) => run(m, keySession, stores[i]!, [])));
    expect(keys.map((k) => k.status)).to.deep.equal(["finalized", "finalized", "finalized"]);

    // primaryType EIP712Domain: the digest is the domain's alone; the message shown is decoration.
    const typedData = {
      domain: { name: "Treasury", version: "1", chainId: 31337 },
      types: {
        EIP712Domain: [
          { name: "name", type: "string" },
          { name: "version", type: "string" },
          { name: "chainId", type: "uint256" },
        ],
      },
      primaryType: "EIP712Domain",
      message: { action: "release v1.2.0", payments: "none" },
    };
    const message = hashTypedData(typedData as unknown as TypedDataDefinition);
    const params = bytesToHex(
      concatBytes([
        new Uint8Array([0x52, 0x54, 0x4d, 0x01, 0x02]),
        new TextEncoder().encode(JSON.stringify(typedData)),
      ]),
    ) as Hex;
    const signers = members.slice(0, 2);
    const base = signingConfig({
      keySession,
      signers: signers.map((m) => m.address),
      threshold: 2,
      message,
    });
    const sessionId = await create({ ...base, params });
    const seen: AcceptanceSummary[][] = [[], []];
    const outcomes = await Promise.all(
      signers.map((m, i) => run(m, sessionId, stores[i]!, seen[i]!).catch((e: unknown) => e)),
    );
    const shown = seen.flat().flatMap((s) => s.messageShown ?? []);
    const statuses = outcomes.map((o) =>
      o instanceof Error ? o.message : (o as { status: string }).status,
    );
    // The defence: no signer is shown the unhashed fields (declined, or shown only what is
    // hashed), and the audit names the initiator's misleading configuration, which nobody accepted.
    expect(shown.join("\n"), `signers were shown (outcomes: ${statuses.join(", ")})`).to.not.match(
      /release v1\.2\.0|payments/,
    );
    if (shown.length === 0) {
      const [audited] = await auditAll({
        rpcUrls: [fixture.anvil.rpcUrl],
        contract: fixture.contract,
        selection: { kind: "ids", ids: [sessionId] },
      });
      const check = checkOf(audited!, "signing.message-matches-preimage");
      expect(check.summary).to.match(/misleading.*no signer accepted/);
      expect(audited!.outcome.status).to.not.equal("finalized");
    }
  });
});
