// Attack: a contract-wallet party whose ERC-1271 verdict depends on the gas its check is given
// (issue 12). Its owner lands its acceptance with a batch item's small allowance (yes at 16,000
// gas), where applySigned and a runner's re-ask at ERC1271_GAS get no. What do the runner's origin
// check (src/sdk/verifyActionOrigin.ts) and the auditor conclude? Real chain: Hardhat's
// in-process network; the fixtures are walletAllowanceFixtures.ts.
import assert from "node:assert/strict";
import { network } from "hardhat";
import { decodeFunctionData, encodeFunctionData, type Hex, hashTypedData, sliceHex } from "viem";
import { rebuildSession } from "../../src/auditor/rebuildSession.js";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import { unpackBatchItems } from "../../src/sdk/batchCall.js";
import { actionTypedData, roundtableDomain } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { verifyActionOrigin } from "../../src/sdk/verifyActionOrigin.js";
import { acceptAction, signFor } from "../helpers/roundtable.js";

import {
  applySignedError,
  chainSources,
  ERC1271_GAS,
  erc1271Abi,
  indexOf,
  intrinsicGas,
  outcomes,
  packedWithUnits,
  reportedAcceptance,
  sendBatch,
  type Table,
  tables,
  untracedClient,
} from "./walletAllowanceFixtures.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(tables);

describe("attack: a wallet whose verdict depends on the gas it is given (issue 12)", function () {
  this.timeout(120_000);

  /** The sensitive wallet's owner lands its acceptance itself, with 16,000 gas of allowance. */
  async function landedBySmallAllowance(t: Table) {
    const s = t.sensitive;
    const item = await signFor(t.d, s, acceptAction(s, indexOf(s, t.wallets.sensitive)));
    // At ERC1271_GAS the wallet says no: applySigned, and a relayer's simulation, refuse it.
    assert.equal(await applySignedError(t.d, item), "RoundtableInvalidSignature");
    const receipt = await sendBatch(t.d, packedWithUnits(item, 2), t.wallets.sensitive.signer);
    assert.deepEqual(outcomes(receipt), ["recorded"]);
    return {
      item,
      receipt,
      reported: reportedAcceptance(s, t.wallets.sensitive, receipt),
    };
  }

  it("the runner, reading through a provider that traces, takes the verdict the contract acted on", async () => {
    const t = await load();
    const { reported } = await landedBySmallAllowance(t);
    const origin = await verifyActionOrigin({
      publicClient: t.d.publicClient as unknown as RoundtablePublicClient,
      chainId: t.d.chainId,
      contract: t.d.roundtable.address,
      sessionId: t.sensitive.id,
      action: reported,
    });
    assert.deepEqual(origin, {
      route: "batch",
      signer: t.wallets.sensitive.address,
      by: "erc1271",
    });
  });

  it("the runner, reading through a provider that cannot trace, asks the wallet again with the gas its item gave it, and takes the action as the wallet's", async () => {
    const t = await load();
    const { reported } = await landedBySmallAllowance(t);
    const origin = await verifyActionOrigin({
      publicClient: untracedClient(t.d),
      chainId: t.d.chainId,
      contract: t.d.roundtable.address,
      sessionId: t.sensitive.id,
      action: reported,
    });
    // Asked again at 500,000 gas the wallet would say no, although the contract asked it with
    // 16,000 (the item's allowance, which the batch's calldata shows) and it said yes: an honest
    // runner would stop on a read it cannot verify, as in walletFlip.attack.test.ts. It asks with
    // the item's allowance (verifyActionOrigin's walletCallGas).
    assert.deepEqual(origin, {
      route: "batch",
      signer: t.wallets.sensitive.address,
      by: "erc1271",
    });
  });

  it("fix direction: re-asked with the item's own allowance at the wallet's entry, the wallet gives the verdict the contract acted on", async () => {
    const t = await load();
    const { item, receipt } = await landedBySmallAllowance(t);
    const digest = hashTypedData(
      actionTypedData(roundtableDomain(t.d.chainId, t.d.roundtable.address), item),
    );
    const query = encodeFunctionData({
      abi: erc1271Abi,
      functionName: "isValidSignature",
      args: [digest, item.signature],
    });
    const [unpacked] = unpackBatchItems(
      (
        decodeFunctionData({
          abi: roundtableAbi,
          data: (await t.d.publicClient.getTransaction({ hash: receipt.transactionHash })).input,
        }).args as readonly [Hex]
      )[0],
    );
    assert.equal(unpacked!.walletGas, 16_000);
    const ask = async (gasAtEntry: number) => {
      const { data } = await t.d.publicClient.call({
        to: t.wallets.sensitive.address,
        data: query,
        blockNumber: receipt.blockNumber,
        gas: BigInt(gasAtEntry) + intrinsicGas(query),
      });
      return data === undefined ? "0x" : sliceHex(data, 0, 4);
    };
    // What the contract gave it (the allowance the batch's calldata names): yes.
    assert.equal(await ask(unpacked!.walletGas!), "0x1626ba7e");
    // What the runner's fallback gives it (ERC1271_GAS): no.
    assert.equal(await ask(ERC1271_GAS), "0xffffffff");
  });

  it("the auditor credits the acceptance to the wallet (the contract asked it) and blames no one", async () => {
    const t = await load();
    const { receipt } = await landedBySmallAllowance(t);
    const s = t.sensitive;
    const client = t.d.publicClient;
    const record = await rebuildSession({
      sessionId: s.id,
      chainId: t.d.chainId,
      contract: t.d.roundtable.address,
      logs: await client.getLogs({ address: t.d.roundtable.address, fromBlock: 0n }),
      sources: chainSources(t.d),
    });
    const action = record.actions.find((a) => a.party === indexOf(s, t.wallets.sensitive));
    assert.ok(action !== undefined, "the auditor sees the wallet's acceptance");
    assert.equal(action.at.transactionHash, receipt.transactionHash);
    assert.equal(action.origin.signature, "erc1271");
    assert.equal(action.origin.signedBy, "account");
    assert.equal(action.origin.route, "batch");
  });
});
