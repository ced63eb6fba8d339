// Attacks on the per-item wallet allowance of `batch` (issue 12): the six high bits of a packed
// item's first byte give a contract wallet's ERC-1271 check less than ERC1271_GAS. Anyone may call
// `batch`, so a dishonest relayer, party or stranger chooses those bits. Tried here: the bits on
// items whose check never reaches a wallet (an EOA's, a delegate's); a stranger giving an honest
// wallet too little; the contract and unpackBatchItems reading the same allowance from every first
// byte, and findPackedItems finding an item whatever its allowance; the transient allowance
// reaching a later item or a later call in the same transaction. Real chain: Hardhat's in-process
// network, as batchPacking.attack.test.ts uses it. A wallet whose verdict depends on its gas:
// walletVerdictGas.attack.test.ts; the relayer's side: walletAllowanceRelayer.attack.test.ts.
import assert from "node:assert/strict";
import { network } from "hardhat";
import { concatHex, decodeErrorResult, type Hex, numberToHex, sliceHex } from "viem";
import { rebuildSession } from "../../src/auditor/rebuildSession.js";
import {
  findPackedItems,
  MAX_WALLET_GAS,
  packBatchItems,
  unpackBatchItems,
  WALLET_GAS_UNIT,
} from "../../src/sdk/batchCall.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { signAction } from "../../src/sdk/signAction.js";
import { ActionType, type SignedAction } from "../../src/sdk/types.js";
import { keyGenerationSizes, roundPayloads } from "../helpers/payloads.js";
import { acceptAction, signFor, submitAction } from "../helpers/roundtable.js";

import {
  A,
  accepted,
  applySignedCall,
  B,
  batchCall,
  chainSources,
  delegateKey,
  ERC1271_GAS,
  eventsOf,
  indexOf,
  outcomes,
  packedWithUnits,
  probeCall,
  sendBatch,
  tables,
} from "./walletAllowanceFixtures.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(tables);

describe("attack: the per-item wallet allowance of batch (issue 12)", function () {
  this.timeout(180_000);

  describe("allowance bits where no wallet is asked", () => {
    it("EOA acceptances with the smallest and the largest allowance land as with none", async () => {
      const t = await load();
      const s = t.withDelegate;
      const a = await signFor(t.d, s, acceptAction(s, indexOf(s, A)));
      const b = await signFor(t.d, s, acceptAction(s, indexOf(s, B)));
      const receipt = await sendBatch(
        t.d,
        concatHex([packedWithUnits(a, 1), packedWithUnits(b, 0x3f)]),
      );
      assert.deepEqual(outcomes(receipt), ["recorded", "recorded"]);
      assert.deepEqual(await accepted(t, s), [indexOf(s, A), indexOf(s, B)].sort());
    });

    it("a delegate-signed round action of a wallet party lands with 8,000 gas of allowance: the wallet is not asked", async () => {
      const t = await load();
      const s = t.withDelegate;
      const w = indexOf(s, t.wallets.light);
      const accepts = await Promise.all([
        signFor(t.d, s, acceptAction(s, indexOf(s, A))),
        signFor(t.d, s, acceptAction(s, indexOf(s, B))),
        signFor(t.d, s, acceptAction(s, w, { delegate: delegateKey.address })),
      ]);
      await sendBatch(t.d, packBatchItems(accepts));
      const payloads = roundPayloads("walletAllowance", 3, keyGenerationSizes(3, 2));
      const byDelegate = await signAction({
        account: delegateKey,
        chainId: t.d.chainId,
        contract: t.d.roundtable.address,
        action: submitAction(s.id, w, 1, payloads[0]![w]!),
      });
      const receipt = await sendBatch(t.d, packedWithUnits(byDelegate, 1));
      assert.deepEqual(outcomes(receipt), ["recorded"]);
      // No call from the contract to the wallet at all: an 8,000-gas allowance could not matter.
      const trace = (await t.d.publicClient.request({
        method: "debug_traceTransaction",
        params: [receipt.transactionHash, { tracer: "callTracer" }],
      } as never)) as { calls?: { to?: string }[] };
      assert.ok(
        !(trace.calls ?? []).some(
          (c) => c.to?.toLowerCase() === t.wallets.light.address.toLowerCase(),
        ),
        "the wallet was not called",
      );
    });
  });

  describe("a batch sender chooses a wallet item's allowance", () => {
    it("a stranger's smallest allowance only gets an honest wallet's item rejected: its slot stays open, the same signed item then lands, and the auditor lists the refusal", async () => {
      const t = await load();
      const s = t.heavyAndBurning;
      const heavy = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.heavy)));
      const griefed = await sendBatch(t.d, packedWithUnits(heavy, 1), t.d.outsider);
      assert.deepEqual(outcomes(griefed), ["RoundtableWalletAllowanceSpent"]);
      assert.deepEqual(await accepted(t, s), []);
      const landed = await sendBatch(t.d, packedWithUnits(heavy, 0));
      assert.deepEqual(outcomes(landed), ["recorded"]);
      const client = t.d.publicClient;
      const record = await rebuildSession({
        sessionId: s.id,
        chainId: t.d.chainId,
        contract: t.d.roundtable.address,
        logs: await client.getLogs({ address: t.d.roundtable.address, fromBlock: 0n }),
        sources: chainSources(t.d),
      });
      assert.deepEqual(
        record.refused.map((r) => [r.event, r.party, r.at.transactionHash]),
        [["ActionRejected", indexOf(s, t.wallets.heavy), griefed.transactionHash]],
      );
      const action = record.actions.find((a) => a.party === indexOf(s, t.wallets.heavy));
      assert.equal(action?.at.transactionHash, landed.transactionHash);
      assert.equal(action?.origin.signature, "erc1271");
    });

    it("a proxied wallet (an EIP-1167 clone, as a Safe is a proxy) whose check outruns its allowance is rejected as RoundtableWalletAllowanceSpent, though the proxy keeps 1/64", async () => {
      const t = await load();
      const s = t.proxied;
      const item = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.proxied)));
      // 200,000 gas for a 250,000-gas check: the implementation runs out, and the proxy keeps the
      // 1/64 that EIP-150 held back from its DELEGATECALL to revert with.
      const short = await sendBatch(t.d, packedWithUnits(item, 25));
      const recorded = await sendBatch(t.d, packedWithUnits(item, 0));
      assert.deepEqual(outcomes(recorded), ["recorded"], "control: with ERC1271_GAS it lands");
      assert.deepEqual(outcomes(short), ["RoundtableWalletAllowanceSpent"]);
    });
  });

  describe("the contract and the SDK read the same allowance", () => {
    it("for every one of the 64 allowance values, unpackBatchItems reports the allowance the contract gives the wallet", async () => {
      const t = await load();
      const s = t.heavyAndBurning;
      const item = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.burning)));
      const mismatches: string[] = [];
      for (let units = 0; units < 64; units++) {
        const items = packedWithUnits(item, units);
        const receipt = await sendBatch(t.d, items);
        const [event] = eventsOf(receipt).filter((e) => e.eventName === "ActionRejected");
        assert.ok(event?.eventName === "ActionRejected", `units ${units}: rejected`);
        const error = decodeErrorResult({ abi: roundtableAbi, data: event.args.reason });
        assert.equal(error.errorName, "RoundtableWalletAllowanceSpent", `units ${units}`);
        const given = Number((error.args as readonly unknown[])[3]);
        const [unpacked] = unpackBatchItems(items);
        const read = unpacked!.walletGas ?? MAX_WALLET_GAS;
        if (given !== read)
          mismatches.push(`units ${units}: contract ${given}, unpackBatchItems ${read}`);
        assert.equal(
          given,
          units === 0 ? ERC1271_GAS : Math.min(units * WALLET_GAS_UNIT, ERC1271_GAS),
        );
      }
      // Units 63 is 504,000 gas: the contract caps it at ERC1271_GAS, unpackBatchItems does not.
      assert.deepEqual(mismatches, []);
    });

    it("findPackedItems finds an item under every first byte whose action bits match, with unpackBatchItems' allowance, and under no other", () => {
      const action: SignedAction = {
        action: ActionType.Submit,
        sessionId: 7n,
        party: 2,
        round: 1,
        accused: 0,
        word: `0x${"00".repeat(32)}`,
        data: "0xabcdef",
        signature: `0x${"11".repeat(65)}`,
      };
      const probe = { action: ActionType.Submit, sessionId: 7n, party: 2, round: 1, accused: 0 };
      // Inside other calldata, after a byte equal to the party (a decoy anchor for the search).
      const outer = (item: Hex) => concatHex(["0xdeadbeef02", item, "0x0102"]);
      for (let first = 0; first < 256; first++) {
        const item = concatHex([
          numberToHex(first, { size: 1 }),
          sliceHex(packBatchItems([action]), 1),
        ]);
        const found = findPackedItems(outer(item), probe);
        if ((first & 3) !== ActionType.Submit) {
          assert.deepEqual(found, [], `first byte ${first}`);
          continue;
        }
        assert.deepEqual(found, unpackBatchItems(item), `first byte ${first}`);
        assert.equal(
          found[0]!.walletGas,
          first >> 2 === 0 ? undefined : Math.min((first >> 2) * WALLET_GAS_UNIT, MAX_WALLET_GAS),
        );
      }
    });
  });

  describe("the transient allowance does not outlive its item", () => {
    it("a later item of the same batch gets ERC1271_GAS after an item with 8,000 that spent it all", async () => {
      const t = await load();
      const s = t.heavyAndBurning;
      const burning = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.burning)));
      const heavy = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.heavy)));
      const receipt = await sendBatch(
        t.d,
        concatHex([packedWithUnits(burning, 1), packedWithUnits(heavy, 0)]),
      );
      assert.deepEqual(outcomes(receipt), ["RoundtableWalletAllowanceSpent", "recorded"]);
    });

    for (const [name, first] of [
      ["batch then applySigned", "applySigned"],
      ["batch then batch", "batch"],
    ] as const) {
      it(`${name} in one transaction: the second call's wallet gets ERC1271_GAS`, async () => {
        const t = await load();
        const s = t.heavyAndBurning;
        const a = await signFor(t.d, s, acceptAction(s, indexOf(s, A)));
        const heavy = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.heavy)));
        const second =
          first === "applySigned" ? applySignedCall(heavy) : batchCall(packedWithUnits(heavy, 0));
        const receipt = await probeCall(t, "callInOrder", [
          t.d.roundtable.address,
          [batchCall(packedWithUnits(a, 1)), second],
        ]);
        assert.equal(receipt.status, "success");
        assert.deepEqual(await accepted(t, s), [indexOf(s, A), indexOf(s, t.wallets.heavy)].sort());
      });
    }

    it("a batch that ran out of gas with an allowance set leaves nothing for a later applySigned in the same transaction", async () => {
      const t = await load();
      const s = t.heavyAndBurning;
      const heavy = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.heavy)));
      // Control: 400,000 gas is too little for this wallet's check, so a leaked allowance would show.
      const control = await sendBatch(t.d, packedWithUnits(heavy, 50));
      assert.deepEqual(outcomes(control), ["RoundtableWalletAllowanceSpent"]);
      // 400,000 gas of allowance, with only 300,000 for the whole batch: it reverts out of gas in
      // the heavy wallet's item, after the allowance was written.
      const tooLittle = batchCall(packedWithUnits(heavy, 50));
      const receipt = await probeCall(t, "afterRevert", [
        t.d.roundtable.address,
        tooLittle,
        300_000n,
        applySignedCall(heavy),
      ]);
      assert.equal(receipt.status, "success");
      assert.deepEqual(await accepted(t, s), [indexOf(s, t.wallets.heavy)]);
    });
  });
});
