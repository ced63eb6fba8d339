// The hour's budget for contract wallets with no landed item (src/relayer/unprovenWallets.ts,
// threat R9): what it charges, when it refuses, and what it gives back. The end-to-end case (ten
// switched clones against a real relayer) is in test/attacks/walletAllowanceRelayer.attack.test.ts.
import { expect } from "chai";
import type { Address, Hash } from "viem";
import type { WalletRecord } from "../../src/relayer/reputation.js";
import type { Relayer } from "../../src/relayer/server.js";
import { createUnprovenWalletBudget } from "../../src/relayer/unprovenWallets.js";
import { byAddress, eoaParties, eoaParty } from "../helpers/accounts.js";
import { jsonRpc } from "../helpers/jsonRpc.js";
import {
  createAcceptSessions,
  deployWalletOnAnvil,
  getAction,
  postAction,
  type RelayerChain,
  startRelayerChain,
  startTestRelayer,
  tempDir,
  waitFor,
} from "./helpers.js";

const fresh = "0x00000000000000000000000000000000000000f1" as Address;
const proven = "0x00000000000000000000000000000000000000f2" as Address;
const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hash;

function budgetOf(gasPerHour: number) {
  const records: Record<string, WalletRecord> = {
    [fresh]: { seen: 0, included: 0, failed: 0 },
    [proven]: { seen: 3, included: 3, failed: 0 },
  };
  return createUnprovenWalletBudget({
    gasPerHour,
    reputation: { record: (wallet) => records[wallet] ?? { seen: 0, included: 0, failed: 0 } },
  });
}

describe("relayer › the hour's budget for unproven contract wallets (R9)", () => {
  it("charges only wallets with no landed item, and refuses past the budget with the wait until it refills", () => {
    const budget = budgetOf(1_000_000);
    const t = 1_000_000;
    expect(budget.charge(id(1), fresh, 500_000, t)).to.deep.equal({ ok: true });
    expect(budget.charge(id(2), fresh, 400_000, t)).to.deep.equal({ ok: true });
    // A proven wallet is never charged, even with the budget spent.
    expect(budget.charge(id(3), proven, 500_000, t)).to.deep.equal({ ok: true });
    const refused = budget.charge(id(4), fresh, 200_000, t);
    expect(refused.ok).to.equal(false);
    // 100,000 left; 100,000 more at 1,000,000 an hour is 360 s.
    expect((refused as { retryAfterMs: number }).retryAfterMs).to.be.closeTo(360_000, 1);
    // An hour later the bucket is full again.
    expect(budget.charge(id(4), fresh, 200_000, t + 3_600_000)).to.deep.equal({ ok: true });
  });

  it("gives back the charge of an item that landed or was not sent, once, and never more than the budget", () => {
    const budget = budgetOf(1_000_000);
    const t = 5_000;
    expect(budget.charge(id(1), fresh, 600_000, t).ok).to.equal(true);
    expect(budget.charge(id(2), fresh, 600_000, t).ok).to.equal(false);
    budget.refund(id(1), t);
    expect(budget.charge(id(2), fresh, 600_000, t).ok).to.equal(true);
    // A second refund of the same item, or of one never charged, gives nothing.
    budget.refund(id(1), t);
    budget.refund(id(9), t);
    expect(budget.charge(id(3), fresh, 600_000, t).ok).to.equal(false);
  });

  it("never relays an allowance larger than the budget, and nothing when the budget is 0", () => {
    expect(budgetOf(400_000).charge(id(1), fresh, 500_000)).to.deep.equal({
      ok: false,
      never: true,
    });
    expect(budgetOf(0).charge(id(1), fresh, 8_000)).to.deep.equal({ ok: false, never: true });
    expect(budgetOf(0).charge(id(1), proven, 8_000)).to.deep.equal({ ok: true });
  });
});

describe("relayer › unproven wallets on a real relayer (R9)", function () {
  this.timeout(120_000);
  let chain: RelayerChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let relayer: Relayer;
  before(async () => {
    chain = await startRelayerChain({});
    dir = await tempDir();
    // A budget of 0: no wallet the contract must ask is relayed before it has landed an item.
    relayer = await startTestRelayer(chain, dir.path, { unprovenWalletGasPerHour: 0 });
  });
  after(async () => {
    await relayer?.close();
    await chain?.stop();
    await dir?.remove();
  });

  it("refuses a wallet the contract must ask (403), but relays an account with code whose own key signed (EIP-7702) as an ordinary item, which no allowance is at risk for", async () => {
    const wallet = await deployWalletOnAnvil(chain, "unproven/wallet", 0n);
    // An EOA with code, as an EIP-7702 account: the contract accepts its own key's signature by
    // ECDSA before it would ask the code.
    const delegated = eoaParty("unproven/7702");
    await jsonRpc(chain.anvil.rpcUrl, "anvil_setCode", [delegated.address, "0x60006000f3"]);
    const parties = [wallet, delegated, ...eoaParties("unproven/peers", 1)].sort(byAddress);
    const [session] = await createAcceptSessions({ chain, parties, count: 1 });

    const refused = await postAction(relayer.url, session!.accepts[parties.indexOf(wallet)]!);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(403);
    expect((refused.body.error as { code: string }).code).to.equal("unproven_wallet_refused");

    const posted = await postAction(relayer.url, session!.accepts[parties.indexOf(delegated)]!);
    expect(posted.status, JSON.stringify(posted.body)).to.equal(202);
    const state = await waitFor("the delegated account's acceptance included", async () => {
      const s = await getAction(relayer.url, String(posted.body.id));
      return s.status === "included" ? s : undefined;
    });
    expect(state.status).to.equal("included");
    // Classified as the account's own signature, an ordinary item: not traced, no allowance.
    const metrics = await (await fetch(`${relayer.url}/metrics`)).text();
    const counted = (signer: string) =>
      Number(
        metrics
          .split("\n")
          .find((l) =>
            l.startsWith(`roundtable_relayer_wallet_party_actions_total{signer="${signer}"}`),
          )
          ?.split(" ")
          .at(-1) ?? 0,
      );
    expect([counted("account"), counted("wallet")]).to.deep.equal([1, 1]);
  });
});
